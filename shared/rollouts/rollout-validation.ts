/**
 * Rollout specs checked as Argo's ValidateRollout (pkg/apis/rollouts/validation/validation.go)
 * and the reference-free checks of the controller (the nginx / ALB / Istio one-of rules, an
 * experiment step's specRef, analysis templates named) do. Argo marks such a Rollout InvalidSpec
 * and never progresses it; we refuse it when it is applied. Paths are the real field paths (Argo
 * writes a few of them short, `spec.strategy.activeService` for the blueGreen one).
 */
import type { Checker, Obj } from './field-checks.js';
import {
  checkLabelSelector,
  checkReplicaSetTemplate,
  goDurationSeconds,
  intAt,
  intOrPercentValue,
  isSet,
  listAt,
  objAt,
  strAt,
} from './field-checks.js';

/** Argo's defaults (utils/defaults). */
const DEFAULT_REVISION_HISTORY_LIMIT = 10;
const DEFAULT_PROGRESS_DEADLINE_SECONDS = 600;
const DEFAULT_MAX_TRAFFIC_WEIGHT = 100;

const STEP_ACTIONS = [
  'setWeight',
  'pause',
  'experiment',
  'analysis',
  'setCanaryScale',
  'setHeaderRoute',
  'setMirrorRoute',
  'plugin',
];
/** The actions Argo's hasMultipleStepsType counts: the others may share a step with one of these. */
const EXCLUSIVE_STEP_ACTIONS = ['setWeight', 'pause', 'experiment', 'analysis'];

/** Routers after which canaryService and stableService must both be set (requireCanaryStableServices). */
function requiresCanaryAndStableServices(canary: Obj, routing: Obj): boolean {
  const pingPong = isSet(canary['pingPong']);
  const istio = objAt(routing['istio']);
  return (
    (isSet(routing['alb']) && !pingPong) ||
    (istio !== undefined && !isSet(istio['destinationRule']) && !pingPong) ||
    ['smi', 'apisix', 'ambassador', 'nginx', 'appMesh', 'traefik'].some((r) => isSet(routing[r]))
  );
}

const hasPlugins = (routing: Obj): boolean =>
  Object.keys(objAt(routing['plugins']) ?? {}).length > 0;

export function checkRollout(c: Checker, spec: Obj): void {
  if (isSet(spec['workloadRef'])) {
    c.error(
      'spec.workloadRef',
      'workloadRef is not supported by argo-serverless: write the pod template in spec.template and the selector in spec.selector',
    );
  } else {
    const selector = spec['selector'];
    let usable = false;
    if (!isSet(selector))
      c.error('spec.selector', 'required: the labels of the pods this Rollout manages');
    else usable = checkLabelSelector(c, selector, 'spec.selector');
    checkReplicaSetTemplate(
      c,
      spec['template'],
      'spec.template',
      usable ? objAt(selector) : undefined,
    );
  }
  for (const field of [
    'replicas',
    'minReadySeconds',
    'revisionHistoryLimit',
    'progressDeadlineSeconds',
  ]) {
    const v = intAt(spec[field]);
    if (v !== undefined && v < 0) c.error(`spec.${field}`, 'must be 0 or more');
  }
  const minReady = intAt(spec['minReadySeconds']) ?? 0;
  const deadline = intAt(spec['progressDeadlineSeconds']) ?? DEFAULT_PROGRESS_DEADLINE_SECONDS;
  if (deadline <= minReady)
    c.error(
      'spec.progressDeadlineSeconds',
      `must be greater than minReadySeconds (${deadline} <= ${minReady})`,
    );

  const strategy = objAt(spec['strategy']);
  const canary = objAt(strategy?.['canary']);
  const blueGreen = objAt(strategy?.['blueGreen']);
  if (!canary && !blueGreen) {
    c.error('spec.strategy', 'required: give strategy.canary or strategy.blueGreen');
  } else if (canary && blueGreen) {
    c.error('spec.strategy', 'give one strategy, canary or blueGreen, not both');
  } else if (blueGreen) {
    checkBlueGreen(c, spec, blueGreen, 'spec.strategy.blueGreen');
  } else if (canary) {
    checkCanary(c, canary, 'spec.strategy.canary');
  }
}

