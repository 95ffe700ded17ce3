/**
 * Secrets applied through the API on AWS: the Secret `namespace/name` becomes the Secrets Manager
 * secret `<prefix><namespace>/<name>` (its keys a JSON object, its labels the tags), the layout
 * shared/adapters/aws/secrets-manager.ts reads. Only the API function writes; IAM limits it to the
 * prefix.
 */
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-secrets-manager';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  SecretsManagerSecrets,
  DEFAULT_SECRETS_PREFIX,
} from '../../adapters/aws/secrets-manager.js';
import type { SecretObject, WritableSecrets } from '../../core/ports.js';
import type { SecretRef } from '../../core/types.js';

export class SecretsManagerWriter implements WritableSecrets {
  private readonly prefix: string;
  private readonly reader: SecretsManagerSecrets;

  constructor(private readonly options: { client: SecretsManagerClient; prefix?: string }) {
    this.prefix = options.prefix ?? DEFAULT_SECRETS_PREFIX;
    // No cache: the API reads a secret back right after writing it.
    this.reader = new SecretsManagerSecrets({ ...options, prefix: this.prefix, cacheMs: 0 });
  }

  get(ref: SecretRef & { namespace: string }): Promise<string> {
    return this.reader.get(ref);
  }

  listByLabel(selector: Record<string, string>): Promise<SecretObject[]> {
    return this.reader.listByLabel(selector);
  }

  async put(secret: SecretObject): Promise<void> {
    const { client } = this.options;
    const name = this.name(secret.namespace, secret.name);
    const value = JSON.stringify(secret.data);
    const tags = Object.entries(secret.labels).map(([Key, Value]) => ({ Key, Value }));
    try {
      await client.send(new CreateSecretCommand({ Name: name, SecretString: value, Tags: tags }));
      return;
    } catch (err) {
      if (!(err instanceof ResourceExistsException)) throw err;
    }
    await client.send(new PutSecretValueCommand({ SecretId: name, SecretString: value }));
    // Labels are replaced as a whole, as applying a Secret replaces its labels.
    const current = await client.send(new DescribeSecretCommand({ SecretId: name }));
    const stale = (current.Tags ?? [])
      .map((t) => t.Key ?? '')
      .filter((k) => k !== '' && !(k in secret.labels));
    if (stale.length > 0)
      await client.send(new UntagResourceCommand({ SecretId: name, TagKeys: stale }));
    if (tags.length > 0) await client.send(new TagResourceCommand({ SecretId: name, Tags: tags }));
  }

  async delete(namespace: string, name: string): Promise<boolean> {
    try {
      // Kubernetes deletes at once: no recovery window, so the name can be applied again.
      await this.options.client.send(
        new DeleteSecretCommand({
          SecretId: this.name(namespace, name),
          ForceDeleteWithoutRecovery: true,
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof ResourceNotFoundException) return false;
      throw err;
    }
  }

  private name(namespace: string, name: string): string {
    return `${this.prefix}${namespace}/${name}`;
  }
}
