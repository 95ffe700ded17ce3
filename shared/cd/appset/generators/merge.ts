/**
 * The merge generator: the first child's parameter sets, each overridden by the sets of later
 * children that agree with it on every merge key. Sets of later children with no partner in the
 * first are dropped.
 */
import type { Json } from '../../../core/types.js';
import { canonicalJson } from '../../../core/objects.js';
import { deepOverride, type TemplateMode } from '../templating.js';
import { AppSetError, type MergeGenerator, type Params } from '../types.js';
import type { ChildGenerator } from './matrix.js';

export async function mergeParams(
  gen: MergeGenerator,
  mode: TemplateMode,
  at: string,
  runChild: ChildGenerator,
): Promise<Params[]> {
  const children = gen.generators ?? [];
  if (children.length < 2)
    throw new AppSetError(
      `${at}.generators: found less than two generators, Merge requires two or more`,
    );
  const sets: Params[][] = [];
  for (let i = 0; i < children.length; i++) {
    try {
      sets.push(await runChild(children[i]!, `${at}.generators[${i}]`, undefined));
    } catch (err) {
      if (err instanceof AppSetError)
        throw new AppSetError(
          `error getting params from generator ${i + 1} of ${children.length}: ${err.message}`,
        );
      throw err;
    }
  }
  // Argo's result order is its map's (random); ours is the first child's order.
  const base = byMergeKey(gen.mergeKeys ?? [], sets[0]!, at);
  for (const later of sets.slice(1)) {
    const overrides = byMergeKey(gen.mergeKeys ?? [], later, at);
    for (const [key, params] of base) {
      const over = overrides.get(key);
      if (!over) continue;
      base.set(
        key,
        mode.goTemplate ? (deepOverride(params, over) as Params) : { ...params, ...over },
      );
    }
  }
  return [...base.values()];
}

function byMergeKey(mergeKeys: readonly string[], sets: Params[], at: string): Map<string, Params> {
  if (mergeKeys.length === 0)
    throw new AppSetError(
      `${at}.mergeKeys: no merge keys were specified, Merge requires at least one`,
    );
  const keys = [...new Set(mergeKeys)];
  const res = new Map<string, Params>();
  for (const params of sets) {
    // A top-level lookup, as Argo's: with goTemplate a nested key such as "values.x" finds nothing.
    const id: { [k: string]: Json } = {};
    for (const k of keys) id[k] = params[k] ?? null;
    const json = canonicalJson(id);
    if (res.has(json))
      throw new AppSetError(
        `${at}: the parameters from a generator were not unique by the given mergeKeys, Merge requires all param sets to be unique. Duplicate key was ${json}`,
      );
    res.set(json, params);
  }
  return res;
}
