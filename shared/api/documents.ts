/**
 * Request bodies: YAML (one or many documents) or JSON, and `kind: List` expanded into its items.
 */
import { parseYamlDocuments, YamlError } from '../resources/yaml.js';

export class BodyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BodyError';
  }
}

export function parseDocuments(body: string, contentType: string | undefined): unknown[] {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  const looksJson = type === 'application/json' || (type === '' && /^\s*[[{]/.test(body));
  const docs = looksJson ? [parseJson(body)] : parseYaml(body);
  return docs.flatMap(expandList).filter((d) => d !== null && d !== undefined);
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch (err) {
    throw new BodyError(`invalid JSON: ${(err as Error).message}`);
  }
}

function parseYaml(body: string): unknown[] {
  try {
    return parseYamlDocuments(body);
  } catch (err) {
    if (err instanceof YamlError) throw new BodyError(err.message);
    throw err;
  }
}

function expandList(doc: unknown): unknown[] {
  if (typeof doc === 'object' && doc !== null && !Array.isArray(doc)) {
    const record = doc as Record<string, unknown>;
    if (
      typeof record['kind'] === 'string' &&
      record['kind'].endsWith('List') &&
      Array.isArray(record['items'])
    ) {
      return record['items'] as unknown[];
    }
  }
  return [doc];
}
