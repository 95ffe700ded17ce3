/**
 * The embedded secrets store: Secrets applied through the API land here, in their own LevelDB,
 * never in the event log. Always fsynced: secrets are written rarely.
 */
import { ClassicLevel } from 'classic-level';
import type { SecretObject, WritableSecrets } from '../../core/ports.js';
import { SecretNotFoundError } from '../../core/ports.js';
import type { SecretRef } from '../../core/types.js';

const SEP = '\u0000';
const secretKey = (namespace: string, name: string) => `${namespace}${SEP}${name}`;

export class LevelSecrets implements WritableSecrets {
  private constructor(private readonly db: ClassicLevel<string, string>) {}

  static async open(options: { path: string }): Promise<LevelSecrets> {
    const db = new ClassicLevel<string, string>(options.path, { valueEncoding: 'utf8' });
    await db.open();
    return new LevelSecrets(db);
  }

  async close(): Promise<void> {
    await this.db.close();
  }

  async get(ref: SecretRef & { namespace: string }): Promise<string> {
    const raw = await this.db.get(secretKey(ref.namespace, ref.name));
    const value = raw === undefined ? undefined : (JSON.parse(raw) as SecretObject).data[ref.key];
    if (value === undefined) throw new SecretNotFoundError(ref);
    return value;
  }

  async listByLabel(selector: Record<string, string>): Promise<SecretObject[]> {
    const out: SecretObject[] = [];
    for await (const raw of this.db.values()) {
      const secret = JSON.parse(raw) as SecretObject;
      if (Object.entries(selector).every(([k, v]) => secret.labels[k] === v)) out.push(secret);
    }
    return out;
  }

  async put(secret: SecretObject): Promise<void> {
    await this.db.put(secretKey(secret.namespace, secret.name), JSON.stringify(secret), {
      sync: true,
    });
  }

  async delete(namespace: string, name: string): Promise<boolean> {
    const key = secretKey(namespace, name);
    const existed = (await this.db.get(key)) !== undefined;
    if (existed) await this.db.del(key, { sync: true });
    return existed;
  }
}
