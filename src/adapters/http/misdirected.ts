/**
 * Requests of the AWS tools sent to the wrong one of the server's three ports (review readme, ez3): `aws s3 ls
 * --endpoint-url http://127.0.0.1:8470` (the API's port) or `aws iam list-roles --endpoint-url http://127.0.0.1:8471`
 * (the jobs' credential endpoints). Both got the admin API's JSON `NotFound`, which the S3 and Query clients cannot
 * read: the aws CLI said `An error occurred (404) when calling the ListBuckets operation: Not Found`, and for IAM
 * `Unable to parse response (…), invalid XML received. Further retries may succeed`, after retrying. The S3 gateway
 * already answers IAM and STS requests sent to it in their shape, saying where they go (review readme, R9); these
 * answers do the same on the other two ports: in the shape the client reads (S3's `<Error>`, the Query API's
 * `<ErrorResponse>`), naming the port to use.
 *
 * A request is taken for one of these by its signature alone (the service of a SigV4 credential scope, in the
 * `Authorization` header or a presigned URL's `X-Amz-Credential`; a SigV2 header is S3's), or for IAM and STS a
 * form POST at the root with `Action=` (on the credential port, which serves no such thing).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { escapeXml, queryError, queryErrorJson } from './xml.ts';
import { IAM_NAMESPACE } from './iam-api.ts';
import { STS_NAMESPACE } from './sts-api.ts';

/** The service a request is signed for (`s3`, `iam`, `sts`, `gatehouse`…), undefined when it carries no AWS signature. */
export function signedServiceOf(req: IncomingMessage): string | undefined {
  const auth = typeof req.headers.authorization === 'string' ? req.headers.authorization : '';
  const header = /^AWS4-HMAC-SHA256\s+Credential=[^/,\s]+\/\d{8}\/[^/,\s]*\/([^/,\s]+)\/aws4_request/i.exec(auth);
  if (header) return (header[1] as string).toLowerCase();
  if (/^AWS [^:\s]+:/.test(auth)) return 's3';
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  if (q < 0) return undefined;
  const query = new URLSearchParams(url.slice(q + 1));
  const credential = query.get('X-Amz-Credential');
  const presigned = credential === null ? undefined : /^[^/]+\/\d{8}\/[^/]*\/([^/]+)\/aws4_request$/i.exec(credential);
  if (presigned) return (presigned[1] as string).toLowerCase();
  // A SigV2 presigned URL (`aws s3 presign` of botocore's default for S3) is S3's alone.
  return query.has('AWSAccessKeyId') && query.has('Signature') ? 's3' : undefined;
}

const presignedOf = (req: IncomingMessage): boolean => /[?&](X-Amz-Credential|AWSAccessKeyId)=/i.test(req.url ?? '');

/**
 * Answers an S3 request sent here in S3's error document (400 `AuthorizationHeaderMalformed`, as S3 answers a
 * signature for another service, or `AuthorizationQueryParametersError` for a presigned URL), with `here` (what this
 * port is) and where S3 requests go. A HEAD gets the status alone, as S3 answers one.
 */
