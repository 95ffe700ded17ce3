/**
 * Child process for the kill -9 test: appends versions with fsync durability and prints each
 * acknowledged version, until it is killed.
 */
import { LevelEventStore } from '../../shared/adapters/local/level-event-store.js';
import { item } from '../contracts/event-store.contract.js';

const store = await LevelEventStore.open({ path: process.argv[2]!, durability: 'fsync' });
for (let v = 1; ; v++) {
  await store.append(item(v, v === 1 ? { snapshot: { first: true } } : {}));
  process.stdout.write(`${v}\n`);
}
