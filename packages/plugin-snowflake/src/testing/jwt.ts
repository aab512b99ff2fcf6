/**
 * Verifies the key-pair JWT snowflake-sdk signs at login (RS256; `iss` = ACCOUNT.USER.SHA256:<fingerprint>,
 * `sub` = ACCOUNT.USER, `iat`/`exp` in milliseconds as that SDK writes them). The fingerprint is
 * Snowflake's: SHA-256 of the DER SubjectPublicKeyInfo, base64.
 */
import { createHash, createPublicKey, type KeyObject, verify } from 'node:crypto';

export function publicKeyFingerprint(key: KeyObject): string {
  return `SHA256:${createHash('sha256')
    .update(key.export({ format: 'der', type: 'spki' }))
    .digest('base64')}`;
}

export function toPublicKey(pem: string | KeyObject): KeyObject {
  return typeof pem === 'string' ? createPublicKey(pem) : pem.type === 'private' ? createPublicKey(pem) : pem;
}

/** Why the token is refused, or undefined when it is valid for this account and user at `nowMs`. */
export function jwtProblem(token: string, account: string, user: string, key: KeyObject, nowMs: number): string | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return 'is not a JWT';
  const [header, payload, signature] = parts as [string, string, string];
  let head: { alg?: unknown };
  let claims: { iss?: unknown; sub?: unknown; exp?: unknown };
  try {
    head = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as typeof head;
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as typeof claims;
  } catch {
    return 'has a header or payload that is not JSON';
  }
  if (head.alg !== 'RS256') return `is signed with ${String(head.alg)}, not RS256`;
  if (!verify('sha256', Buffer.from(`${header}.${payload}`), key, Buffer.from(signature, 'base64url')))
    return 'has a signature the registered public key does not verify';
  const subject = `${account.toUpperCase()}.${user.toUpperCase()}`;
  if (claims.sub !== subject) return `has subject ${String(claims.sub)}, expected ${subject}`;
  if (claims.iss !== `${subject}.${publicKeyFingerprint(key)}`) return 'has an issuer whose key fingerprint is not the registered key';
  // snowflake-sdk writes exp in milliseconds; a seconds value (other clients) is scaled.
  const exp = typeof claims.exp === 'number' ? (claims.exp < 1e12 ? claims.exp * 1000 : claims.exp) : Number.NaN;
  if (!(exp > nowMs)) return 'has expired';
  return undefined;
}
