/**
 * Rollouts, analysis templates, analysis runs and experiments are checked when applied: what
 * Argo's validation refuses is an error naming the field path, fields the CRD does not know are
 * warnings naming the path, and the seeds are accepted.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { loadAll } from 'js-yaml';
import { kindValidators, validateObject } from '../../shared/resources/validate-object.js';
import '../../shared/runtime/registry.js';

type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const SEEDS = new URL('../../../shared/corpus/seeds/', import.meta.url);

const podTemplate = (app: string) => ({
  metadata: { labels: { app } },
  spec: { containers: [{ name: app, image: `example/${app}:1` }] },
});

const canary = (): Doc => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Rollout',
  metadata: { name: 'demo', namespace: 'default' },
  spec: {
    replicas: 3,
    selector: { matchLabels: { app: 'demo' } },
    template: podTemplate('demo'),
    strategy: { canary: { steps: [{ setWeight: 20 }, { pause: { duration: '30s' } }] } },
  },
});

const routed = (): Doc => {
  const r = canary();
  Object.assign(r['spec'].strategy.canary, {
    canaryService: 'demo-canary',
    stableService: 'demo-stable',
    trafficRouting: { nginx: { stableIngress: 'demo' } },
  });
  return r;
};

const istio = (): Doc => {
  const r = canary();
  Object.assign(r['spec'].strategy.canary, {
    canaryService: 'demo-canary',
    stableService: 'demo-stable',
    trafficRouting: {
      istio: { virtualService: { name: 'demo', routes: ['primary'] } },
      managedRoutes: [{ name: 'header' }],
    },
  });
  return r;
};

const blueGreen = (): Doc => {
  const r = canary();
  r['spec'].strategy = { blueGreen: { activeService: 'demo', previewService: 'demo-preview' } };
  return r;
};

const analysisTemplate = (): Doc => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'AnalysisTemplate',
  metadata: { name: 'success-rate', namespace: 'default' },
  spec: {
    args: [{ name: 'service' }],
    metrics: [
      {
        name: 'success-rate',
        interval: '1m',
        count: 5,
        failureLimit: 2,
        successCondition: 'result[0] >= 0.95',
        provider: {
          prometheus: {
            address: 'http://prometheus:9090',
            query: 'sum(rate(requests{service="{{args.service}}"}[5m]))',
          },
        },
      },
    ],
  },
});

const clusterAnalysisTemplate = (): Doc => {
  const t = analysisTemplate();
  t['kind'] = 'ClusterAnalysisTemplate';
  delete t['metadata'].namespace;
  return t;
};

const analysisRun = (): Doc => {
  const t = analysisTemplate();
  t['kind'] = 'AnalysisRun';
  t['spec'].args = [{ name: 'service', value: 'demo' }];
  return t;
};

const experiment = (): Doc => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Experiment',
  metadata: { name: 'compare', namespace: 'default' },
  spec: {
    duration: '5m',
    templates: [
      {
        name: 'baseline',
        selector: { matchLabels: { app: 'base' } },
        template: podTemplate('base'),
      },
      {
        name: 'candidate',
        selector: { matchLabels: { app: 'cand' } },
        template: podTemplate('cand'),
      },
    ],
    analyses: [{ name: 'compare', templateName: 'success-rate' }],
  },
});

const DROP = Symbol('drop');

/** `base` with each dotted path (`spec.strategy.canary.steps.0`) set to its value, or DROPped. */
function edit(base: () => Doc, changes: Record<string, unknown>): () => Doc {
  return () => {
    const doc = base();
    for (const [path, value] of Object.entries(changes)) {
      const keys = path.split('.');
      let at: Doc = doc;
      for (const key of keys.slice(0, -1)) at = at[key] ??= {};
      if (value === DROP) delete at[keys.at(-1)!];
      else at[keys.at(-1)!] = structuredClone(value);
    }
    return doc;
  };
}

const CAN = 'spec.strategy.canary';
const BG = 'spec.strategy.blueGreen';
const ROUTE = `${CAN}.trafficRouting`;
const S0 = `${CAN}.steps[0]`;
const M0 = 'spec.metrics[0]';
const STEP0 = `${CAN}.steps.0`;
const STEP1 = `${CAN}.steps.1`;
const METRIC = 'spec.metrics.0';
const PROM = `${METRIC}.provider.prometheus`;
const jobProvider = {
  job: {
    spec: {
      template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'x' }] } },
    },
  },
};
const anyOfTwo = {
  preferredDuringSchedulingIgnoredDuringExecution: { weight: 10 },
  requiredDuringSchedulingIgnoredDuringExecution: {},
};

