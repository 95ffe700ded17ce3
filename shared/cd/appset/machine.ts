/**
 * The ApplicationSet's machine: its pure reducer (applicationset.ts) as an XState machine.
 * AppProjects are stored without a machine (see ../projects.ts for how they are found).
 */
import { CoreEffects } from '../../core/effects.js';
import { reducerKind } from '../../core/reducer-machine.js';
import type { AppSetEvent, AppSetState } from './applicationset.js';
import { AppSetEffects, appSetStatus, initialAppSetState, reduceAppSet } from './applicationset.js';

export const applicationSetKind = reducerKind<AppSetState, AppSetEvent>({
  kind: 'ApplicationSet',
  id: 'applicationset',
  effectKinds: [CoreEffects.SendMessage, CoreEffects.SetTimer, ...Object.values(AppSetEffects)],
  initial: (input) => initialAppSetState(input.key, input.object),
  reduce: reduceAppSet,
  status: appSetStatus,
});
