/**
 * Lambda: the rendering worker, consuming the render queue: the effects handler restricted to the
 * kinds in EFFECT_KINDS (default `cd.*`: git fetch + kustomize/helm render, with the kubectl and
 * helm layer). The controller routes those kinds here (RENDER_QUEUE_URL, RENDER_EFFECT_KINDS).
 */
import { awsPorts, effectsHandler } from '../shared/runtime/aws/wiring.js';
import { configFromEnv } from '../shared/runtime/aws/config.js';
import { lazyHandler } from '../shared/runtime/aws/lazy.js';
import { powertoolsLog } from '../shared/runtime/aws/log.js';
import { secretsOnAws } from '../shared/runtime/aws/secrets.js';
import { deployedSubsystemDeps } from '../shared/runtime/aws/subsystems.js';
import {
  DEFAULT_RENDER_EFFECT_KINDS,
  effectKindMatcher,
  effectKindsFromEnv,
} from '../shared/runtime/aws/effect-routing.js';
import { kindMachines, subsystemEffectHandlers } from '../shared/runtime/registry.js';

export const handler = lazyHandler(() => {
  const config = configFromEnv();
  const ports = awsPorts(config);
  const mine = effectKindMatcher(
    effectKindsFromEnv(process.env['EFFECT_KINDS']) ?? DEFAULT_RENDER_EFFECT_KINDS,
  );
  const secrets = secretsOnAws(config);
  return effectsHandler(
    ports,
    subsystemEffectHandlers(deployedSubsystemDeps(ports, kindMachines, config, secrets)).filter(
      (h) => mine(h.kind),
    ),
    secrets,
    { log: powertoolsLog('render') },
  );
});
