/**
 * Argo Events' dependency filters (pkg/sensors/dependencies/filter.go), pure: data (gjson path,
 * type, values, comparator, template; a string value is a regular expression, matched anywhere),
 * exprs (govaluate over gjson-read fields), context, time (a daily window, wrapping midnight when
 * stop < start), their `dataLogicalOperator` / `exprLogicalOperator`, and
 * `filtersLogicalOperator` across them. As in Argo, an error (a missing path, a bad regex) fails
 * the filter under `and`, and under `or` counts as not passing, with its reason kept. A Lua
 * `script` passes when it returns true.
 */
import type { WallClock } from '../expr/wall-clock.js';
import { wallClock } from '../expr/wall-clock.js';
import { gjsonGet } from '../expr/gjson.js';
import { renderGoTemplate } from '../expr/go-template.js';
import { evaluateGovaluate } from '../expr/govaluate.js';
import { runLua } from '../expr/lua.js';
import type {
  ArgoEvent,
  DataFilter,
  EventDependencyFilter,
  ExprFilter,
  LogicalOperator,
  TimeFilter,
} from './types.js';

export interface FilterOutcome {
  pass: boolean;
  /** Why it did not pass (errors and failed checks), for the Sensor's status and log. */
  reason?: string;
}

class FilterError extends Error {}

export function filterEvent(
  event: ArgoEvent,
  filter: EventDependencyFilter | undefined,
  operator: LogicalOperator = 'and',
): FilterOutcome {
  if (!filter) return { pass: true };
  const checks: { present: boolean; run: () => boolean; name: string }[] = [
    {
      name: 'expr',
      present: filter.exprs !== undefined,
      run: () => exprs(event, filter.exprs, filter.exprLogicalOperator),
    },
    {
      name: 'data',
      present: filter.data !== undefined,
      run: () => data(event, filter.data, filter.dataLogicalOperator),
    },
    {
      name: 'context',
      present: filter.context !== undefined,
      run: () => context(event, filter.context),
    },
    { name: 'time', present: filter.time !== undefined, run: () => time(event, filter.time) },
    { name: 'script', present: Boolean(filter.script), run: () => script(event, filter.script) },
  ];
  const errors: string[] = [];
  for (const check of checks) {
    let pass: boolean;
    try {
      pass = check.run();
    } catch (err) {
      if (!(err instanceof FilterError)) throw err;
      if (operator !== 'or') return { pass: false, reason: err.message };
      errors.push(err.message);
      pass = false;
    }
    if (operator === 'or') {
      if (check.present && pass) return { pass: true };
    } else if (!pass) {
      return { pass: false, reason: `${check.name} filter did not match` };
    }
  }
  if (operator === 'or')
    return { pass: false, reason: errors.length ? errors.join(' / ') : 'no filter matched' };
  return { pass: true };
}

function exprs(
  event: ArgoEvent,
  filters: ExprFilter[] | undefined,
  operator?: LogicalOperator,
): boolean {
  if (!filters) return true;
  const or = operator === 'or';
  const errors: string[] = [];
  for (const f of filters) {
    const params: Record<string, unknown> = {};
    let missing: string | undefined;
    for (const field of f.fields ?? []) {
      const r = gjsonGet(event.data, field.path);
      if (!r.exists) {
        missing = `path '${field.path}' does not exist`;
        break;
      }
      params[field.name] = r.value;
    }
    if (missing) {
      if (!or) throw new FilterError(`expr filter error (${missing})`);
      errors.push(missing);
      continue;
    }
    if (Object.keys(params).length === 0) continue;
    let result: unknown;
    try {
      result = evaluateGovaluate(f.expr, params);
    } catch (err) {
      if (!or) throw new FilterError(`expr filter error (${(err as Error).message})`);
      errors.push((err as Error).message);
      continue;
    }
    if (result === true && or) return true;
    if (result !== true && !or) return false;
  }
  if (or) {
    if (errors.length) throw new FilterError(`expr filter errors [${errors.join(' / ')}]`);
    return false;
  }
  return true;
}

