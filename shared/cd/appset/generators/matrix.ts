/**
 * The matrix generator: the cartesian product of two child generators' parameter sets. The
 * second child is templated with each set of the first, so it may use the first's parameters.
 */
import { goPrint } from '../../../expr/go-template.js';
import { deepOverride, type TemplateMode } from '../templating.js';
import {
  AppSetError,
  type ApplicationSetGenerator,
  type MatrixGenerator,
  type Params,
} from '../types.js';

/** Runs one child generator, templated with `params` when given (Argo's Transform). */
export type ChildGenerator = (
  child: ApplicationSetGenerator,
  at: string,
  params: Params | undefined,
) => Promise<Params[]>;

export async function matrixParams(
  gen: MatrixGenerator,
  mode: TemplateMode,
  at: string,
  runChild: ChildGenerator,
): Promise<Params[]> {
  const children = gen.generators ?? [];
  if (children.length < 2)
    throw new AppSetError(
      `${at}.generators: found less than two generators, Matrix support only two`,
    );
  if (children.length > 2)
    throw new AppSetError(
      `${at}.generators: found more than two generators, Matrix support only two`,
    );
  const res: Params[] = [];
  const first = await runChild(children[0]!, `${at}.generators[0]`, undefined);
  for (const a of first) {
    const second = await runChild(children[1]!, `${at}.generators[1]`, a);
    for (const b of second) res.push(mode.goTemplate ? combineNested(a, b) : combineFlat(a, b, at));
  }
  return res;
}

/** With goTemplate the first child's values win, nested maps merged (mergo with override). */
function combineNested(a: Params, b: Params): Params {
  return deepOverride(deepOverride({}, b), a) as Params;
}

/** Without goTemplate a key both children set must have one value (Argo's CombineStringMaps). */
function combineFlat(a: Params, b: Params, at: string): Params {
  const res: Params = {};
  for (const [k, v] of Object.entries(a)) res[k] = goPrint(v);
  for (const [k, v] of Object.entries(b)) {
    const value = goPrint(v);
    if (k in res && res[k] !== value)
      throw new AppSetError(
        `${at}: found duplicate key ${k} with different value, a: ${String(res[k])} ,b: ${value}`,
      );
    res[k] = value;
  }
  return res;
}
