/**
 * Control-plane secrets on AWS Secrets Manager (DESIGN.md "Secrets"): the Secret `namespace/name`
 * is the secret `<prefix><namespace>/<name>` whose SecretString is a JSON object of its keys, and
 * its labels are the secret's tags. Values are cached briefly (a webhook checks a signature on
 * every delivery) and never logged.
 */
import {
  GetSecretValueCommand,
  ListSecretsCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-secrets-manager';
import type { Filter, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SecretObject, Secrets } from '../../core/ports.js';
import { SecretNotFoundError } from '../../core/ports.js';
import type { SecretRef } from '../../core/types.js';

export const DEFAULT_SECRETS_PREFIX = 'argo-serverless/';

export interface SecretsManagerOptions {
  client: SecretsManagerClient;
  /** Secret names start with it; IAM grants access to this prefix only. */
  prefix?: string;
  /** How long a value read is reused (ms). */
  cacheMs?: number;
  now?: () => number;
}

export class SecretsManagerSecrets implements Secrets {
  private readonly prefix: string;
  private readonly cache = new Map<string, { at: number; data: Record<string, string> | null }>();

  constructor(private readonly options: SecretsManagerOptions) {
    this.prefix = options.prefix ?? DEFAULT_SECRETS_PREFIX;
  }

  async get(ref: SecretRef & { namespace: string }): Promise<string> {
    const data = await this.data(`${this.prefix}${ref.namespace}/${ref.name}`);
    const value = data?.[ref.key];
    if (value === undefined) throw new SecretNotFoundError(ref);
    return value;
  }

  async listByLabel(selector: Record<string, string>): Promise<SecretObject[]> {
    const filters: Filter[] = [{ Key: 'name', Values: [this.prefix] }];
    for (const [k, v] of Object.entries(selector)) {
      filters.push({ Key: 'tag-key', Values: [k] }, { Key: 'tag-value', Values: [v] });
    }
    const out: SecretObject[] = [];
    let token: string | undefined;
    do {
      const page = await this.options.client.send(
        new ListSecretsCommand({ Filters: filters, NextToken: token, MaxResults: 100 }),
      );
      for (const s of page.SecretList ?? []) {
        const labels = Object.fromEntries((s.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
        // The filters match keys and values separately: check the pairs.
        if (!Object.entries(selector).every(([k, v]) => labels[k] === v)) continue;
        const path = (s.Name ?? '').slice(this.prefix.length);
        const [namespace, ...rest] = path.split('/');
        if (!namespace || rest.length === 0) continue;
        const data = await this.data(s.Name!);
        if (data) out.push({ namespace, name: rest.join('/'), labels, data });
      }
      token = page.NextToken;
    } while (token);
    return out.sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`));
  }

  private async data(secretId: string): Promise<Record<string, string> | null> {
    const now = (this.options.now ?? Date.now)();
    const hit = this.cache.get(secretId);
    if (hit && now - hit.at < (this.options.cacheMs ?? 60_000)) return hit.data;
    let data: Record<string, string> | null;
    try {
      const out = await this.options.client.send(new GetSecretValueCommand({ SecretId: secretId }));
      const parsed = JSON.parse(out.SecretString ?? '{}') as unknown;
      data =
        parsed && typeof parsed === 'object' && !Array.isArray(parsed)
          ? Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, String(v)]))
          : null;
    } catch (err) {
      if (!(err instanceof ResourceNotFoundException)) throw err;
      data = null;
    }
    this.cache.set(secretId, { at: now, data });
    return data;
  }
}
