/** Object names as the Kubernetes API server makes them. */
import { randomBytes } from 'node:crypto';

/** `generateName` + five characters from the API server's alphabet (no vowels or look-alikes). */
export function generateName(prefix: string): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  const bytes = randomBytes(5);
  return prefix + [...bytes].map((b) => alphabet[b % alphabet.length]).join('');
}