/** [behaviour, document, the error path, a fragment of its message] */
// prettier-ignore
const ERRORS: [string, () => Doc, string, string][] = [
  // Rollout: strategy, selector, template
  ['both strategies are refused', edit(canary, { 'spec.strategy.blueGreen': { activeService: 'a' } }), 'spec.strategy', 'not both'],
  ['a Rollout needs a strategy', edit(canary, { 'spec.strategy': {} }), 'spec.strategy', 'canary or strategy.blueGreen'],
  ['a Rollout needs a selector', edit(canary, { 'spec.selector': DROP }), 'spec.selector', 'required'],
  ['an empty selector selects every pod', edit(canary, { 'spec.selector': {} }), 'spec.selector', 'every pod'],
  ['a selector operator must be known', edit(canary, { 'spec.selector': { matchExpressions: [{ key: 'app', operator: 'Is', values: ['demo'] }] } }), 'spec.selector.matchExpressions[0].operator', 'In, NotIn'],
  ['the selector must match the template labels', edit(canary, { 'spec.selector.matchLabels.app': 'other' }), 'spec.template.metadata.labels', 'does not match'],
  ['a Rollout needs a pod template', edit(canary, { 'spec.template': DROP }), 'spec.template', 'required'],
  ['a pod template needs containers', edit(canary, { 'spec.template.spec.containers': [] }), 'spec.template.spec.containers', 'at least one'],
  ['container names are unique', edit(canary, { 'spec.template.spec.initContainers': [{ name: 'demo', image: 'x' }] }), 'spec.template.spec.containers[0].name', 'duplicate'],
  ['ReplicaSet pods always restart', edit(canary, { 'spec.template.spec.restartPolicy': 'Never' }), 'spec.template.spec.restartPolicy', 'only Always'],
  ['replicas are not negative', edit(canary, { 'spec.replicas': -1 }), 'spec.replicas', '0 or more'],
  ['replicas are an integer', edit(canary, { 'spec.replicas': 'three' }), 'spec.replicas', 'integer'],
  ['progressDeadlineSeconds exceeds minReadySeconds', edit(canary, { 'spec.minReadySeconds': 600 }), 'spec.progressDeadlineSeconds', 'greater than minReadySeconds'],
  ['workloadRef is refused by name', edit(canary, { 'spec.workloadRef': { apiVersion: 'apps/v1', kind: 'Deployment', name: 'demo' } }), 'spec.workloadRef', 'not supported by argo-serverless'],
  // blueGreen
  ['blueGreen needs an activeService', edit(blueGreen, { [`${BG}.activeService`]: DROP }), `${BG}.activeService`, 'required'],
  ['activeService and previewService differ', edit(blueGreen, { [`${BG}.previewService`]: 'demo' }), `${BG}.previewService`, 'same service'],
  ['scaleDownDelayRevisionLimit within revisionHistoryLimit', edit(blueGreen, { 'spec.revisionHistoryLimit': 1, [`${BG}.scaleDownDelayRevisionLimit`]: 2 }), `${BG}.scaleDownDelayRevisionLimit`, 'revisionHistoryLimit (1)'],
  ['prePromotionAnalysis templates are named', edit(blueGreen, { [`${BG}.prePromotionAnalysis`]: { templates: [{}] } }), `${BG}.prePromotionAnalysis.templates[0].templateName`, 'required'],
  // canary steps
  ['a step does one thing', edit(canary, { [STEP0]: { setWeight: 20, pause: {} } }), S0, 'setWeight and pause'],
  ['an empty step is refused', edit(canary, { [STEP0]: {} }), S0, 'needs one of'],
  ['setWeight above 100', edit(canary, { [STEP0]: { setWeight: 101 } }), `${S0}.setWeight`, 'must be between 0 and 100'],
  ['setWeight below 0', edit(canary, { [STEP0]: { setWeight: -5 } }), `${S0}.setWeight`, 'must be between 0 and 100'],
  ['setWeight within maxTrafficWeight', edit(routed, { [`${ROUTE}.maxTrafficWeight`]: 1000, [STEP0]: { setWeight: 1001 } }), `${S0}.setWeight`, 'between 0 and 1000'],
  ['a pause duration must parse', edit(canary, { [STEP1]: { pause: { duration: 'soon' } } }), `${CAN}.steps[1].pause.duration`, 'not a duration'],
  ['a pause duration is not negative', edit(canary, { [STEP1]: { pause: { duration: -5 } } }), `${CAN}.steps[1].pause.duration`, '0 or more'],
  ['a pause duration with a fraction needs a unit', edit(canary, { [STEP1]: { pause: { duration: '1.5' } } }), `${CAN}.steps[1].pause.duration`, 'not a duration'],
  ['setCanaryScale needs trafficRouting', edit(canary, { [STEP0]: { setCanaryScale: { weight: 20 } } }), `${S0}.setCanaryScale`, 'trafficRouting'],
  ['setHeaderRoute needs a router that matches headers', edit(routed, { [`${ROUTE}.managedRoutes`]: [{ name: 'h' }], [STEP0]: { setHeaderRoute: { name: 'h' } } }), `${S0}.setHeaderRoute`, 'istio, alb, apisix'],
  ['a header match gives one of exact, regex, prefix', edit(istio, { [STEP0]: { setHeaderRoute: { name: 'header', match: [{ headerName: 'x', headerValue: { exact: 'a', prefix: 'b' } }] } } }), `${S0}.setHeaderRoute.match[0].headerValue`, 'not exact and prefix'],
  ['a header route is a managed route', edit(istio, { [STEP0]: { setHeaderRoute: { name: 'other' } } }), `${S0}.setHeaderRoute.name`, 'not in spec.strategy.canary.trafficRouting.managedRoutes'],
  ['mirror routes need managedRoutes', edit(istio, { [`${ROUTE}.managedRoutes`]: DROP, [STEP0]: { setMirrorRoute: { name: 'm' } } }), `${ROUTE}.managedRoutes`, 'required'],
  ['an experiment step runs canary or stable', edit(canary, { [STEP0]: { experiment: { templates: [{ name: 'x', specRef: 'latest' }] } } }), `${S0}.experiment.templates[0].specRef`, 'canary or stable'],
  ['an experiment weight needs trafficRouting', edit(canary, { [STEP0]: { experiment: { templates: [{ name: 'x', specRef: 'canary', weight: 5 }] } } }), `${S0}.experiment.templates[0].weight`, 'trafficRouting'],
  ['analysis step templates are named', edit(canary, { [STEP0]: { analysis: { templates: [{ clusterScope: true }] } } }), `${S0}.analysis.templates[0].templateName`, 'required'],
  ['analysis args read metadata Argo can read', edit(canary, { [STEP0]: { analysis: { templates: [{ templateName: 't' }], args: [{ name: 'a', valueFrom: { fieldRef: { fieldPath: 'metadata.generation' } } }] } } }), `${S0}.analysis.args[0].valueFrom.fieldRef.fieldPath`, 'not readable'],
  ['steps are a list', edit(canary, { [`${CAN}.steps`]: { setWeight: 5 } }), `${CAN}.steps`, 'must be a list'],
  // canary services, routing, surge, analysis, antiAffinity
  ['canaryService and stableService differ', edit(routed, { [`${CAN}.canaryService`]: 'demo-stable' }), `${CAN}.stableService`, 'same service'],
  ['trafficRouting needs a canaryService', edit(routed, { [`${CAN}.canaryService`]: DROP }), `${CAN}.canaryService`, 'must both be set'],
  ['trafficRouting needs a stableService', edit(routed, { [`${CAN}.stableService`]: DROP }), `${CAN}.stableService`, 'must both be set'],
  ['scaleDownDelaySeconds needs trafficRouting', edit(canary, { [`${CAN}.scaleDownDelaySeconds`]: 30 }), `${CAN}.scaleDownDelaySeconds`, 'trafficRouting'],
  ['dynamicStableScale needs trafficRouting', edit(canary, { [`${CAN}.dynamicStableScale`]: true }), `${CAN}.dynamicStableScale`, 'trafficRouting'],
  ['maxTrafficWeight only with nginx or plugins', edit(istio, { [`${ROUTE}.maxTrafficWeight`]: 1000 }), `${ROUTE}.maxTrafficWeight`, 'nginx'],
  ['nginx takes stableIngress or stableIngresses', edit(routed, { [`${ROUTE}.nginx.stableIngresses`]: ['b'] }), `${ROUTE}.nginx`, 'not both'],
  ['istio needs a virtual service', edit(istio, { [`${ROUTE}.istio`]: { destinationRule: { name: 'd', canarySubsetName: 'c', stableSubsetName: 's' } } }), `${ROUTE}.istio`, 'virtualService or virtualServices'],
  ['pingPong works with alb and istio', edit(routed, { [`${CAN}.pingPong`]: { pingService: 'ping', pongService: 'pong' } }), ROUTE, 'alb and istio'],
  ['maxSurge and maxUnavailable both 0', edit(canary, { [`${CAN}.maxSurge`]: '0%', [`${CAN}.maxUnavailable`]: 0 }), `${CAN}.maxSurge`, 'both be 0'],
  ['background analysis templates are named', edit(canary, { [`${CAN}.analysis`]: { templates: [{ templateName: '' }] } }), `${CAN}.analysis.templates[0].templateName`, 'required'],
  ['antiAffinity takes exactly one rule', edit(canary, { [`${CAN}.antiAffinity`]: anyOfTwo }), `${CAN}.antiAffinity`, 'exactly one'],
  ['antiAffinity weight between 1 and 100', edit(canary, { [`${CAN}.antiAffinity`]: { preferredDuringSchedulingIgnoredDuringExecution: { weight: 101 } } }), `${CAN}.antiAffinity.preferredDuringSchedulingIgnoredDuringExecution.weight`, 'between 1 and 100'],
  // AnalysisTemplate metrics (ClusterAnalysisTemplate and AnalysisRun share the checks)
  ['a template has metrics', edit(analysisTemplate, { 'spec.metrics': [] }), 'spec.metrics', 'no metrics'],
  ['a metric has a name', edit(analysisTemplate, { [`${METRIC}.name`]: DROP }), `${M0}.name`, 'required'],
  ['metric names are unique', edit(analysisTemplate, { 'spec.metrics.1': { name: 'success-rate', provider: jobProvider } }), 'spec.metrics[1].name', 'duplicate metric name "success-rate"'],
  ['a metric has a provider', edit(analysisTemplate, { [`${METRIC}.provider`]: DROP }), `${M0}.provider`, 'required'],
  ['a metric provider is named', edit(analysisTemplate, { [`${METRIC}.provider`]: {} }), `${M0}.provider`, 'no provider'],
  ['a metric has one provider', edit(analysisTemplate, { [`${METRIC}.provider.web`]: { url: 'http://x' } }), `${M0}.provider`, 'more than one provider (prometheus, web)'],
  ['two plugins are two providers', edit(analysisTemplate, { [`${METRIC}.provider`]: { plugin: { 'a/x': {}, 'b/y': {} } } }), `${M0}.provider`, 'more than one provider'],
  ['count above 1 needs an interval', edit(analysisTemplate, { [`${METRIC}.interval`]: DROP }), `${M0}.interval`, 'required when count is more than 1'],
  ['an interval must parse', edit(analysisTemplate, { [`${METRIC}.interval`]: 'often' }), `${M0}.interval`, 'not a duration'],
  ['an initialDelay has a unit', edit(analysisTemplate, { [`${METRIC}.initialDelay`]: '30' }), `${M0}.initialDelay`, 'not a duration'],
  ['failureLimit is -1 or more', edit(analysisTemplate, { [`${METRIC}.failureLimit`]: -2 }), `${M0}.failureLimit`, '-1 to disable'],
  ['failureLimit and consecutiveSuccessLimit not both disabled', edit(analysisTemplate, { [`${METRIC}.failureLimit`]: -1 }), `${M0}.failureLimit`, 'cannot both be disabled'],
  ['count covers failureLimit + consecutiveSuccessLimit', edit(analysisTemplate, { [`${METRIC}.count`]: 3, [`${METRIC}.consecutiveSuccessLimit`]: 2 }), `${M0}.count`, 'failureLimit + consecutiveSuccessLimit (2 + 2)'],
  ['count covers inconclusiveLimit', edit(analysisTemplate, { [`${METRIC}.inconclusiveLimit`]: 6 }), `${M0}.count`, 'inconclusiveLimit (6)'],
  ['consecutiveErrorLimit is not negative', edit(analysisTemplate, { [`${METRIC}.consecutiveErrorLimit`]: -1 }), `${M0}.consecutiveErrorLimit`, '0 or more'],
  ['count is an integer or a string', edit(analysisTemplate, { [`${METRIC}.count`]: 1.5 }), `${M0}.count`, 'integer or a string'],
  ['arguments used are declared', edit(analysisTemplate, { [`${PROM}.query`]: 'up{job="{{args.job}}"}' }), `${M0}.provider.prometheus.query`, 'declare "job"'],
  ['only args are substituted in metrics', edit(analysisTemplate, { [`${PROM}.address`]: 'http://{{workflow.name}}' }), `${M0}.provider.prometheus.address`, 'cannot be resolved'],
  ['an unquoted {{...}} is named', edit(analysisTemplate, { [`${PROM}.query`]: { '[object Object]': null } }), `${M0}.provider.prometheus.query`, 'unquoted {{...}}'],
  ['an argument has value or valueFrom', edit(analysisTemplate, { 'spec.args.0': { name: 'service', value: 'a', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } } }), 'spec.args[0]', 'both value and valueFrom'],
  ['dryRun rules match a metric', edit(analysisTemplate, { 'spec.dryRun': [{ metricName: 'latency' }] }), 'spec.dryRun[0].metricName', 'matches no metric'],
  ['a Job metric does not restart in place', edit(analysisTemplate, { [`${METRIC}.provider`]: jobProvider, [`${METRIC}.provider.job.spec.template.spec.restartPolicy`]: DROP }), `${M0}.provider.job.spec.template.spec.restartPolicy`, 'Never or OnFailure'],
  ['ClusterAnalysisTemplates are checked alike', edit(clusterAnalysisTemplate, { [`${METRIC}.provider`]: {} }), `${M0}.provider`, 'no provider'],
  // AnalysisRun
  ['an AnalysisRun supplies its arguments', edit(analysisRun, { 'spec.args.0.value': DROP }), 'spec.args[0].value', 'was not supplied'],
  ['an AnalysisRun has metrics', edit(analysisRun, { 'spec.metrics': DROP }), 'spec.metrics', 'required'],
  // Experiment
  ['an experiment template has a selector', edit(experiment, { 'spec.templates.0.selector': DROP }), 'spec.templates[0].selector', 'required'],
  ['an experiment template does not select every pod', edit(experiment, { 'spec.templates.0.selector': {} }), 'spec.templates[0].selector', 'every pod'],
  ['experiment template names are unique', edit(experiment, { 'spec.templates.1.name': 'baseline' }), 'spec.templates[1].name', 'repeated'],
  ['experiment template names are not empty', edit(experiment, { 'spec.templates.1.name': '' }), 'spec.templates[1].name', 'must not be empty'],
  ['minReadySeconds within progressDeadlineSeconds', edit(experiment, { 'spec.templates.0.minReadySeconds': 601 }), 'spec.templates[0].minReadySeconds', 'progressDeadlineSeconds (600)'],
  ['an experiment duration must parse', edit(experiment, { 'spec.duration': 'a while' }), 'spec.duration', 'not a duration'],
  ['an experiment selector matches its template', edit(experiment, { 'spec.templates.1.selector.matchLabels.app': 'base' }), 'spec.templates[1].template.metadata.labels', 'does not match'],
  ['an experiment analysis names its template', edit(experiment, { 'spec.analyses.0.templateName': DROP }), 'spec.analyses[0].templateName', 'required'],
];

