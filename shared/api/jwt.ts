/**
 * HS256 JSON Web Tokens, as Argo CD's session manager signs and checks its own tokens (project
 * role tokens, local accounts): HMAC-SHA256 with the server key, `iat` / `nbf` / `exp` in seconds.
 * Only HS256 is accepted, whatever the header says, so a token cannot pick a weaker algorithm.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Json, JsonObject } from '../core/types.js';

export class JwtError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JwtError';
  }
}

const b64url = (data: Buffer | string): string => Buffer.from(data).toString('base64url');

export function signJwt(claims: JsonObject, key: string): string {
  const head = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const body = b64url(JSON.stringify(claims));
  const signature = createHmac('sha256', key).update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${signature}`;
}

/** Whether a bearer credential is shaped like a JWT (three base64url parts). */
export function looksLikeJwt(token: string): boolean {
  return /^[\w-]+\.[\w-]+\.[\w-]+$/.test(token);
}

/**
 * The claims of a token signed with `key`; throws JwtError when the signature, the algorithm or
 * the validity window (`nbf`, `exp`, against `nowSeconds`) is wrong.
 */
export function verifyJwt(token: string, key: string, nowSeconds: number): JsonObject {
  const parts = token.split('.');
  if (parts.length !== 3)
    throw new JwtError('token is not a JWT (expected header.claims.signature)');
  const [head, body, signature] = parts as [string, string, string];
  const header = decodePart(head, 'header');
  if (header['alg'] !== 'HS256')
    throw new JwtError(
      `unexpected signing method: ${String(header['alg'])} (only HS256 is accepted)`,
    );
  const expected = createHmac('sha256', key).update(`${head}.${body}`).digest();
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    throw new JwtError('token signature is invalid');
  const claims = decodePart(body, 'claims');
  const nbf = numericClaim(claims, 'nbf');
  if (nbf !== undefined && nowSeconds < nbf) throw new JwtError('token is not valid yet');
  const exp = numericClaim(claims, 'exp');
  if (exp !== undefined && nowSeconds >= exp) throw new JwtError('token is expired');
  return claims;
}

function decodePart(part: string, what: string): JsonObject {
  let value: Json;
  try {
    value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Json;
  } catch {
    throw new JwtError(`token ${what} is not base64url-encoded JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new JwtError(`token ${what} is not a JSON object`);
  return value;
}

function numericClaim(claims: JsonObject, name: string): number | undefined {
  const value = claims[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number') throw new JwtError(`token claim ${name} is not a number`);
  return value;
}
