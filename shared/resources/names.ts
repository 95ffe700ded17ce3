/** Object names as the Kubernetes API server makes them. */
import { randomBytes } from 'node:crypto';

/**
 * `generateName` + five characters from the API server's alphabet (no vowels or look-alikes).
 * As the API server does, the prefix is cut to 58 characters so the name fits 63 (it is often
 * used as a label value, which may not be longer).
 */
export function generateName(prefix: string): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  const bytes = randomBytes(5);
  return prefix.slice(0, 58) + [...bytes].map((b) => alphabet[b % alphabet.length]).join('');
}
