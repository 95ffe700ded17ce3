/**
 * The EventStore on DynamoDB, single-table (DESIGN.md "Storage"):
 *   version items  PK = <resource key>       SK = v#<10-digit version>   body (JSON), snap (gzip)
 *   part items     PK = <resource key>       SK = p#<version>#<id>#<i>   data (gzip slice)
 *   index items    PK = idx#<Kind>           SK = <resource key>         version, entry (JSON)
 * One conditional put per commit and no transactions (dynalite, the local stand-in, has none): a
 * version too large for one item writes its parts first, named by content, then the version item.

 */
import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  DescribeTableCommand,
  ResourceInUseException,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
} from '@aws-sdk/lib-dynamodb';
import type { QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type { AppendResult, EventStore, IndexEntry, VersionItem } from '../../core/ports.js';
import { VersionConflictError } from '../../core/ports.js';
import type { ResourceKey } from '../../core/types.js';
import {
  appendResult,
  decodeVersionItem,
  encodeVersionItem,
  partsOf,
} from '../version-item-codec.js';

const versionSk = (version: number) => `v#${String(version).padStart(10, '0')}`;
const partsPrefix = (version: number, id: string) =>
  `p#${String(version).padStart(10, '0')}#${id}#`;
const INDEX_PREFIX = 'idx#';

interface StoredVersion {
  PK: string;
  SK: string;
  body: string;
  snap?: Uint8Array;
}

interface StoredIndex {
  PK: string;
  SK: string;
  version: number;
  entry: string;
}

export class DynamoDbEventStore implements EventStore {
  private readonly doc: DynamoDBDocumentClient;
  private readonly table: string;

  constructor(options: { client: DynamoDBClient; tableName: string }) {
    this.doc = DynamoDBDocumentClient.from(options.client);
    this.table = options.tableName;
  }

  async readTail(key: ResourceKey, maxItems: number): Promise<VersionItem[]> {
    // Most heads carry no snapshot, so read the whole window in one query rather than probing.
    const items = await this.query(
      {
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :v)',
        ExpressionAttributeValues: { ':pk': key, ':v': 'v#' },
        ScanIndexForward: false,
        Limit: maxItems,
      },
      maxItems,
    );
    const out: VersionItem[] = [];
    for (const raw of items as unknown as StoredVersion[]) {
      const item = await this.decode(raw);
      out.push(item);
      if (item.snapshot !== undefined) break;
    }
    return out;
  }

  async read(key: ResourceKey, version: number): Promise<VersionItem | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({
        TableName: this.table,
        Key: { PK: key, SK: versionSk(version) },
        ConsistentRead: true,
      }),
    );
    return Item ? this.decode(Item as StoredVersion) : undefined;
  }

  async readRange(key: ResourceKey, range: { from: number; to?: number; limit?: number }) {
    const items = await this.query(
      {
        KeyConditionExpression: 'PK = :pk AND SK BETWEEN :from AND :to',
        ExpressionAttributeValues: {
          ':pk': key,
          ':from': versionSk(Math.max(1, range.from)),
          ':to': versionSk(range.to ?? 9_999_999_999),
        },
        ScanIndexForward: true,
      },
      range.limit ?? Infinity,
    );
    return Promise.all((items as unknown as StoredVersion[]).map((raw) => this.decode(raw)));
  }

  async append(item: VersionItem): Promise<AppendResult> {
    const encoded = encodeVersionItem(item);
    const stored: StoredVersion = { PK: item.key, SK: versionSk(item.version), body: encoded.body };
    if (encoded.snapshot) stored.snap = encoded.snapshot;
    const prefix = encoded.partsId && partsPrefix(item.version, encoded.partsId);
    await Promise.all(
      (encoded.parts ?? []).map((data, i) =>
        this.doc.send(
          new PutCommand({
            TableName: this.table,
            Item: { PK: item.key, SK: `${prefix}${String(i).padStart(4, '0')}`, data },
          }),
        ),
      ),
    );
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: stored,
          // The optimistic lock: two writers can never both create version N.
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      );
    } catch (err) {
      if (isConditionalCheckFailed(err)) throw new VersionConflictError(item.key, item.version);
      throw err;
    }
    return appendResult(encoded);
  }

  private async decode(raw: StoredVersion): Promise<VersionItem> {
    const parted = partsOf(raw.body);
    if (!parted) {
      return decodeVersionItem(
        raw.snap ? { body: raw.body, snapshot: Buffer.from(raw.snap) } : raw,
      );
    }
    const version = Number(raw.SK.slice(2));
    const parts = await this.query(
      {
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :p)',
        ExpressionAttributeValues: { ':pk': raw.PK, ':p': partsPrefix(version, parted.id) },
        ScanIndexForward: true,
      },
      Infinity,
    );
    if (parts.length !== parted.count)
      throw new Error(`${raw.PK} version ${version}: ${parts.length} of ${parted.count} parts`);
    return decodeVersionItem({
      body: raw.body,
      parts: parts.map((p) => Buffer.from(p['data'] as Uint8Array)),
    });
  }

  async putIndex(entry: IndexEntry): Promise<void> {
    const stored: StoredIndex = {
      PK: INDEX_PREFIX + entry.kind,
      SK: entry.key,
      version: entry.version,
      entry: JSON.stringify(entry),
    };
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: stored,
          ConditionExpression: 'attribute_not_exists(PK) OR version < :v',
          ExpressionAttributeValues: { ':v': entry.version },
        }),
      );
    } catch (err) {
      // A newer entry is already there: nothing to do.
      if (!isConditionalCheckFailed(err)) throw err;
    }
  }

  async listIndex(kind: string, filter: { cluster?: string; namespace?: string } = {}) {
    const items = await this.query(
      {
        KeyConditionExpression: 'PK = :pk',
        ExpressionAttributeValues: { ':pk': INDEX_PREFIX + kind },
      },
      Infinity,
    );
    return (items as unknown as StoredIndex[])
      .map((i) => JSON.parse(i.entry) as IndexEntry)
      .filter((e) => e.object !== null)
      .filter((e) => !filter.cluster || e.cluster === filter.cluster)
      .filter((e) => !filter.namespace || e.namespace === filter.namespace);
  }

  /** Admin and replay only: a Scan for the version-1 item every resource has. */
  async listKeys(prefix = ''): Promise<ResourceKey[]> {
    const keys: ResourceKey[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new ScanCommand({
          TableName: this.table,
          FilterExpression: 'SK = :first AND begins_with(PK, :prefix)',
          ExpressionAttributeValues: { ':first': versionSk(1), ':prefix': prefix },
          ProjectionExpression: 'PK',
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? []) keys.push(item['PK'] as string);
      start = page.LastEvaluatedKey;
    } while (start);
    return keys.sort();
  }

  private async query(input: Omit<QueryCommandInput, 'TableName'>, max: number) {
    const out: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          ...input,
          TableName: this.table,
          ConsistentRead: true,
          ...(Number.isFinite(max) ? { Limit: max - out.length } : {}),
          ExclusiveStartKey: start,
        }),
      );
      out.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start && out.length < max);
    return out;
  }
}

function isConditionalCheckFailed(err: unknown): boolean {
  return (
    err instanceof ConditionalCheckFailedException ||
    (err as { name?: string } | null)?.name === 'ConditionalCheckFailedException'
  );
}

/** Creates the table (on-demand, PK/SK strings) unless it exists: for tests and local tools. */
export async function createEventTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: 'PK', AttributeType: 'S' },
          { AttributeName: 'SK', AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: 'PK', KeyType: 'HASH' },
          { AttributeName: 'SK', KeyType: 'RANGE' },
        ],
      }),
    );
  } catch (err) {
    if (!(err instanceof ResourceInUseException)) throw err;
  }
  for (let i = 0; i < 50; i++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === 'ACTIVE') return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`table ${tableName} did not become ACTIVE`);
}
