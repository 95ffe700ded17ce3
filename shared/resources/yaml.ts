/**
 * YAML manifests as Kubernetes and Argo read them. Go's YAML parser accepts multi-line quoted
 * scalars that close at their key's indentation (`args: ["\n  cmd\n"]`, common in Argo's own
 * examples), which strict YAML 1.2 parsers reject, so manifests go through js-yaml 4, which is as
 * lenient. The core schema keeps dates and other YAML 1.1 extras as strings, as they reach Argo;
 * a duplicated key keeps its last value, as Go's decoder does (`json: true`).
 */
import jsYaml from 'js-yaml';

export class YamlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'YamlError';
  }
}

export function parseYamlDocuments(text: string): unknown[] {
  try {
    return jsYaml
      .loadAll(text, undefined, { schema: jsYaml.CORE_SCHEMA, json: true })
      .filter((d) => d !== null && d !== undefined);
  } catch (err) {
    const e = err as { reason?: string; mark?: { line: number; column: number }; message: string };
    const where = e.mark ? ` at line ${e.mark.line + 1}, column ${e.mark.column + 1}` : '';
    throw new YamlError(`invalid YAML${where}: ${e.reason ?? e.message.split('\n')[0]}`);
  }
}
