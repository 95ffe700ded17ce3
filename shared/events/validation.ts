/**
 * EventSources and Sensors checked when applied: what we cannot run is refused by name (an event
 * source or trigger type, a trigger source, a Lua script) so nothing is accepted and silently
 * dead; missing required fields are errors by field path; fields we accept but do not act on are
 * warnings naming them.
 */
import type { KubeObject } from '../core/objects.js';
import type { FieldError, KindValidator, Validation } from '../resources/validate-object.js';
import { kindValidators } from '../resources/validate-object.js';
import { tokenize } from '../expr/govaluate.js';
import { nextFireTime, parseCronSchedule } from '../workflows/cron.js';
import { EVENT_SOURCE_SPEC_FIELDS, SUPPORTED_SOURCE_TYPES } from './sources/index.js';
import { SUPPORTED_SOURCES } from './triggers/source.js';
import { nextCalendarTime } from './sources/calendar.js';
import type { CalendarSourceEntry } from './sources/calendar.js';
import { SUPPORTED_WORKFLOW_OPERATIONS } from './triggers/argo-workflow.js';

/** Every event source type of Argo Events (EventSourceSpec), so ours can say "not supported". */
const ARGO_SOURCE_TYPES = [
  'minio',
  'calendar',
  'file',
  'resource',
  'webhook',
  'amqp',
  'kafka',
  'mqtt',
  'nats',
  'sns',
  'sqs',
  'pubSub',
  'github',
  'gitlab',
  'hdfs',
  'slack',
  'storageGrid',
  'azureEventsHub',
  'stripe',
  'emitter',
  'redis',
  'nsq',
  'pulsar',
  'generic',
  'bitbucketserver',
  'bitbucket',
  'redisStream',
  'azureServiceBus',
  'azureQueueStorage',
  'sftp',
  'gerrit',
  'mns',
];

const SUPPORTED_TRIGGER_TYPES = ['k8s', 'argoWorkflow', 'http', 'log', 'awsLambda'];
const ARGO_TRIGGER_TYPES = [
  'k8s',
  'argoWorkflow',
  'http',
  'awsLambda',
  'custom',
  'kafka',
  'nats',
  'slack',
  'openWhisk',
  'log',
  'azureEventHubs',
  'pulsar',
  'azureServiceBus',
  'email',
];

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

class Checker {
  readonly errors: FieldError[] = [];
  readonly warnings: string[] = [];
  error(path: string, message: string) {
    this.errors.push({ path, message });
  }
  warn(path: string, message: string) {
    this.warnings.push(`${path}: ${message}`);
  }
  required(obj: Obj, field: string, path: string, type: 'string' | 'object' | 'array' = 'string') {
    const v = obj[field];
    const ok =
      type === 'string'
        ? typeof v === 'string' && v !== ''
        : type === 'array'
          ? Array.isArray(v)
          : isObj(v);
    if (!ok)
      this.error(
        `${path}.${field}`,
        v === undefined ? 'required' : `must be a${type === 'array' ? 'n array' : ` ${type}`}`,
      );
    return ok;
  }
  get result(): Validation {
    return { errors: this.errors, warnings: this.warnings };
  }
}

export const validateEventSource: KindValidator = (object: KubeObject) => {
  const c = new Checker();
  const spec = object.spec;
  if (!isObj(spec)) {
    c.error('spec', 'required');
    return c.result;
  }
  let sources = 0;
  for (const [field, value] of Object.entries(spec)) {
    const path = `spec.${field}`;
    if (EVENT_SOURCE_SPEC_FIELDS.includes(field)) {
      if (field !== 'eventBusName') c.warn(path, 'accepted and not used: no event source pods run');
      continue;
    }
    if (!ARGO_SOURCE_TYPES.includes(field) && !SUPPORTED_SOURCE_TYPES.includes(field)) {
      c.warn(path, 'unknown field');
      continue;
    }
    if (!SUPPORTED_SOURCE_TYPES.includes(field)) {
      c.error(
        path,
        `event source type "${field}" is not supported by argo-serverless (supported: ${SUPPORTED_SOURCE_TYPES.join(', ')})`,
      );
      continue;
    }
    if (!isObj(value)) {
      c.error(path, 'must be a map of event names to their settings');
      continue;
    }
    for (const [name, entry] of Object.entries(value)) {
      sources++;
      if (!isObj(entry)) {
        c.error(`${path}.${name}`, 'must be an object');
        continue;
      }
      checkSourceEntry(c, field, entry, `${path}.${name}`);
    }
  }
  if (sources === 0 && c.errors.length === 0) c.error('spec', 'declares no event source');
  return c.result;
};