function checkBlueGreen(c: Checker, spec: Obj, blueGreen: Obj, at: string): void {
  const active = strAt(blueGreen['activeService']);
  if (active !== '' && active === blueGreen['previewService'])
    c.error(
      `${at}.previewService`,
      `is the same service as activeService ("${active}"): blue-green needs two different services`,
    );
  const revisionLimit = intAt(spec['revisionHistoryLimit']) ?? DEFAULT_REVISION_HISTORY_LIMIT;
  const scaleDownLimit = intAt(blueGreen['scaleDownDelayRevisionLimit']);
  if (scaleDownLimit !== undefined && revisionLimit < scaleDownLimit)
    c.error(
      `${at}.scaleDownDelayRevisionLimit`,
      `${scaleDownLimit} is more than spec.revisionHistoryLimit (${revisionLimit}): raise revisionHistoryLimit or lower this`,
    );
  checkAnalysisRefs(c, blueGreen['prePromotionAnalysis'], `${at}.prePromotionAnalysis`);
  checkAnalysisRefs(c, blueGreen['postPromotionAnalysis'], `${at}.postPromotionAnalysis`);
  checkAntiAffinity(c, blueGreen['antiAffinity'], `${at}.antiAffinity`);
}

function checkCanary(c: Checker, canary: Obj, at: string): void {
  const maxSurge = canary['maxSurge'] ?? '25';
  const maxUnavailable = canary['maxUnavailable'] ?? '25';
  if (intOrPercentValue(maxSurge) === 0 && intOrPercentValue(maxUnavailable) === 0)
    c.error(
      `${at}.maxSurge`,
      'maxSurge and maxUnavailable cannot both be 0: the rollout could never replace a pod',
    );
  const canaryService = strAt(canary['canaryService']);
  const stableService = strAt(canary['stableService']);
  if (canaryService !== '' && canaryService === stableService)
    c.error(
      `${at}.stableService`,
      `is the same service as canaryService ("${canaryService}"): two different services are required`,
    );
  const routing = objAt(canary['trafficRouting']);
  checkPingPong(c, canary, routing, at);
  if (routing && requiresCanaryAndStableServices(canary, routing)) {
    for (const [field, value] of [
      ['stableService', stableService],
      ['canaryService', canaryService],
    ] as const)
      if (value === '')
        c.error(
          `${at}.${field}`,
          'required with this trafficRouting: canaryService and stableService must both be set',
        );
  }
  if (!routing) {
    if (isSet(canary['scaleDownDelaySeconds']))
      c.error(`${at}.scaleDownDelaySeconds`, 'can only be used with trafficRouting');
    if (canary['dynamicStableScale'] === true)
      c.error(`${at}.dynamicStableScale`, 'can only be used with trafficRouting');
  } else {
    if (isSet(canary['scaleDownDelaySeconds']) && canary['dynamicStableScale'] === true)
      c.error(`${at}.dynamicStableScale`, 'cannot be used together with scaleDownDelaySeconds');
    if (isSet(routing['maxTrafficWeight']) && !isSet(routing['nginx']) && !hasPlugins(routing))
      c.error(
        `${at}.trafficRouting.maxTrafficWeight`,
        'only supported with the nginx router or a traffic router plugin',
      );
    checkRouterConfig(c, routing, `${at}.trafficRouting`);
  }
  const maxWeight = intAt(routing?.['maxTrafficWeight']) ?? DEFAULT_MAX_TRAFFIC_WEIGHT;
  listAt(canary['steps']).forEach((s, i) => {
    const step = objAt(s);
    if (step) checkStep(c, step, `${at}.steps[${i}]`, routing, maxWeight);
  });
  checkAnalysisRefs(c, canary['analysis'], `${at}.analysis`);
  checkAntiAffinity(c, canary['antiAffinity'], `${at}.antiAffinity`);
}

function checkPingPong(c: Checker, canary: Obj, routing: Obj | undefined, at: string): void {
  const pingPong = objAt(canary['pingPong']);
  if (!pingPong) return;
  if (routing && !isSet(routing['alb']) && !isSet(routing['istio']) && !hasPlugins(routing))
    c.error(
      `${at}.trafficRouting`,
      'pingPong works with the alb and istio routers and traffic router plugins only',
    );
  const ping = strAt(pingPong['pingService']);
  const pong = strAt(pingPong['pongService']);
  if (ping !== '' && ping === pong)
    c.error(
      `${at}.pingPong.pongService`,
      `is the same service as pingService ("${ping}"): two different services are required`,
    );
  const alb = objAt(routing?.['alb']);
  if (alb && !strAt(alb['rootService']))
    c.error(`${at}.trafficRouting.alb.rootService`, 'required with alb and pingPong');
}

