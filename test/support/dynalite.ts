/**
 * dynalite (a DynamoDB-compatible server) started by the tests themselves, in memory, on a
 * random loopback port, with a fresh table.
 */
import { createRequire } from 'node:module';
import type { AddressInfo, Server } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createEventTable } from '../../shared/adapters/aws/dynamodb-event-store.js';

const require = createRequire(import.meta.url);
const dynalite = require('dynalite') as (options: {
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
}) => Server;

export const testCredentials = { accessKeyId: 'test', secretAccessKey: 'test' };

export interface Dynalite {
  endpoint: string;
  client: DynamoDBClient;
  stop(): Promise<void>;
}

export async function startDynalite(): Promise<Dynalite> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: testCredentials,
  });
  return {
    endpoint,
    client,
    async stop() {
      client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

let tables = 0;
/** A fresh table on a running dynalite. */
export async function freshTable(d: Dynalite): Promise<string> {
  const name = `events-${process.pid}-${++tables}`;
  await createEventTable(d.client, name);
  return name;
}