function checkSourceEntry(c: Checker, type: string, entry: Obj, path: string): void {
  const webhook = (ctx: Obj, at: string) => {
    c.required(ctx, 'endpoint', at);
    if (ctx['port'] === undefined || ctx['port'] === '') c.error(`${at}.port`, 'required');
    if (ctx['serverCertSecret'] || ctx['serverKeySecret'])
      c.warn(
        at,
        'TLS settings are not used: TLS ends at API Gateway (AWS) or a proxy in front of npm start',
      );
  };
  switch (type) {
    case 'webhook':
      webhook(entry, path);
      break;
    case 'github':
    case 'gitlab':
      if (c.required(entry, 'webhook', path, 'object'))
        webhook(entry['webhook'] as Obj, `${path}.webhook`);
      for (const f of [
        'repositories',
        'owner',
        'repository',
        'apiToken',
        'githubApp',
        'projects',
        'projectID',
        'accessToken',
        'organizations',
      ])
        if (entry[f] !== undefined)
          c.warn(`${path}.${f}`, 'hooks are not created on the forge: point the hook at the route');
      break;
    case 's3':
    case 'minio': {
      if (c.required(entry, 'bucket', path, 'object'))
        c.required(entry['bucket'] as Obj, 'name', `${path}.bucket`);
      for (const f of ['accessKey', 'secretKey', 'endpoint', 'region'])
        if (entry[f] !== undefined)
          c.warn(`${path}.${f}`, 'not used: notifications arrive through the ingress queue');
      break;
    }
    case 'kafka':
      c.required(entry, 'topic', path);
      for (const f of ['url', 'consumerGroup', 'tls', 'sasl'])
        if (entry[f] !== undefined)
          c.warn(
            `${path}.${f}`,
            'not used: records arrive through a Kafka event source mapping (infra)',
          );
      break;
    case 'calendar':
      try {
        nextCalendarTime(entry as CalendarSourceEntry, Date.now());
      } catch (err) {
        c.error(path, (err as Error).message);
      }
      if (entry['persistence'] !== undefined)
        c.warn(
          `${path}.persistence`,
          'not needed: timers are durable, a missed fire time fires late once',
        );
      break;
  }
}

export const validateSensor: KindValidator = (object: KubeObject) => {
  const c = new Checker();
  const spec = object.spec;
  if (!isObj(spec)) {
    c.error('spec', 'required');
    return c.result;
  }
  const depNames = new Set<string>();
  if (c.required(spec, 'dependencies', 'spec', 'array')) {
    (spec['dependencies'] as unknown[]).forEach((d, i) => {
      const path = `spec.dependencies[${i}]`;
      if (!isObj(d)) return c.error(path, 'must be an object');
      if (c.required(d, 'name', path)) {
        if (depNames.has(d['name'] as string))
          c.error(`${path}.name`, `duplicate dependency "${String(d['name'])}"`);
        depNames.add(d['name'] as string);
      }
      c.required(d, 'eventSourceName', path);
      c.required(d, 'eventName', path);
      const filters = d['filters'];
      if (isObj(filters)) {
        if (filters['script'] !== undefined && typeof filters['script'] !== 'string')
          c.error(`${path}.filters.script`, 'must be a Lua script');
        (Array.isArray(filters['data']) ? filters['data'] : []).forEach((f: unknown, j: number) => {
          if (!isObj(f)) return;
          c.required(f, 'path', `${path}.filters.data[${j}]`);
          if (!['string', 'number', 'bool'].includes(String(f['type'])))
            c.error(
              `${path}.filters.data[${j}].type`,
              `must be string, number or bool, not "${String(f['type'])}"`,
            );
        });
        (Array.isArray(filters['exprs']) ? filters['exprs'] : []).forEach(
          (f: unknown, j: number) => {
            if (!isObj(f)) return;
            if (c.required(f, 'expr', `${path}.filters.exprs[${j}]`))
              parseCheck(c, f['expr'] as string, `${path}.filters.exprs[${j}].expr`);
          },
        );
      }
      const transform = d['transform'] as { jq?: unknown; script?: unknown } | undefined;
      if (transform?.jq !== undefined)
        c.error(
          `${path}.transform.jq`,
          'jq transforms are not supported by argo-serverless (a Lua script transform is)',
        );
    });
  }
  if (c.required(spec, 'triggers', 'spec', 'array')) {
    (spec['triggers'] as unknown[]).forEach((t, i) =>
      checkTrigger(c, t, `spec.triggers[${i}]`, depNames),
    );
  }
  for (const f of ['template', 'replicas', 'revisionHistoryLimit', 'eventBusName', 'loggingFields'])
    if (
      spec[f] !== undefined &&
      !(
        f === 'template' &&
        isObj(spec[f]) &&
        Object.keys(spec[f]).every((k) => k === 'serviceAccountName')
      )
    )
      c.warn(
        `spec.${f}`,
        f === 'template'
          ? 'only serviceAccountName is used (no sensor pods run)'
          : 'accepted and not used: no sensor pods run',
      );
  return c.result;
};