/** The one-of rules the controller checks before it looks the router's objects up. */
function checkRouterConfig(c: Checker, routing: Obj, at: string): void {
  const oneOf = (router: string, single: string, many: string) => {
    const config = objAt(routing[router]);
    if (!config) return;
    const hasSingle = strAt(config[single]) !== '';
    const hasMany = listAt(config[many]).length > 0;
    if (hasSingle && hasMany) c.error(`${at}.${router}`, `give ${single} or ${many}, not both`);
    else if (!hasSingle && !hasMany) c.error(`${at}.${router}`, `required: ${single} or ${many}`);
  };
  oneOf('nginx', 'stableIngress', 'stableIngresses');
  oneOf('alb', 'ingress', 'ingresses');
  const istio = objAt(routing['istio']);
  if (istio) {
    const single = isSet(istio['virtualService']);
    const many = listAt(istio['virtualServices']).length > 0;
    if (single === many)
      c.error(
        `${at}.istio`,
        single
          ? 'give virtualService or virtualServices, not both'
          : 'required: virtualService or virtualServices',
      );
  }
}

function checkStep(
  c: Checker,
  step: Obj,
  at: string,
  routing: Obj | undefined,
  maxWeight: number,
): void {
  const actions = STEP_ACTIONS.filter((a) => isSet(step[a]));
  const exclusive = actions.filter((a) => EXCLUSIVE_STEP_ACTIONS.includes(a));
  if (exclusive.length > 1)
    c.error(
      at,
      `a step does one thing, this one has ${exclusive.join(' and ')}: split it into steps`,
    );
  if (actions.length === 0) c.error(at, `a step needs one of ${STEP_ACTIONS.join(', ')}`);

  const weight = intAt(step['setWeight']);
  if (weight !== undefined && (weight < 0 || weight > maxWeight))
    c.error(`${at}.setWeight`, `must be between 0 and ${maxWeight}`);

  const pause = objAt(step['pause']);
  if (pause) checkPauseDuration(c, pause['duration'], `${at}.pause.duration`);

  if (isSet(step['setCanaryScale']) && !routing)
    c.error(
      `${at}.setCanaryScale`,
      'needs trafficRouting: without a router the canary scale is the weight',
    );

  const headerRoute = objAt(step['setHeaderRoute']);
  if (headerRoute) {
    const supported =
      routing &&
      (isSet(routing['istio']) ||
        isSet(routing['alb']) ||
        isSet(routing['apisix']) ||
        hasPlugins(routing));
    if (!supported)
      c.error(
        `${at}.setHeaderRoute`,
        'needs trafficRouting with istio, alb, apisix or a traffic router plugin',
      );
    else
      listAt(headerRoute['match']).forEach((m, j) => {
        const value = objAt(m)?.['headerValue'];
        const matchAt = `${at}.setHeaderRoute.match[${j}]`;
        if (isSet(routing['alb'])) {
          const v = objAt(value);
          if (!v || !strAt(v['exact']) || strAt(v['regex']) || strAt(v['prefix']))
            c.error(
              `${matchAt}.headerValue`,
              'the alb router matches headers by exact value only: give exact',
            );
        } else checkStringMatch(c, value, `${matchAt}.headerValue`);
      });
  }
  const mirrorRoute = objAt(step['setMirrorRoute']);
  if (mirrorRoute) {
    if (!routing || (!isSet(routing['istio']) && !hasPlugins(routing)))
      c.error(`${at}.setMirrorRoute`, 'needs trafficRouting with istio or a traffic router plugin');
    listAt(mirrorRoute['match']).forEach((m, j) => {
      const match = objAt(m) ?? {};
      for (const field of ['method', 'path'])
        if (isSet(match[field]))
          checkStringMatch(c, match[field], `${at}.setMirrorRoute.match[${j}].${field}`);
    });
  }
  if (routing && (headerRoute || mirrorRoute)) {
    const managed = routing['managedRoutes'];
    if (!isSet(managed)) {
      c.error(
        `${at.replace(/\.steps\[\d+\]$/, '')}.trafficRouting.managedRoutes`,
        'required: header and mirror routes must be listed in managedRoutes',
      );
    } else {
      const names = listAt(managed).map((r) => objAt(r)?.['name']);
      for (const [field, route] of [
        ['setHeaderRoute', headerRoute],
        ['setMirrorRoute', mirrorRoute],
      ] as const)
        if (route && !names.includes(route['name']))
          c.error(
            `${at}.${field}.name`,
            `route "${strAt(route['name'])}" is not in spec.strategy.canary.trafficRouting.managedRoutes`,
          );
    }
  }

  const experiment = objAt(step['experiment']);
  if (experiment) {
    listAt(experiment['templates']).forEach((t, j) => {
      const template = objAt(t) ?? {};
      const tAt = `${at}.experiment.templates[${j}]`;
      const specRef = template['specRef'];
      if (typeof specRef === 'string' && specRef !== 'canary' && specRef !== 'stable')
        c.error(`${tAt}.specRef`, `"${specRef}" is not canary or stable`);
      if (!isSet(template['weight'])) return;
      if (!routing) c.error(`${tAt}.weight`, 'an experiment template weight needs trafficRouting');
      else if (!['alb', 'smi', 'istio'].some((r) => isSet(routing[r])) && !hasPlugins(routing))
        c.error(
          `${tAt}.weight`,
          'an experiment template weight needs the smi, alb or istio router or a traffic router plugin',
        );
    });
    listAt(experiment['analyses']).forEach((a, j) =>
      checkArgFieldRefs(c, objAt(a)?.['args'], `${at}.experiment.analyses[${j}].args`),
    );
  }
  checkAnalysisRefs(c, step['analysis'], `${at}.analysis`);
}

