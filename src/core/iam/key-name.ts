/**
 * What a condition key's name may hold, in a policy (`Condition`, a policy variable `${…}`) and in a request's context:
 * 1 to 256 characters, no control character, and white space only in the part after its first `/`. That part is a
 * tag key (`aws:PrincipalTag/K`, `aws:RequestTag/K`, `aws:ResourceTag/K`, `iam:ResourceTag/K`, `acs:…`), and a tag key
 * may hold spaces (AWS's tag alphabet, `[\p{L}\p{Z}\p{N}_.:/=+\-@]`, as TagUser, TagRole and AssumeRole take it here:
 * src/core/directory/rules.ts, src/core/sts/session.ts). A space before it (`aws:Principal Tag`) is a typo.
 */
const CONTROL_RE = /[\u0000-\u001f\u007f-\u009f]/;
const SPACE_RE = /\s/;

export const MAX_CONDITION_KEY_CHARS = 256;

export function isConditionKeyName(key: string): boolean {
  if (key === '' || key.length > MAX_CONDITION_KEY_CHARS || CONTROL_RE.test(key)) return false;
  const slash = key.indexOf('/');
  return !SPACE_RE.test(slash < 0 ? key : key.slice(0, slash));
}
