/**
 * Argo CD's sync windows (AppProject spec.syncWindows): which windows apply to an Application,
 * which are active at a given instant, and whether a sync may run. Pure: the instant is an
 * argument (the event's timestamp), never the wall clock.
 *
 * Argo's rules, reproduced here:
 * - a window is active from each cron firing for `duration`, both ends exclusive at minute
 *   resolution (robfig/cron's Next after `now - duration` falls before `now`).
 * - `timeZone` shifts the schedule by the zone's UTC offset at the instant checked (Argo takes
 *   the offset of the current moment, not of the firing: across a DST change a window can be an
 *   hour off, as in Argo). An unknown zone is UTC, as Argo falls back.
 * - an active deny window blocks, unless the sync is manual and every active deny window has
 *   manualSync. Deny wins over allow.
 * - otherwise an active allow window permits; if allow windows exist but none is active, the
 *   sync is blocked unless it is manual and every inactive allow window has manualSync.
 * - syncOverrun: an operation that started while syncs were permitted may continue into a deny
 *   window (when every active deny window allows overrun) or past the end of its allow window
 *   (when every inactive allow window allows overrun).
 */
import { zoneOffsetMs } from '../expr/wall-clock.js';
import {
  nextFireTime,
  parseCronSchedule,
  parseGoDuration,
  type CronSchedule,
} from '../workflows/cron.js';
import { globMatch } from './glob.js';
import type { AppProject, SyncWindow } from './project.js';

export type { SyncWindow } from './project.js';

export interface SyncWindowApplication {
  name: string;
  destination: { server?: string; name?: string; namespace?: string };
}

export interface SyncOptions {
  /** The sync was started by a user (not by automated sync or self-heal). */
  manual: boolean;
  /** When the running operation started (ms), for syncOverrun. */
  operationStartedAt?: number;
}

export interface SyncDecision {
  allowed: boolean;
  reason?: string;
}

export class SyncWindowError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SyncWindowError';
  }
}

interface CompiledWindow {
  schedule: CronSchedule;
  durationMs: number;
}

const compiledCache = new Map<string, CompiledWindow>();

/** The five-field robfig/cron parser Argo uses: no descriptors, day-of-week 0-6. */
function parseWindowSchedule(text: string): CronSchedule {
  const fields = text
    .trim()
    .replace(/^(CRON_TZ|TZ)=\S+\s+/, '')
    .split(/\s+/);
  if (fields[0]?.startsWith('@'))
    throw new Error(`descriptors such as '${fields[0]}' are not accepted; write five cron fields`);
  const weekday = fields[4];
  if (weekday?.split(',').some((part) => part.split('/')[0]!.split('-').includes('7')))
    throw new Error('day of week 7 is above the maximum (6); write Sunday as 0');
  const schedule = parseCronSchedule(text);
  if (schedule.timezone) zoneOffsetAt(schedule.timezone, 0, true);
  return schedule;
}

/** Go's time.ParseDuration as sync windows need it (`1h`, `30m`, `1h30m`, `0`). */
function parseWindowDuration(text: string): number {
  if (/^\d+$/.test(text) && text !== '0') throw new Error(`missing unit in duration "${text}"`);
  return parseGoDuration(text);
}

function compile(window: SyncWindow, path: string): CompiledWindow {
  const key = `${window.schedule}\0${window.duration}`;
  let compiled = compiledCache.get(key);
  if (compiled) return compiled;
  let schedule: CronSchedule;
  try {
    schedule = parseWindowSchedule(window.schedule ?? '');
  } catch (e) {
    throw new SyncWindowError(
      `${path}.schedule: cannot parse schedule '${window.schedule}': ${(e as Error).message}`,
    );
  }
  let durationMs: number;
  try {
    durationMs = parseWindowDuration(window.duration ?? '');
  } catch (e) {
    throw new SyncWindowError(
      `${path}.duration: cannot parse duration '${window.duration}': ${(e as Error).message}`,
    );
  }
  compiled = { schedule, durationMs };
  if (compiledCache.size >= 1000) compiledCache.clear();
  compiledCache.set(key, compiled);
  return compiled;
}

/** The zone's UTC offset at `at`; an unknown zone is UTC unless `strict`. */
function zoneOffsetAt(zone: string, at: number, strict = false): number {
  try {
    return zoneOffsetMs(at, zone);
  } catch (e) {
    if (strict) throw new Error(`unknown time zone '${zone}'`, { cause: e });
    return 0;
  }
}

function isActive(window: SyncWindow, now: number, path: string): boolean {
  const { schedule, durationMs } = compile(window, path);
  const shifted = now + (window.timeZone ? zoneOffsetAt(window.timeZone, now) : 0);
  let next: number;
  try {
    next = nextFireTime(schedule, shifted - durationMs, 'UTC');
  } catch {
    // A schedule that never fires (`0 0 30 2 *`) is never active.
    return false;
  }
  return next < shifted;
}

/** Whether one window is active at `now` (ms). Throws a SyncWindowError if it is invalid. */
export function isWindowActive(window: SyncWindow, now: number): boolean {
  return isActive(window, now, 'syncWindow');
}

/** Argo's SyncWindows.Active: the windows active at `now`. Throws on an invalid window. */
export function activeWindows(windows: SyncWindow[] | undefined, now: number): SyncWindow[] {
  return (windows ?? []).filter((w, i) => isActive(w, now, `syncWindows[${i}]`));
}

