/**
 * The Application's machine: its pure reducer (application.ts) as an XState machine, with the
 * settings Argo CD reads from its environment (reconciliation period and jitter, self-heal
 * timeout, wave delay) fixed when the kind is built. Reads get the full status plus the
 * out-of-sync resources' patches (`status.diffs`, read by `argosls app diff`); the stored status
 * leaves them out.
 */
import { CoreEffects } from '../core/effects.js';
import type { KindMachine, PersistedMachine } from '../core/machines.js';
import { reducerKind } from '../core/reducer-machine.js';
import type { Json } from '../core/types.js';
import type { ApplicationEvent, ApplicationSettings, ApplicationState } from './application.js';
import {
  ApplicationEffects,
  applicationDiffs,
  applicationReducer,
  applicationStatus,
  DEFAULT_APPLICATION_SETTINGS,
  initialApplicationState,
} from './application.js';
import { reconcileSettingsFromEnv } from './auto-sync.js';
import { syncWaveDelayMs } from './sync/waves.js';

export function applicationSettingsFromEnv(
  env: Readonly<Record<string, string | undefined>>,
): ApplicationSettings {
  return {
    ...DEFAULT_APPLICATION_SETTINGS,
    ...reconcileSettingsFromEnv(env),
    waveDelayMs: syncWaveDelayMs(env),
  };
}

export function applicationKindWith(settings: ApplicationSettings): KindMachine {
  const kind = reducerKind<ApplicationState, ApplicationEvent>({
    kind: 'Application',
    id: 'application',
    effectKinds: [
      CoreEffects.SendMessage,
      CoreEffects.SetTimer,
      ...Object.values(ApplicationEffects),
    ],
    initial: (input) => initialApplicationState(input.key, input.object),
    reduce: applicationReducer(settings),
    status: applicationStatus,
  });
  return {
    ...kind,
    view: (persisted: PersistedMachine) => {
      const state = (persisted.context as unknown as { state: ApplicationState }).state;
      const status = applicationStatus(state) as { [k: string]: Json };
      return { ...status, diffs: applicationDiffs(state) };
    },
  };
}

export const applicationKind: KindMachine = applicationKindWith(
  applicationSettingsFromEnv(process.env),
);
