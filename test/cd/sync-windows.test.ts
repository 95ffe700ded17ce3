/**
 * Sync windows as Argo CD decides them. Rows follow Argo's types_test.go (TestSyncWindows_Active,
 * TestSyncWindows_CanSync, TestSyncWindows_Matches, ..._AND_Operator) with fixed instants
 * instead of Argo's "today"; rows that are ours say so.
 */
import { describe, expect, it } from 'vitest';
import type { AppProject, SyncWindow } from '../../shared/cd/project.js';
import {
  activeWindows,
  canSync,
  canSyncApplication,
  inactiveAllowWindows,
  isWindowActive,
  matchingWindows,
  SyncWindowError,
  validateSyncWindows,
} from '../../shared/cd/sync-windows.js';

const at = (iso: string): number => Date.parse(iso);
// A winter day, so America/New_York is UTC-5 and Asia/Dhaka UTC+6.
const day = (hhmm: string): number => at(`2026-01-15T${hhmm}:00Z`);

const win = (
  kind: string,
  schedule: string,
  duration: string,
  extra: Partial<SyncWindow> = {},
): SyncWindow => ({
  kind,
  schedule,
  duration,
  applications: ['*'],
  ...extra,
});

describe('activeWindows (TestSyncWindows_Active)', () => {
  type Row = [string, SyncWindow[], number, number[]];
  const twoAllow = [win('allow', '* 10 * * *', '2h'), win('allow', '* 14 * * *', '2h')];
  const ny = [
    win('allow', '* 10 * * *', '2h', { timeZone: 'America/New_York' }),
    win('allow', '* 14 * * *', '2h', { timeZone: 'America/New_York' }),
  ];
  const rows: Row[] = [
    ['MatchFirst', twoAllow, day('11:00'), [0]],
    ['MatchSecond', twoAllow, day('15:00'), [1]],
    [
      'MatchBoth',
      [win('allow', '* 10 * * *', '3h'), win('allow', '* 11 * * *', '3h')],
      day('12:00'),
      [0, 1],
    ],
    ['MatchNone', twoAllow, day('17:00'), []],
    [
      'MatchFirst-NonUTC (the instant, not its zone, matters)',
      twoAllow,
      at('2026-01-15T07:00:00-04:00'),
      [0],
    ],
    ['MatchFirst-TimeZoneSpecified', ny, day('16:00'), [0]],
    ['MatchSecond-TimeZoneSpecified', ny, day('20:00'), [1]],
    ['MatchNone-TimeZoneSpecified', ny, day('22:00'), []],
    [
      'MatchFirst-PositiveTimeZoneSpecified',
      [
        win('allow', '* 8 * * *', '2h', { timeZone: 'Asia/Dhaka' }),
        win('allow', '* 12 * * *', '2h', { timeZone: 'Asia/Dhaka' }),
      ],
      day('03:00'),
      [0],
    ],
    // ours: an unknown zone is UTC, as Argo falls back
    [
      'unknown zone is UTC',
      [win('allow', '* 10 * * *', '2h', { timeZone: 'Mars/Olympus' })],
      day('11:00'),
      [0],
    ],
    // ours: a CRON_TZ prefix puts the schedule itself in that zone
    [
      'CRON_TZ prefix',
      [win('allow', 'CRON_TZ=America/New_York 0 9 * * *', '1h')],
      day('14:30'),
      [0],
    ],
    // ours: a schedule that never fires is never active
    ['never fires', [win('allow', '0 0 30 2 *', '24h')], day('12:00'), []],
  ];
  it.each(rows)('%s', (_name, windows, now, expected) => {
    expect(activeWindows(windows, now)).toEqual(expected.map((i) => windows[i]));
  });

  it.each([
    ['09:59', false],
    ['10:00', false], // robfig's Next is strictly after: the first minute is not yet active
    ['10:01', true],
    ['10:59', true],
    ['11:00', false],
  ])('a 1h window opening at 10:00 is active at %s: %s', (hhmm, expected) => {
    expect(isWindowActive(win('deny', '0 10 * * *', '1h'), day(hhmm))).toBe(expected);
  });

  it('a window that spans midnight stays active into the next day', () => {
    const w = win('deny', '0 22 * * *', '4h');
    expect(isWindowActive(w, at('2026-01-16T01:30:00Z'))).toBe(true);
    expect(isWindowActive(w, at('2026-01-16T02:30:00Z'))).toBe(false);
  });

  it('day-of-week restrictions apply (a weekday-only window is closed on Saturday)', () => {
    const w = win('allow', '0 9 * * 1-5', '8h');
    expect(isWindowActive(w, at('2026-01-16T12:00:00Z'))).toBe(true); // Friday
    expect(isWindowActive(w, at('2026-01-17T12:00:00Z'))).toBe(false); // Saturday
  });

  it.each([
    ['* 10 * * 7', '3h', /syncWindows\[0\]\.schedule: cannot parse schedule '\* 10 \* \* 7'/],
    ['@daily', '1h', /descriptors/],
    ['* 10 * *', '1h', /cannot parse schedule/],
    ['* 10 * * *', '3a', /syncWindows\[0\]\.duration: cannot parse duration '3a'/],
    ['* 10 * * *', '10', /missing unit/],
    ['CRON_TZ=Nowhere/Special 0 9 * * *', '1h', /unknown time zone/],
  ])('refuses schedule %j with duration %j', (schedule, duration, message) => {
    expect(() => activeWindows([win('allow', schedule, duration)], day('12:00'))).toThrow(
      SyncWindowError,
    );
    expect(() => activeWindows([win('allow', schedule, duration)], day('12:00'))).toThrow(message);
  });

  it('inactiveAllowWindows lists the allow windows that are closed', () => {
    const windows = [
      win('allow', '0 12 * * *', '1h'),
      win('allow', '0 3 * * *', '1h'),
      win('deny', '0 3 * * *', '1h'),
    ];
    expect(inactiveAllowWindows(windows, day('12:30'))).toEqual([windows[1]]);
  });
});

