/**
 * The list generator: one parameter set per element of `elements`, then of `elementsYaml`.
 */
import type { Json } from '../../../core/types.js';
import { parseYamlDocuments } from '../../../resources/yaml.js';
import { isJsonObject, type TemplateMode } from '../templating.js';
import { AppSetError, type ListGenerator, type Params } from '../types.js';

export function listParams(list: ListGenerator, mode: TemplateMode, at: string): Params[] {
  const res: Params[] = (list.elements ?? []).map((element, i) => {
    const where = `${at}.elements[${i}]`;
    if (!isJsonObject(element)) throw new AppSetError(`${where}: an element must be a map`);
    if (mode.goTemplate) return { ...element };
    // Without goTemplate Argo takes strings only, and one level of `values` as `values.<k>`.
    const params: Params = {};
    for (const [key, value] of Object.entries(element)) {
      if (key === 'values') {
        if (!isJsonObject(value))
          throw new AppSetError(
            `${where}.values: must be a map of strings (error parsing values map)`,
          );
        for (const [k, v] of Object.entries(value))
          params[`values.${k}`] = stringValue(v, `${where}.values.${k}`);
      } else params[key] = stringValue(value, `${where}.${key}`);
    }
    return params;
  });
  if (list.elementsYaml) {
    let parsed: unknown;
    try {
      parsed = parseYamlDocuments(list.elementsYaml)[0] ?? null;
    } catch (err) {
      throw new AppSetError(`${at}.elementsYaml: not valid YAML: ${(err as Error).message}`);
    }
    if (parsed !== null && !Array.isArray(parsed))
      throw new AppSetError(`${at}.elementsYaml: must be a YAML list of maps`);
    // Argo appends these as parsed, flattening nothing even without goTemplate.
    (parsed ?? []).forEach((e: Json, i: number) => {
      if (!isJsonObject(e)) throw new AppSetError(`${at}.elementsYaml[${i}]: must be a map`);
      res.push(e);
    });
  }
  return res;
}

function stringValue(value: Json, where: string): string {
  if (typeof value !== 'string')
    throw new AppSetError(
      `${where}: ${JSON.stringify(value)} is not a string (error parsing value as string); without goTemplate every list element value must be a string: quote it, or set spec.goTemplate: true`,
    );
  return value;
}