/**
 * Argo's RolloutPause.DurationSeconds: an integer, a string of digits (seconds) or a Go duration.
 * Anything else reads as -1, which the validator refuses.
 */
function checkPauseDuration(c: Checker, duration: unknown, at: string): void {
  if (!isSet(duration)) return;
  let seconds: number | undefined;
  if (typeof duration === 'number') seconds = duration;
  else if (typeof duration === 'string')
    seconds = /^[-+]?\d+$/.test(duration) ? Number(duration) : goDurationSeconds(duration);
  if (seconds === undefined)
    c.error(
      at,
      `"${String(duration)}" is not a duration: write 30s, 5m, 1h or a number of seconds`,
    );
  else if (seconds < 0) c.error(at, 'must be 0 or more');
}

/** StringMatch: exactly one of exact, regex, prefix. */
function checkStringMatch(c: Checker, match: unknown, at: string): void {
  const m = objAt(match);
  const given = ['exact', 'regex', 'prefix'].filter((f) => strAt(m?.[f]) !== '');
  if (given.length === 0) c.error(at, 'give one of exact, regex or prefix');
  else if (given.length > 1)
    c.error(at, `give one of exact, regex or prefix, not ${given.join(' and ')}`);
}

/** A RolloutAnalysis: every template named, field references Argo can read. */
function checkAnalysisRefs(c: Checker, analysis: unknown, at: string): void {
  const a = objAt(analysis);
  if (!a) return;
  listAt(a['templates']).forEach((t, i) => {
    if (!strAt(objAt(t)?.['templateName']))
      c.error(
        `${at}.templates[${i}].templateName`,
        'required: the name of the AnalysisTemplate (or ClusterAnalysisTemplate with clusterScope) to run',
      );
  });
  checkArgFieldRefs(c, a['args'], `${at}.args`);
}

/**
 * fieldRef paths starting with "metadata" are read like the downward API: only these resolve.
 * (Other paths are looked up in the Rollout's fields when the run starts.)
 */
const METADATA_FIELD_PATH =
  /^metadata\.(name|namespace|uid|labels|annotations|(labels|annotations)\['[^']*'\])$/;

function checkArgFieldRefs(c: Checker, args: unknown, at: string): void {
  listAt(args).forEach((a, i) => {
    const path = objAt(objAt(objAt(a)?.['valueFrom'])?.['fieldRef'])?.['fieldPath'];
    if (typeof path === 'string' && path.startsWith('metadata') && !METADATA_FIELD_PATH.test(path))
      c.error(
        `${at}[${i}].valueFrom.fieldRef.fieldPath`,
        `"${path}" is not readable: use metadata.name, metadata.namespace, metadata.uid, metadata.labels['KEY'] or metadata.annotations['KEY']`,
      );
  });
}

function checkAntiAffinity(c: Checker, antiAffinity: unknown, at: string): void {
  const a = objAt(antiAffinity);
  if (!a) return;
  const preferred = objAt(a['preferredDuringSchedulingIgnoredDuringExecution']);
  const required = isSet(a['requiredDuringSchedulingIgnoredDuringExecution']);
  if (!preferred === !required)
    c.error(
      at,
      'give exactly one of preferredDuringSchedulingIgnoredDuringExecution and requiredDuringSchedulingIgnoredDuringExecution',
    );
  const weight = intAt(preferred?.['weight']);
  if (preferred && weight !== undefined && (weight < 1 || weight > 100))
    c.error(
      `${at}.preferredDuringSchedulingIgnoredDuringExecution.weight`,
      'must be between 1 and 100',
    );
}