function data(
  event: ArgoEvent,
  filters: DataFilter[] | undefined,
  operator?: LogicalOperator,
): boolean {
  if (!filters || filters.length === 0) return true;
  const or = operator === 'or';
  const errors: string[] = [];
  const fail = (message: string) => {
    if (!or) throw new FilterError(`data filter error (${message})`);
    errors.push(message);
  };
  for (const f of filters) {
    const found = gjsonGet(event.data, f.path);
    if (!found.exists) {
      fail(`path '${f.path}' does not exist`);
      continue;
    }
    if (!f.value || f.value.length === 0) {
      fail('no values specified');
      continue;
    }
    let actual: { str: string; value: unknown } = found;
    if (f.template) {
      let out: string;
      try {
        out = renderGoTemplate(f.template, { Input: found.str });
      } catch (err) {
        fail((err as Error).message);
        continue;
      }
      if (out === '' || out === '<no value>') {
        fail(`template '${f.template}' evaluated to empty string or no value`);
        continue;
      }
      actual = { str: out, value: out };
    }
    let matched: boolean;
    try {
      matched = matchesAny(f, actual);
    } catch (err) {
      fail((err as Error).message);
      continue;
    }
    if (matched && or) return true;
    if (!matched && !or) return false;
  }
  if (or) {
    if (errors.length) throw new FilterError(`data filter errors [${errors.join(' / ')}]`);
    return false;
  }
  return true;
}

/** One data filter's values against the event's value: any value matching passes. */
function matchesAny(f: DataFilter, actual: { str: string; value: unknown }): boolean {
  switch (f.type) {
    case 'bool': {
      const got = gjsonBool(actual);
      return f.value.some((v) => parseGoBool(v) === got);
    }
    case 'number': {
      const got = gjsonFloat(actual);
      return f.value.some((v) => {
        const want = Number(v);
        if (v.trim() === '' || Number.isNaN(want))
          throw new Error(`strconv.ParseFloat: parsing "${v}": invalid syntax`);
        switch (f.comparator ?? '=') {
          case '>=':
            return got >= want;
          case '>':
            return got > want;
          case '<':
            return got < want;
          case '<=':
            return got <= want;
          case '!=':
            return got !== want;
          default:
            return got === want;
        }
      });
    }
    case 'string':
      return f.value.some((v) => {
        let re: RegExp;
        try {
          re = new RegExp(v);
        } catch (err) {
          throw new Error(`error parsing regexp: ${(err as Error).message}`);
        }
        const match = re.test(actual.str);
        return f.comparator === '!=' ? !match : match;
      });
    default:
      throw new Error(`unsupported JSON type '${String(f.type)}'`);
  }
}

function parseGoBool(v: string): boolean {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) return false;
  throw new Error(`strconv.ParseBool: parsing "${v}": invalid syntax`);
}

/** gjson's Result.Bool(): true, "true"-ish strings, non-zero numbers. */
function gjsonBool(r: { value: unknown; str: string }): boolean {
  if (typeof r.value === 'boolean') return r.value;
  if (typeof r.value === 'number') return r.value !== 0;
  if (typeof r.value === 'string') {
    try {
      return parseGoBool(r.value);
    } catch {
      return false;
    }
  }
  return false;
}

/** gjson's Result.Float(): numbers, numeric strings, true = 1. */
function gjsonFloat(r: { value: unknown }): number {
  if (typeof r.value === 'number') return r.value;
  if (typeof r.value === 'boolean') return r.value ? 1 : 0;
  if (typeof r.value === 'string') {
    const n = Number(r.value);
    return Number.isNaN(n) ? 0 : n;
  }
  return 0;
}

function context(event: ArgoEvent, expected: EventDependencyFilter['context']): boolean {
  if (!expected) return true;
  const c = event.context;
  return (
    (!expected.type || expected.type === c.type) &&
    (!expected.subject || expected.subject === c.subject) &&
    (!expected.source || expected.source === c.source) &&
    (!expected.datacontenttype || expected.datacontenttype === c.datacontenttype)
  );
}

function time(event: ArgoEvent, filter: TimeFilter | undefined): boolean {
  if (!filter) return true;
  const zone = filter.timezone || 'UTC';
  const at = Date.parse(event.context.time);
  const now = secondsOfDay(at, zone);
  const start = parseClock(filter.start);
  const stop = parseClock(filter.stop);
  return start < stop ? now >= start && now < stop : now >= start || now < stop;
}

/** A Lua script over the data as `event`; it passes when it returns true (Argo: lua.LTrue). */
function script(event: ArgoEvent, source: string | undefined): boolean {
  if (!source || event.data === null) return true;
  try {
    return runLua(source, { event: event.data }) === true;
  } catch (err) {
    throw new FilterError(`script filter error (${(err as Error).message})`);
  }
}

function parseClock(text: string): number {
  const m = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(text.trim());
  if (!m) throw new FilterError(`time filter error (cannot parse "${text}" as HH:MM:SS)`);
  return Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3] ?? 0);
}

function secondsOfDay(ms: number, zone: string): number {
  let w: WallClock;
  try {
    w = wallClock(ms, zone);
  } catch {
    throw new FilterError(`time filter error (unknown time zone "${zone}")`);
  }
  return w.hour * 3600 + w.minute * 60 + w.second + (ms % 1000) / 1000;
}
