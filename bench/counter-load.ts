/** The load every core benchmark sends: counters, then rounds of one Add per counter. */
import type { Message } from '../shared/core/types.js';
import { counterObject } from '../test/support/counter-machine.js';

export function counterKeys(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `in-cluster/Counter/bench/c${i}`);
}

export function createMessages(keys: string[]): Message[] {
  return keys.map((key, i) => ({
    id: `create-${i}`,
    key,
    at: Date.now(),
    event: { type: 'Apply', object: counterObject(`c${i}`, 'bench') },
  }));
}

export function addMessages(keys: string[], rounds: number): Message[] {
  const messages: Message[] = [];
  for (let r = 0; r < rounds; r++) {
    keys.forEach((key, i) =>
      messages.push({
        id: `add-${i}-${r}`,
        key,
        at: Date.now(),
        event: { type: 'Add', amount: 1 },
      }),
    );
  }
  return messages;
}