describe('canSync (TestSyncWindows_CanSync)', () => {
  const now = day('12:30');
  const activeAllow = (manualSync: boolean) => win('allow', '0 12 * * *', '1h', { manualSync });
  const inactiveAllow = (manualSync: boolean) => win('allow', '0 3 * * *', '1h', { manualSync });
  const activeDeny = (manualSync: boolean) => win('deny', '0 12 * * *', '1h', { manualSync });
  const inactiveDeny = (manualSync: boolean) => win('deny', '0 3 * * *', '1h', { manualSync });
  type Row = [string, SyncWindow[], boolean, boolean];
  const rows: Row[] = [
    ['no windows allow any sync', [], false, true],
    ['manual sync with inactive deny (manual true)', [inactiveDeny(true)], true, true],
    ['manual sync with inactive deny (manual false)', [inactiveDeny(false)], true, true],
    [
      'manual sync when one inactive allow has manual false',
      [inactiveAllow(true), inactiveAllow(false)],
      true,
      false,
    ],
    ['manual sync in an active allow (manual true)', [activeAllow(true)], true, true],
    ['manual sync in an active allow (manual false)', [activeAllow(false)], true, true],
    ['auto sync in an active allow', [activeAllow(false)], false, true],
    [
      'manual sync with active allow and inactive deny',
      [activeAllow(false), inactiveDeny(false)],
      true,
      true,
    ],
    [
      'auto sync with active allow and inactive deny',
      [activeAllow(false), inactiveDeny(false)],
      false,
      true,
    ],
    ['manual sync outside every allow window', [inactiveAllow(false)], true, false],
    ['auto sync outside every allow window', [inactiveAllow(false)], false, false],
    ['manual sync outside allow windows that have manualSync', [inactiveAllow(true)], true, true],
    ['auto sync outside allow windows that have manualSync', [inactiveAllow(true)], false, false],
    [
      'manual sync with inactive allow and inactive deny',
      [inactiveAllow(false), inactiveDeny(false)],
      true,
      false,
    ],
    [
      'auto sync with inactive allow and inactive deny',
      [inactiveAllow(false), inactiveDeny(false)],
      false,
      false,
    ],
    [
      'auto sync with active and inactive allow',
      [activeAllow(false), inactiveAllow(false)],
      false,
      true,
    ],
    ['manual sync in an active deny', [activeDeny(false)], true, false],
    ['auto sync in an active deny', [activeDeny(false)], false, false],
    ['manual sync in an active deny with manualSync', [activeDeny(true)], true, true],
    ['auto sync in an active deny with manualSync', [activeDeny(true)], false, false],
    [
      'manual sync in many active denies, one without manualSync',
      [activeDeny(true), activeDeny(true), activeDeny(false)],
      true,
      false,
    ],
    [
      'manual sync in many active denies, all with manualSync',
      [activeDeny(true), activeDeny(true)],
      true,
      true,
    ],
    // ours: deny wins over an active allow
    [
      'auto sync in an active allow and an active deny',
      [activeAllow(false), activeDeny(false)],
      false,
      false,
    ],
    [
      'manual sync in an active allow and an active deny with manualSync',
      [activeAllow(false), activeDeny(true)],
      true,
      true,
    ],
  ];
  it.each(rows)('%s', (_name, windows, manual, expected) => {
    expect(canSync(windows, { manual }, now).allowed).toBe(expected);
  });

  it('says which window blocks', () => {
    expect(canSync([activeDeny(false)], { manual: false }, now).reason).toBe(
      "Sync operation blocked by sync window: deny window '0 12 * * *' for 1h is active",
    );
    expect(canSync([inactiveAllow(false)], { manual: false }, now).reason).toBe(
      "Sync operation blocked by sync window: no allow window is active (allow window '0 3 * * *' for 1h)",
    );
  });

  it('an invalid window blocks the sync with the parse error', () => {
    const result = canSync([win('allow', 'nope', '1h')], { manual: true }, now);
    expect(result.allowed).toBe(false);
    expect(result.reason).toMatch(
      /^invalid sync windows: syncWindows\[0\]\.schedule: cannot parse schedule 'nope'/,
    );
  });

  describe('syncOverrun', () => {
    const denyOverrun = win('deny', '0 12 * * *', '1h', { syncOverrun: true });
    const allowOverrun = win('allow', '0 10 * * *', '2h', { syncOverrun: true });
    it.each([
      [
        'a sync started before an overrun deny window continues into it',
        [denyOverrun],
        day('11:50'),
        true,
      ],
      ['a sync started inside the deny window does not', [denyOverrun], day('12:10'), false],
      [
        'without syncOverrun the deny window stops it',
        [{ ...denyOverrun, syncOverrun: false }],
        day('11:50'),
        false,
      ],
      [
        'a sync started in an overrun allow window continues after it ends',
        [allowOverrun],
        day('11:00'),
        true,
      ],
      [
        'a sync started before the allow window opened does not',
        [allowOverrun],
        day('09:30'),
        false,
      ],
      [
        'without syncOverrun the allow window end stops it',
        [{ ...allowOverrun, syncOverrun: false }],
        day('11:00'),
        false,
      ],
    ])('%s', (_name, windows, startedAt, expected) => {
      expect(canSync(windows, { manual: false, operationStartedAt: startedAt }, now).allowed).toBe(
        expected,
      );
    });
  });
});