/** [behaviour, document, the paths warned about, in order] */
// prettier-ignore
const ACCEPTED: [string, () => Doc, string[]][] = [
  ['a basic canary', canary, []],
  ['a traffic-routed canary', routed, []],
  ['a blue-green rollout', blueGreen, []],
  ['a pause duration in seconds as a string', edit(canary, { [STEP1]: { pause: { duration: '45' } } }), []],
  ['a pause without a duration', edit(canary, { [STEP1]: { pause: {} } }), []],
  ['setWeight and setCanaryScale in one step (Argo allows it)', edit(routed, { [STEP0]: { setWeight: 10, setCanaryScale: { replicas: 1 } } }), []],
  ['setWeight up to maxTrafficWeight with nginx', edit(routed, { [`${ROUTE}.maxTrafficWeight`]: 1000, [STEP0]: { setWeight: 1000 } }), []],
  ['maxSurge 0 with maxUnavailable 1', edit(canary, { [`${CAN}.maxSurge`]: 0, [`${CAN}.maxUnavailable`]: 1 }), []],
  ['header routes with istio', edit(istio, { [STEP0]: { setHeaderRoute: { name: 'header', match: [{ headerName: 'x', headerValue: { exact: 'a' } }] } } }), []],
  ['a ping-pong ALB canary', edit(canary, { [`${CAN}.pingPong`]: { pingService: 'ping', pongService: 'pong' }, [ROUTE]: { alb: { ingress: 'i', servicePort: 80, rootService: 'root' } } }), []],
  ['unknown canary fields, with a warning', edit(canary, { [`${CAN}.autoPromotionEnabled`]: false }), [`${CAN}.autoPromotionEnabled`]],
  ['an unknown container field, with a warning', edit(canary, { 'spec.template.spec.containers.0.imagePullPolcy': 'Always' }), ['spec.template.spec.containers[0].imagePullPolcy']],
  ['anything in preserved fields (router plugins, resource quantities, volumes)', edit(routed, { [`${ROUTE}.plugins`]: { 'acme/router': { deep: { x: 1 } } }, 'spec.template.spec.volumes': [{ name: 'v', odd: {} }], 'spec.template.spec.containers.0.resources': { limits: { cpu: 1, 'nvidia.com/gpu': '1' } } }), []],
  ['an analysis template', analysisTemplate, []],
  ['a templated count and spaced argument tags', edit(analysisTemplate, { 'spec.args.1': { name: 'count', value: '5' }, [`${METRIC}.count`]: '{{args.count}}', [`${PROM}.query`]: 'up{service="{{ args.service }}"}' }), []],
  ['a metric without conditions (every measurement succeeds, as in Argo)', edit(analysisTemplate, { [`${METRIC}.successCondition`]: DROP }), []],
  ['a single measurement without an interval', edit(analysisTemplate, { [`${METRIC}.interval`]: DROP, [`${METRIC}.count`]: 1, [`${METRIC}.failureLimit`]: DROP }), []],
  ['a template including other templates', edit(analysisTemplate, { 'spec.metrics': DROP, 'spec.templates': [{ templateName: 'a' }, { templateName: 'b', clusterScope: true }] }), []],
  ['a plugin provider', edit(analysisTemplate, { [`${METRIC}.provider`]: { plugin: { 'acme/metrics': { query: 'x' } } } }), []],
  ['a condition that does not parse, with a warning', edit(analysisTemplate, { [`${METRIC}.successCondition`]: 'result[0] >=' }), [`${M0}.successCondition`]],
  ['a cluster analysis template', clusterAnalysisTemplate, []],
  ['an analysis run', analysisRun, []],
  ['an analysis run argument from a secret', edit(analysisRun, { 'spec.args.0': { name: 'service', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } } }), []],
  ['an experiment', experiment, []],
];

