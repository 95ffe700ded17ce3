/**
 * Argo's `calendar` event source, driven by the Timers port instead of a sleeping pod: `schedule`
 * (5-field cron, as robfig/cron's standard parser) or `interval` (a Go duration, counted from
 * whole seconds as robfig's ConstantDelaySchedule does), `exclusionDates` (RFC 5545
 * `EXDATE:20060102T150405Z,...`: a fire on such a day moves to the next one), `timezone`, and
 * `metadata`. Data `{eventTime, metadata}` with the fire time as Go's time.String() prints it.
 */
import type { Json } from '../../core/types.js';
import { nextFireTime, parseCronSchedule, parseGoDuration } from '../../workflows/cron.js';
import { goTimeString } from './go-time.js';

export interface CalendarSourceEntry {
  schedule?: string;
  interval?: string;
  exclusionDates?: string[];
  timezone?: string;
  metadata?: Record<string, string>;
  persistence?: Json;
  [other: string]: unknown;
}

/** Days (`YYYY-MM-DD` in the calendar's zone) on which nothing fires. */
export function exclusionDays(entry: CalendarSourceEntry): Set<string> {
  const days = new Set<string>();
  for (const value of entry.exclusionDates ?? []) {
    if (!value.startsWith('EXDATE:')) continue;
    for (const date of value.slice('EXDATE:'.length).split(',')) {
      const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(date.trim());
      if (!m) throw new Error(`exclusion date "${date}" is not of the form 20060102T150405Z`);
      // Argo compares year, month and day of the exclusion (a UTC time) with the fire time's.
      days.add(`${m[1]}-${m[2]}-${m[3]}`);
    }
  }
  return days;
}

function dayIn(ms: number, timezone: string): string {
  return goTimeString(ms, timezone).slice(0, 10);
}

/** The first fire time strictly after `after`, skipping excluded days. */
export function nextCalendarTime(entry: CalendarSourceEntry, after: number): number {
  const zone = entry.timezone || 'UTC';
  const excluded = exclusionDays(entry);
  let next: (t: number) => number;
  if (entry.schedule) {
    const schedule = parseCronSchedule(entry.schedule);
    next = (t) => nextFireTime(schedule, t, zone);
  } else if (entry.interval) {
    const delay = parseGoDuration(entry.interval);
    if (delay < 1000) throw new Error(`interval "${entry.interval}" is under a second`);
    next = (t) => Math.floor(t / 1000) * 1000 + delay;
  } else {
    throw new Error('calendar event must contain either a schedule or interval');
  }
  let t = next(after);
  for (let guard = 0; excluded.has(dayIn(t, zone)); guard++) {
    if (guard > 10_000) throw new Error('every fire time falls on an excluded date');
    t = next(t);
  }
  return t;
}

export function calendarData(entry: CalendarSourceEntry, fireAt: number): Json {
  return {
    eventTime: goTimeString(fireAt, entry.timezone || 'UTC'),
    ...(entry.metadata ? { metadata: entry.metadata } : {}),
  };
}