/** Argo's SyncWindows.InactiveAllows: the allow windows not active at `now`. */
export function inactiveAllowWindows(windows: SyncWindow[] | undefined, now: number): SyncWindow[] {
  return (windows ?? []).filter(
    (w, i) => w.kind === 'allow' && !isActive(w, now, `syncWindows[${i}]`),
  );
}

const anyGlob = (patterns: string[], value: string): boolean =>
  patterns.some((p) => p === '*' || globMatch(p, value));

/**
 * Argo's SyncWindows.Matches: the windows that apply to an Application. By default a window
 * applies when its applications, clusters (server or name) or namespaces lists match (OR);
 * with `andOperator` every list that is set must match. A window with no lists applies to none.
 */
export function matchingWindows(
  windows: SyncWindow[] | undefined,
  app: SyncWindowApplication,
): SyncWindow[] {
  const server = app.destination.server ?? '';
  const clusterName = app.destination.name ?? '';
  const namespace = app.destination.namespace ?? '';
  return (windows ?? []).filter((w) => {
    const checks: boolean[] = [];
    if (w.applications?.length) checks.push(anyGlob(w.applications, app.name));
    if (w.clusters?.length)
      checks.push(
        w.clusters.some(
          (c) =>
            (clusterName !== '' && (c === '*' || globMatch(c, clusterName))) ||
            (server !== '' && (c === '*' || globMatch(c, server))),
        ),
      );
    if (w.namespaces?.length) checks.push(anyGlob(w.namespaces, namespace));
    if (checks.length === 0) return false;
    return w.andOperator ? checks.every(Boolean) : checks.some(Boolean);
  });
}

const describe = (w: SyncWindow): string =>
  `${w.kind} window '${w.schedule}' for ${w.duration}${w.timeZone ? ` (${w.timeZone})` : ''}`;

/** The decision at one instant, without overrun. */
function decideAt(windows: SyncWindow[], manual: boolean, at: number): SyncDecision {
  const active = activeWindows(windows, at);
  const activeDeny = active.filter((w) => w.kind === 'deny');
  if (activeDeny.length > 0) {
    if (manual && activeDeny.every((w) => w.manualSync)) return { allowed: true };
    return {
      allowed: false,
      reason: `Sync operation blocked by sync window: ${activeDeny.map(describe).join(', ')} is active`,
    };
  }
  if (active.some((w) => w.kind === 'allow')) return { allowed: true };
  const inactiveAllows = inactiveAllowWindows(windows, at);
  if (inactiveAllows.length > 0) {
    if (manual && inactiveAllows.every((w) => w.manualSync)) return { allowed: true };
    return {
      allowed: false,
      reason: `Sync operation blocked by sync window: no allow window is active (${inactiveAllows.map(describe).join(', ')})`,
    };
  }
  return { allowed: true };
}

/**
 * Argo's SyncWindows.CanSync over the windows that apply to one Application (see
 * matchingWindows). An invalid window blocks the sync, with the parse error as the reason.
 */
export function canSync(
  windows: SyncWindow[] | undefined,
  options: SyncOptions,
  now: number,
): SyncDecision {
  const list = windows ?? [];
  if (list.length === 0) return { allowed: true };
  try {
    const decision = decideAt(list, options.manual, now);
    if (decision.allowed || options.operationStartedAt === undefined) return decision;
    const active = activeWindows(list, now);
    const activeDeny = active.filter((w) => w.kind === 'deny');
    const overrun =
      activeDeny.length > 0
        ? activeDeny.every((w) => w.syncOverrun)
        : list.filter((w) => w.kind === 'allow').every((w) => w.syncOverrun);
    if (overrun && decideAt(list, options.manual, options.operationStartedAt).allowed)
      return { allowed: true };
    return decision;
  } catch (e) {
    if (!(e instanceof SyncWindowError)) throw e;
    return { allowed: false, reason: `invalid sync windows: ${e.message}` };
  }
}

/** canSync for an Application of a project: the project's windows that match the app. */
export function canSyncApplication(
  project: AppProject,
  app: SyncWindowApplication,
  options: SyncOptions,
  now: number,
): SyncDecision {
  return canSync(matchingWindows(project.spec.syncWindows, app), options, now);
}

/**
 * What Argo's SyncWindow.Validate and ValidateProject refuse, with field paths: kind, schedule,
 * duration, description length, and a window that names no application, namespace or cluster.
 */
export function validateSyncWindows(
  windows: SyncWindow[] | undefined,
  path = 'spec.syncWindows',
): string[] {
  const errors: string[] = [];
  for (const [i, w] of (windows ?? []).entries()) {
    const at = `${path}[${i}]`;
    if (w.kind !== 'allow' && w.kind !== 'deny')
      errors.push(`${at}.kind: kind '${w.kind}' mismatch: can only be allow or deny`);
    try {
      compile(w, at);
    } catch (e) {
      errors.push((e as Error).message);
    }
    if ((w.description ?? '').length > 255)
      errors.push(`${at}.description: description must not exceed 255 characters`);
    if (!w.applications?.length && !w.namespaces?.length && !w.clusters?.length)
      errors.push(
        `${at}: window '${w.kind}':'${w.schedule}':'${w.duration}' requires one of application, cluster or namespace`,
      );
  }
  return errors;
}
