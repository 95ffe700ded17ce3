/**
 * Cron schedules as CronWorkflows write them (robfig/cron's standard parser, which Argo uses):
 * five fields (minute hour day-of-month month day-of-week) with `*`, lists, ranges, steps and
 * month / weekday names, the descriptors @yearly @annually @monthly @weekly @daily @midnight
 * @hourly and `@every <duration>`, and an optional `CRON_TZ=<zone>` prefix.
 */
import type { WallClock } from '../expr/wall-clock.js';
import { wallClock } from '../expr/wall-clock.js';

export interface CronSchedule {
  minutes: Set<number>;
  hours: Set<number>;
  days: Set<number>;
  months: Set<number>;
  weekdays: Set<number>;
  /** Day-of-month or day-of-week was `*` (cron's rule: if either is restricted, either matches). */
  daysStar: boolean;
  weekdaysStar: boolean;
  everyMs?: number;
  timezone?: string;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

const DESCRIPTORS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

function parseField(
  text: string,
  min: number,
  max: number,
  names?: string[],
): { values: Set<number>; star: boolean } {
  const values = new Set<number>();
  const star = text === '*' || text === '?';
  for (const part of text.split(',')) {
    const [rangeText, stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step <= 0) throw new Error(`bad step in "${part}"`);
    let lo: number;
    let hi: number;
    if (rangeText === '*' || rangeText === '?') {
      lo = min;
      hi = max;
    } else {
      const [a, b] = rangeText!.split('-');
      lo = value(a!, names);
      hi = b === undefined ? (stepText === undefined ? lo : max) : value(b, names);
    }
    if (lo < min || hi > max || lo > hi) throw new Error(`"${part}" is out of range ${min}-${max}`);
    for (let v = lo; v <= hi; v += step) values.add(v);
  }
  return { values, star };
}

function value(text: string, names?: string[]): number {
  const i = names?.indexOf(text.toLowerCase()) ?? -1;
  if (i >= 0) return names === MONTHS ? i + 1 : i;
  const n = Number(text);
  if (!Number.isInteger(n)) throw new Error(`"${text}" is not a number`);
  return n;
}

/** Go duration strings (`1h30m`, `90s`, `500ms`) in ms. */
export function parseGoDuration(text: string): number {
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g;
  const units: Record<string, number> = {
    ns: 1e-6,
    us: 1e-3,
    µs: 1e-3,
    ms: 1,
    s: 1000,
    m: 60_000,
    h: 3_600_000,
  };
  let total = 0;
  let consumed = 0;
  for (const m of text.matchAll(re)) {
    total += Number(m[1]) * units[m[2]!]!;
    consumed += m[0].length;
  }
  if (consumed !== text.length || consumed === 0) {
    if (/^\d+$/.test(text)) return Number(text) * 1000;
    throw new Error(`"${text}" is not a duration`);
  }
  return total;
}

export function parseCronSchedule(source: string): CronSchedule {
  let text = source.trim();
  let timezone: string | undefined;
  const tz = /^(CRON_TZ|TZ)=(\S+)\s+/.exec(text);
  if (tz) {
    timezone = tz[2];
    text = text.slice(tz[0].length);
  }
  if (text.startsWith('@every ')) {
    const everyMs = parseGoDuration(text.slice(7).trim());
    const all = { values: new Set<number>(), star: true };
    return {
      minutes: all.values,
      hours: all.values,
      days: all.values,
      months: all.values,
      weekdays: all.values,
      daysStar: true,
      weekdaysStar: true,
      everyMs,
      ...(timezone ? { timezone } : {}),
    };
  }
  text = DESCRIPTORS[text] ?? text;
  const fields = text.split(/\s+/);
  if (fields.length !== 5)
    throw new Error(`expected exactly 5 fields, found ${fields.length}: "${source}"`);
  const minutes = parseField(fields[0]!, 0, 59);
  const hours = parseField(fields[1]!, 0, 23);
  const days = parseField(fields[2]!, 1, 31);
  const months = parseField(fields[3]!, 1, 12, MONTHS);
  const weekdays = parseField(fields[4]!.replace(/\b7\b/, '0'), 0, 6, WEEKDAYS);
  return {
    minutes: minutes.values,
    hours: hours.values,
    days: days.values,
    months: months.values,
    weekdays: weekdays.values,
    daysStar: days.star,
    weekdaysStar: weekdays.star,
    ...(timezone ? { timezone } : {}),
  };
}

function matches(s: CronSchedule, w: WallClock): boolean {
  if (!s.minutes.has(w.minute) || !s.hours.has(w.hour) || !s.months.has(w.month)) return false;
  const dayOk = s.days.has(w.day);
  const weekdayOk = s.weekdays.has(w.weekday);
  if (s.daysStar || s.weekdaysStar) return dayOk && weekdayOk;
  return dayOk || weekdayOk;
}

/**
 * The first fire time strictly after `afterMs`, in the schedule's (or the given) time zone.
 * Walks minute by minute with hour and day skips: fine for schedules, which fire at least yearly.
 */
export function nextFireTime(s: CronSchedule, afterMs: number, timezone = 'UTC'): number {
  if (s.everyMs !== undefined) return afterMs + s.everyMs;
  const zone = s.timezone ?? timezone;
  let t = Math.floor(afterMs / 60_000) * 60_000 + 60_000;
  const limit = afterMs + 5 * 366 * 86_400_000;
  while (t < limit) {
    const w = wallClock(t, zone);
    if (!s.months.has(w.month) || (!s.days.has(w.day) && !s.weekdays.has(w.weekday))) {
      t += (24 * 60 - w.hour * 60 - w.minute) * 60_000;
      continue;
    }
    if (!s.hours.has(w.hour)) {
      t += (60 - w.minute) * 60_000;
      continue;
    }
    if (matches(s, w)) return t;
    t += 60_000;
  }
  throw new Error('schedule never fires within five years');
}