export function answerS3Elsewhere(req: IncomingMessage, res: ServerResponse, requestId: string, here: { service: string; name: string }, s3Address: string | undefined): void {
  const to = s3Address ? `its S3 gateway at ${s3Address}` : 'its S3 gateway (`gatehouse server --s3-listen`, http://127.0.0.1:8472 by default; this server runs none)';
  const message = `The authorization header is malformed; incorrect service 's3'. This endpoint belongs to '${here.service}'. This is ${here.name}; send S3 requests to ${to}`;
  const code = presignedOf(req) ? 'AuthorizationQueryParametersError' : 'AuthorizationHeaderMalformed';
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${escapeXml(message)}</Message><RequestId>${escapeXml(requestId)}</RequestId></Error>`;
  drainAndAnswer(req, res, 400, req.method === 'HEAD' ? '' : body, { 'content-type': 'application/xml', 'x-amz-request-id': requestId });
}

/**
 * Whether a request on a port that serves no Query API is one of IAM's or STS's: signed for `iam` or `sts`, or a
 * form POST at the root (an unsigned AssumeRoleWithWebIdentity).
 */
export function queryServiceOf(req: IncomingMessage, path: string): 'iam' | 'sts' | undefined {
  const service = signedServiceOf(req);
  if (service === 'iam' || service === 'sts') return service;
  if (service === undefined && req.method === 'POST' && path === '/' && /^application\/x-www-form-urlencoded\b/i.test(String(req.headers['content-type'] ?? ''))) return 'iam';
  return undefined;
}

/** Answers an IAM or STS request sent here in the Query API's error document (404 `NotFound`), saying where it goes. */
export function answerQueryElsewhere(req: IncomingMessage, res: ServerResponse, requestId: string, service: 'iam' | 'sts', here: string, apiAddress: string | undefined): void {
  const to = apiAddress || 'the `gatehouse server --listen` address, http://127.0.0.1:8470 by default';
  const message = `This is ${here}, which serves no ${service.toUpperCase()} requests; send IAM, STS and admin API requests to ${to}`;
  const body = queryError(service === 'sts' ? STS_NAMESPACE : IAM_NAMESPACE, 'Sender', 'NotFound', message, requestId);
  drainAndAnswer(req, res, 404, req.method === 'HEAD' ? '' : body, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId });
}

/**
 * Whether a request that reached no route of the port serving the Query API (`--listen`) is an IAM or STS Query API call
 * sent to another path than `/`: signed for `iam` or `sts`, or, unsigned, a form POST or a GET naming an `Action` (an
 * AssumeRoleWithWebIdentity, which the SDKs send unsigned). That is the endpoint URL given with a path
 * (`AWS_ENDPOINT_URL=https://lb.example.com/gatehouse/`, `--endpoint-url http://host:8470//`), or a proxy that moved the
 * path (review jo, 1).
 */
export function misplacedQueryServiceOf(req: IncomingMessage): 'iam' | 'sts' | undefined {
  const service = signedServiceOf(req);
  if (service === 'iam' || service === 'sts') return service;
  if (service !== undefined) return undefined;
  if (req.method === 'POST' && /^application\/x-www-form-urlencoded\b/i.test(String(req.headers['content-type'] ?? ''))) return 'sts';
  if (req.method === 'GET' && /[?&]Action=/.test(req.url ?? '')) return 'sts';
  return undefined;
}

/**
 * Answers a Query API call sent to `path` (not `/`) in the Query API's error document, 404 `NotFound`, saying where the
 * API is (at `/` with another method than GET or POST: 405 `MethodNotAllowed`), in JSON when it asks so (`json`, as STS
 * answers `Accept: application/json`). The admin API's JSON 404 it got before was read by no AWS client: SDK v3 said
 * "XML parse error", botocore "invalid XML received. Further retries may succeed". Nothing is served there: the
 * signature covers the path the client signed.
 */
export function answerQueryMisplaced(req: IncomingMessage, res: ServerResponse, requestId: string, service: 'iam' | 'sts', path: string, json: boolean): void {
  const shown = path.length > 128 ? `${path.slice(0, 128)}…` : path;
  // At `/` itself, the method is what is wrong (a PUT, a DELETE): 405 with the methods the Query API takes.
  const root = path === '/';
  const method = (req.method ?? '').slice(0, 16);
  const message = root
    ? `The IAM and STS Query APIs take POST / (or GET /?Action=…), not ${method}`
    : `No ${service.toUpperCase()} Query API at \`${shown}\`: this server answers the IAM and STS Query APIs at \`/\` only (POST /, or GET /?Action=…); give the endpoint URL as the server's address without a path (http://host:port), and have a proxy in front forward the path unchanged`;
  const code = root ? 'MethodNotAllowed' : 'NotFound';
  const body = json ? queryErrorJson('Sender', code, message, requestId) : queryError(service === 'sts' ? STS_NAMESPACE : IAM_NAMESPACE, 'Sender', code, message, requestId);
  drainAndAnswer(req, res, root ? 405 : 404, req.method === 'HEAD' ? '' : body, { 'content-type': json ? 'application/json' : 'text/xml', 'x-amzn-requestid': requestId, ...(root ? { allow: 'GET, POST' } : {}) });
}

/**
 * The answer, after the body is let go: a client still sending one (`s3 cp`) would otherwise see a reset. Never sniffed
 * (as every answer of `--listen`, the console's origin: review Q, Q2): the 404 of a Query API call at another path echoes
 * that path, which a browser reaches with a GET and `?Action=` (review uq, 4).
 */
function drainAndAnswer(req: IncomingMessage, res: ServerResponse, status: number, body: string, headers: Record<string, string>): void {
  if (!req.complete) {
    res.setHeader('connection', 'close');
    req.resume();
  }
  res.writeHead(status, { ...headers, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  res.end(body);
}
