/** Names a trigger gives what it creates: derived from the events, so a retry finds the same. */
import { createHash } from 'node:crypto';

const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** `generateName` + five characters of the API server's alphabet, from a stable seed. */
export function derivedName(generateName: string, seed: string): string {
  const digest = createHash('sha256').update(seed).digest();
  let suffix = '';
  for (let i = 0; i < 5; i++) suffix += ALPHABET[digest[i]! % ALPHABET.length];
  return generateName.slice(0, 58) + suffix;
}