function checkTrigger(c: Checker, t: unknown, path: string, depNames: Set<string>): void {
  if (!isObj(t)) return c.error(path, 'must be an object');
  if (!c.required(t, 'template', path, 'object')) return;
  const template = t['template'] as Obj;
  const at = `${path}.template`;
  c.required(template, 'name', at);
  const types = Object.keys(template).filter((k) => ARGO_TRIGGER_TYPES.includes(k));
  if (types.length === 0)
    c.error(at, `no trigger type (one of ${SUPPORTED_TRIGGER_TYPES.join(', ')})`);
  for (const type of types) {
    if (!SUPPORTED_TRIGGER_TYPES.includes(type)) {
      c.error(
        `${at}.${type}`,
        `trigger type "${type}" is not supported by argo-serverless (supported: ${SUPPORTED_TRIGGER_TYPES.join(', ')})`,
      );
      continue;
    }
    const body = template[type];
    if (!isObj(body)) continue;
    if (type === 'k8s' || type === 'argoWorkflow') {
      const source = body['source'];
      if (!isObj(source)) c.error(`${at}.${type}.source`, 'required');
      else {
        const kind = Object.keys(source)[0];
        if (kind && !SUPPORTED_SOURCES.includes(kind))
          c.error(
            `${at}.${type}.source.${kind}`,
            `trigger source "${kind}" is not supported by argo-serverless (supported: ${SUPPORTED_SOURCES.join(', ')})`,
          );
      }
    }
    if (
      type === 'argoWorkflow' &&
      body['operation'] &&
      !SUPPORTED_WORKFLOW_OPERATIONS.includes(String(body['operation']))
    )
      c.error(
        `${at}.argoWorkflow.operation`,
        `operation "${String(body['operation'])}" is not supported by argo-serverless (supported: ${SUPPORTED_WORKFLOW_OPERATIONS.join(', ')})`,
      );
    if (type === 'awsLambda') c.required(body, 'functionName', `${at}.awsLambda`);
    if (type === 'http') {
      if (body['url'] === undefined && typeof body['serverURL'] === 'string')
        c.warn(`${at}.http.serverURL`, 'the old name of url (Argo Events < 1.0): read as url');
      else c.required(body, 'url', `${at}.http`);
    }
  }
  if (typeof template['conditions'] === 'string' && template['conditions'].trim()) {
    parseCheck(c, template['conditions'].replaceAll('-', '\\-'), `${at}.conditions`);
    for (const word of template['conditions'].split(/[\s()&|!]+/).filter(Boolean))
      if (!depNames.has(word)) c.error(`${at}.conditions`, `unknown dependency "${word}"`);
  }
  ((template['conditionsReset'] as unknown[] | undefined) ?? []).forEach((r, j) => {
    const cron = (r as { byTime?: { cron?: string; timezone?: string } } | null)?.byTime;
    const where = `${at}.conditionsReset[${j}].byTime`;
    if (!cron?.cron) return c.error(`${where}.cron`, 'required');
    try {
      nextFireTime(parseCronSchedule(cron.cron), Date.now(), cron.timezone || 'UTC');
    } catch (err) {
      c.error(`${where}.cron`, (err as Error).message);
    }
  });
  const policy = t['policy'] as { k8s?: unknown } | undefined;
  if (policy?.k8s !== undefined)
    c.warn(`${path}.policy.k8s`, 'accepted and not yet applied: resource labels are not awaited');
  if (isObj(t['dlqTrigger'])) checkTrigger(c, t['dlqTrigger'], `${path}.dlqTrigger`, depNames);
  for (const f of ['retryStrategy', 'atLeastOnce'])
    if (t[f] !== undefined)
      c.warn(
        `${path}.${f}`,
        'effects are retried with backoff and delivered at least once regardless',
      );
  const rate = t['rateLimit'] as { unit?: string; requestsPerUnit?: number } | undefined;
  if (rate && !['Second', 'Minute', 'Hour', undefined].includes(rate.unit))
    c.error(`${path}.rateLimit.unit`, `must be Second, Minute or Hour, not "${String(rate.unit)}"`);
}

function parseCheck(c: Checker, source: string, path: string): void {
  try {
    tokenize(source);
  } catch (err) {
    c.error(path, (err as Error).message);
  }
}

export function registerEventValidators(): void {
  kindValidators.set('EventSource', validateEventSource);
  kindValidators.set('Sensor', validateSensor);
}