function run(doc: Doc) {
  return validateObject(doc);
}

describe('rollout kinds are validated when applied', () => {
  it('registers a validator for each kind', () => {
    for (const kind of [
      'Rollout',
      'AnalysisTemplate',
      'ClusterAnalysisTemplate',
      'AnalysisRun',
      'Experiment',
    ])
      expect(kindValidators.has(kind), kind).toBe(true);
  });

  it.each(ERRORS)('%s', (_name, doc, path, fragment) => {
    const v = run(doc());
    const at = v.errors.filter((e) => e.path === path);
    expect(at, JSON.stringify(v.errors)).not.toHaveLength(0);
    expect(at.map((e) => e.message).join(' | ')).toContain(fragment);
  });

  it.each(ACCEPTED)('accepts %s', (_name, doc, warningPaths) => {
    const v = run(doc());
    expect(v.errors).toEqual([]);
    expect(v.warnings.map((w) => w.split(': ')[0])).toEqual(warningPaths);
  });
});

describe('the seeds', () => {
  const seed = (file: string) => loadAll(readFileSync(new URL(file, SEEDS), 'utf8')) as Doc[];

  it('accepts the seed Rollouts, with a warning for each canary field the CRD does not know', () => {
    const [web, api] = seed('rollout.yaml').map(run);
    expect(web!.errors).toEqual([]);
    expect(web!.warnings).toEqual([
      'spec.strategy.canary.autoPromotionEnabled: unknown field, ignored (not in the CRD schema)',
      'spec.strategy.canary.autoPromotionSeconds: unknown field, ignored (not in the CRD schema)',
    ]);
    // antiAffinity.preferredDuringSchedulingIgnoredDuringExecution.weight is in the CRD: no warning.
    expect(api!.errors).toEqual([]);
    expect(api!.warnings).toEqual([]);
  });

  it('accepts the seed AnalysisTemplates', () => {
    const results = seed('analysistemplate.yaml').map(run);
    expect(results).toHaveLength(3);
    for (const v of results) expect(v).toMatchObject({ errors: [], warnings: [] });
  });
});