describe('matchingWindows (TestSyncWindows_Matches)', () => {
  const app = {
    name: 'test-app',
    destination: { server: 'cluster1', name: 'clusterName', namespace: 'default' },
  };
  const base = { kind: 'allow', schedule: '* * * * *', duration: '1h' };
  type Row = [string, Partial<SyncWindow>, boolean, boolean];
  const rows: Row[] = [
    ['MatchNamespace', { namespaces: ['default'] }, true, true],
    ['MatchCluster', { clusters: ['cluster1'] }, true, true],
    ['MatchClusterName', { clusters: ['clusterName'] }, true, true],
    ['MatchAppName', { applications: ['test-app'] }, true, true],
    [
      'MatchAppNameAndNamespace',
      { applications: ['test-app'], namespaces: ['default'] },
      true,
      true,
    ],
    [
      'MatchAppNameAndClusterName',
      { applications: ['test-app'], clusters: ['clusterName'] },
      true,
      true,
    ],
    [
      'MatchNamespaceAndClusterName',
      { namespaces: ['default'], clusters: ['clusterName'] },
      true,
      true,
    ],
    [
      'MatchAll',
      { applications: ['test-app'], namespaces: ['default'], clusters: ['clusterName'] },
      true,
      true,
    ],
    ['MatchWildcardAppName', { applications: ['test-*'] }, true, true],
    [
      'MatchWildcardAppNameAndWildcardClusterName',
      { applications: ['test-*'], clusters: ['clusterN*'] },
      true,
      true,
    ],
    ['NoMatch (no lists)', {}, false, false],
    // OR: one matching list is enough; AND: every list that is set must match
    [
      'app matches, namespace does not',
      { applications: ['test-app'], namespaces: ['prod'] },
      true,
      false,
    ],
    [
      'app does not match, namespace does',
      { applications: ['other'], namespaces: ['default'] },
      true,
      false,
    ],
    [
      'cluster does not match, namespace does',
      { clusters: ['other'], namespaces: ['default'] },
      true,
      false,
    ],
    [
      'nothing matches',
      { applications: ['other'], clusters: ['other'], namespaces: ['other'] },
      false,
      false,
    ],
    // ours: no negation in sync window lists
    ['a `!` pattern is literal', { applications: ['!other'] }, false, false],
  ];
  it.each(rows)('%s (OR: %s, AND: %s)', (_name, lists, or, and) => {
    const orWindow = { ...base, ...lists };
    const andWindow = { ...base, ...lists, andOperator: true };
    expect(matchingWindows([orWindow], app)).toHaveLength(or ? 1 : 0);
    expect(matchingWindows([andWindow], app)).toHaveLength(and ? 1 : 0);
  });

  it('canSyncApplication applies only the windows that match the app', () => {
    const project: AppProject = {
      metadata: { name: 'p' },
      spec: {
        syncWindows: [
          { kind: 'deny', schedule: '0 12 * * *', duration: '1h', namespaces: ['prod-*'] },
          { kind: 'allow', schedule: '0 3 * * *', duration: '1h', applications: ['batch-*'] },
        ],
      },
    };
    const now = day('12:30');
    const dest = (namespace: string) => ({ server: 'https://kubernetes.default.svc', namespace });
    expect(
      canSyncApplication(
        project,
        { name: 'web', destination: dest('prod-eu') },
        { manual: false },
        now,
      ).allowed,
    ).toBe(false);
    expect(
      canSyncApplication(project, { name: 'web', destination: dest('dev') }, { manual: false }, now)
        .allowed,
    ).toBe(true);
    expect(
      canSyncApplication(
        project,
        { name: 'batch-1', destination: dest('dev') },
        { manual: false },
        now,
      ).allowed,
    ).toBe(false);
  });
});

describe('validateSyncWindows', () => {
  it('reports what Argo refuses, with field paths', () => {
    expect(
      validateSyncWindows([
        { kind: 'maybe', schedule: '0 1 * * *', duration: '1h', applications: ['*'] },
        { kind: 'allow', schedule: 'x', duration: 'y' },
        {
          kind: 'deny',
          schedule: '0 1 * * *',
          duration: '1h',
          clusters: ['*'],
          description: 'd'.repeat(256),
        },
        { kind: 'deny', schedule: '0 1 * * *', duration: '1h', namespaces: ['a'] },
      ]),
    ).toEqual([
      "spec.syncWindows[0].kind: kind 'maybe' mismatch: can only be allow or deny",
      expect.stringMatching(/^spec\.syncWindows\[1\]\.schedule: cannot parse schedule 'x'/),
      "spec.syncWindows[1]: window 'allow':'x':'y' requires one of application, cluster or namespace",
      'spec.syncWindows[2].description: description must not exceed 255 characters',
    ]);
  });
});
