/**
 * Argo's generator dispatch (generators.Transform): each `spec.generators[]` entry names one
 * generator (or several, each producing its own result), whose parameter sets are post-filtered
 * by the entry's `selector` and paired with the generator's template merged over the
 * ApplicationSet's.
 */
import type { Json, JsonObject } from '../../../core/types.js';
import { labelsMatch } from '../selector.js';
import {
  fillUnset,
  flattenParams,
  replaceJson,
  replaceString,
  type TemplateMode,
} from '../templating.js';
import {
  AppSetError,
  type ApplicationSet,
  type ApplicationSetGenerator,
  type ApplicationSetTemplate,
  type GeneratorInputs,
  type Params,
} from '../types.js';
import { clusterParams } from './clusters.js';
import { gitParams } from './git.js';
import { listParams } from './list.js';
import { matrixParams, type ChildGenerator } from './matrix.js';
import { mergeParams } from './merge.js';

export interface GeneratedParams {
  /** Field path of the generator, e.g. `spec.generators[1].git`. */
  generator: string;
  params: Params[];
  /** The generator's own template with the ApplicationSet's filling what it leaves unset. */
  template: ApplicationSetTemplate;
}

const SUPPORTED = ['list', 'clusters', 'git', 'matrix', 'merge'] as const;
type Supported = (typeof SUPPORTED)[number];
/** Generators Argo has that reach outside the control plane, and why each is refused. */
export const UNSUPPORTED_GENERATORS: Readonly<Record<string, string>> = {
  scmProvider: 'it lists repositories through an SCM provider API',
  pullRequest: 'it lists pull requests through an SCM provider API',
  clusterDecisionResource: 'it reads a duck-typed custom resource from the cluster',
  plugin: 'it calls an external plugin service',
};

export function templateMode(appSet: ApplicationSet): TemplateMode {
  return {
    goTemplate: appSet.spec.goTemplate === true,
    goTemplateOptions: appSet.spec.goTemplateOptions ?? [],
  };
}

/** Every generator's parameter sets, in `spec.generators` order. */
export async function generateParams(
  appSet: ApplicationSet,
  inputs: GeneratorInputs,
): Promise<GeneratedParams[]> {
  const generators = appSet.spec?.generators;
  if (!Array.isArray(generators) || generators.length === 0)
    throw new AppSetError('spec.generators: at least one generator is required');
  const mode = templateMode(appSet);
  const res: GeneratedParams[] = [];
  for (let i = 0; i < generators.length; i++)
    res.push(
      ...(await transform(
        generators[i]!,
        `spec.generators[${i}]`,
        appSet.spec.template ?? {},
        undefined,
        0,
        mode,
        inputs,
      )),
    );
  return res;
}

async function transform(
  gen: ApplicationSetGenerator,
  at: string,
  baseTemplate: ApplicationSetTemplate,
  genParams: Params | undefined,
  depth: number,
  mode: TemplateMode,
  inputs: GeneratorInputs,
): Promise<GeneratedParams[]> {
  const kinds = generatorKinds(gen, at, depth);
  const res: GeneratedParams[] = [];
  // A matrix's second child sees the first child's parameters in all its strings.
  const interpolated =
    genParams && Object.keys(genParams).length > 0
      ? interpolateGenerator(gen, genParams, mode)
      : gen;
  const runChild: ChildGenerator = async (child, childAt, params) => {
    const results = await transform(child, childAt, {}, params, depth + 1, mode, inputs);
    if (results.length === 0)
      throw new AppSetError(`${childAt}: child generator generated no parameters`);
    if (results.length > 1)
      throw new AppSetError(`${childAt}: found more than one generator in matrix.Generators`);
    return results[0]!.params;
  };
  for (const kind of kinds) {
    const where = `${at}.${kind}`;
    const spec = interpolated[kind];
    if (spec === undefined) continue;
    const own = (spec as { template?: ApplicationSetTemplate }).template ?? {};
    const template = fillUnset(own as Json, baseTemplate as Json) as ApplicationSetTemplate;
    let params: Params[];
    switch (kind) {
      case 'list':
        params = listParams(interpolated.list!, mode, where);
        break;
      case 'clusters':
        params = clusterParams(interpolated.clusters!, inputs.clusters ?? [], mode, where);
        break;
      case 'git':
        params = await gitParams(interpolated.git!, inputs, mode, where);
        break;
      case 'matrix':
        params = await matrixParams(interpolated.matrix!, mode, where, runChild);
        break;
      case 'merge':
        params = await mergeParams(interpolated.merge!, mode, where, runChild);
        break;
    }
    const selector = gen.selector;
    if (selector)
      params = params.filter((p) => labelsMatch(selector, flattenParams(p), `${at}.selector`));
    res.push({ generator: where, params, template });
  }
  return res;
}

function generatorKinds(gen: ApplicationSetGenerator, at: string, depth: number): Supported[] {
  const kinds: Supported[] = [];
  for (const key of Object.keys(gen)) {
    if (key === 'selector' || gen[key as keyof ApplicationSetGenerator] == null) continue;
    if (key in UNSUPPORTED_GENERATORS)
      throw new AppSetError(
        `${at}.${key}: the ${key} generator is not supported (${UNSUPPORTED_GENERATORS[key]}); use list, clusters, git, matrix or merge`,
      );
    if (!(SUPPORTED as readonly string[]).includes(key))
      throw new AppSetError(
        `${at}: unrecognized generator "${key}"; the generators are list, clusters, git, matrix and merge`,
      );
    // Argo's CRD allows one level of matrix/merge inside a matrix/merge, no deeper.
    if ((key === 'matrix' || key === 'merge') && depth > 1)
      throw new AppSetError(
        `${at}.${key}: a ${key} generator may be nested only one level inside another matrix or merge`,
      );
    kinds.push(key as Supported);
  }
  return kinds;
}

/**
 * Argo's RenderGeneratorParams: every string of the generator templated with `params`. A
 * generator's `values` are resolved with missingkey=error under goTemplate, and a value naming a
 * key `params` lacks is kept as written, so it can still use the generator's own parameters.
 */
function interpolateGenerator(
  gen: ApplicationSetGenerator,
  params: Params,
  mode: TemplateMode,
): ApplicationSetGenerator {
  const strict: TemplateMode = mode.goTemplate
    ? {
        goTemplate: true,
        goTemplateOptions: [
          ...mode.goTemplateOptions.filter((o) => !o.startsWith('missingkey=')),
          'missingkey=error',
        ],
      }
    : mode;
  const filter = (path: string[], value: Json): Json | undefined => {
    if (path.length !== 2 || path[1] !== 'values' || (path[0] !== 'clusters' && path[0] !== 'git'))
      return undefined;
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value as JsonObject)) {
      try {
        out[k] = replaceString(String(v), params, strict);
      } catch (err) {
        if (!/map has no entry for key|can't evaluate field/.test((err as Error).message))
          throw err;
        out[k] = v;
      }
    }
    return out;
  };
  return replaceJson(
    gen as unknown as Json,
    params,
    mode,
    filter,
  ) as unknown as ApplicationSetGenerator;
}
