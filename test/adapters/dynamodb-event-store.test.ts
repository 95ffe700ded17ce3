import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbEventStore } from '../../shared/adapters/aws/dynamodb-event-store.js';
import { describeEventStoreContract, item } from '../contracts/event-store.contract.js';
import { freshTable, startDynalite } from '../support/dynalite.js';
import type { Dynalite } from '../support/dynalite.js';

let dyn: Dynalite;
beforeAll(async () => {
  dyn = await startDynalite();
});
afterAll(async () => dyn.stop());

describeEventStoreContract('DynamoDB (dynalite)', async () => {
  const store = new DynamoDbEventStore({ client: dyn.client, tableName: await freshTable(dyn) });
  return { store, close: async () => {} };
});

describe('DynamoDB layout', () => {
  it('readRange pages through more items than one query returns', async () => {
    const store = new DynamoDbEventStore({ client: dyn.client, tableName: await freshTable(dyn) });
    const blob = 'q'.repeat(60_000); // ~17 items fill dynalite's 1 MB page
    await store.append(item(1, { snapshot: {} }));
    for (let v = 2; v <= 40; v++) {
      await store.append(
        item(v, { events: [{ messageId: `m${v}`, at: 1, event: { type: 'X', blob } }] }),
      );
    }
    expect((await store.readRange(item(1).key, { from: 1 })).map((i) => i.version)).toEqual(
      Array.from({ length: 40 }, (_, i) => i + 1),
    );
  });
});
