/**
 * The help's paragraph on where credentials come from (src/adapters/cli/client.ts reads them so): in a module of its
 * own so that `gatehouse --help` and `--version` need not load the client and its request signer.
 */

/** Said after the list of commands in `gatehouse --help`. */
export const CREDENTIALS_NOTE = `Credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN), else the access keys of
the profile AWS_PROFILE names (AWS_DEFAULT_PROFILE's first, as the aws CLI reads them; in ~/.aws/credentials or
~/.aws/config), what its credential_process prints, or the session of its role_arn (assumed on this server with its
source_profile's credentials, or with the environment's keys for credential_source = Environment), else
ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET (and ALIBABA_CLOUD_SECURITY_TOKEN), as Alibaba's SDKs
read them, else --data-dir's admin-credentials.json (the admin of the account the server created). One of a pair
without the other is an error (exit 2), and so is a profile gatehouse cannot use (SSO, web identity, mfa_serial):
never the admin file instead.
An https endpoint's certificate is checked against --ca-bundle, else AWS_CA_BUNDLE, else the profile's ca_bundle
(a PEM file) when one is set; the region signed for is --region, else AWS_REGION, else AWS_DEFAULT_REGION, else the
profile's region (the profile named, else default, in ~/.aws/config), its section in ~/.aws/credentials first, as
for the aws CLI. Requests go through HTTP_PROXY / HTTPS_PROXY when set, except to the hosts NO_PROXY names.`;
