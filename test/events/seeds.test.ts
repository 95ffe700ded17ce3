/**
 * The seeds end to end on the embedded runtime: a signed GitHub push through the webhook event
 * source and the CI Sensor creates exactly one Workflow (also when the delivery is posted twice,
 * to either door); a push to another branch and a bad signature create none; an S3 notification
 * through the ingress queue creates the data-pipeline Workflow for a .csv only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { Embedded } from '../../shared/runtime/local/embedded.js';
import type { KubeObject } from '../../shared/core/objects.js';
import { startInstantEmbedded, until } from '../support/embedded-workflows.js';
import { githubPush, seedDocuments, sign, startApi } from '../support/events.js';
import type { ApiHandle } from '../support/events.js';

const SECRET = 'seed-webhook-secret';
const SENSOR = 'in-cluster/Sensor/argo-events/ci-sensor';
const NS = 'argo-events';

let embedded: Embedded;
let api: ApiHandle;

async function workflows(prefix: string): Promise<KubeObject[]> {
  return (await embedded.runtime.list('Workflow', { namespace: NS }))
    .map((e) => e.object as unknown as KubeObject)
    .filter((o) => o.metadata.name.startsWith(prefix));
}

async function sensorStatus(name = SENSOR) {
  const status = (await embedded.runtime.get(name)).object?.status as
    | {
        events: { received: number; filtered: number };
        triggers: Record<string, { fired: number }>;
      }
    | undefined;
  return status;
}

async function postPush(
  url: string,
  payload: Record<string, unknown>,
  options: { delivery: string; secret?: string },
): Promise<Response> {
  const body = JSON.stringify(payload);
  return fetch(url, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      'X-GitHub-Event': 'push',
      'X-GitHub-Delivery': options.delivery,
      'X-GitHub-Hook-ID': '4242',
      'X-Hub-Signature-256': await sign(options.secret ?? SECRET, body),
    },
    body,
  });
}

beforeAll(async () => {
  // Also listening where the EventSource says (`port: "12000"`, `/github`), as Argo's pod would.
  embedded = await startInstantEmbedded('argo-events-seeds-', {
    eventSourcePorts: { host: '127.0.0.1' },
  });
  api = await startApi(embedded);
  // An Argo Events install has its namespace on the cluster; the Workflow's pods run there.
  await embedded.cluster.kubernetes.create({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: NS },
  });
  const template = (await seedDocuments('workflowtemplate.yaml'))[0]!;
  // The seed template mounts a volume it never declares (Argo rejects it): declared here, and
  // placed in the Sensor's namespace, where the Workflow's workflowTemplateRef resolves.
  const spec = template['spec'] as { volumes?: unknown[] };
  spec.volumes = [{ name: 'workspace', emptyDir: {} }];
  (template['metadata'] as { namespace: string }).namespace = NS;
  const applied = await api.apply([
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'github-webhook-secret', namespace: NS },
      stringData: { secret: SECRET },
    },
    template,
    ...(await seedDocuments('eventsource.yaml')),
    ...(await seedDocuments('sensor.yaml')),
  ]);
  expect(applied.status, JSON.stringify(applied.body)).toBe(200);
}, 60_000);

afterAll(async () => {
  await api?.close();
  await embedded?.stop();
});

describe('the seeds: GitHub push -> CI Sensor -> Workflow', () => {
  const main = githubPush('refs/heads/main');
  const delivery = randomUUID();

  it('a signed push to main creates one Workflow with repo, branch and image, posted twice', async () => {
    const url = `${api.url}/webhooks/argo-events/webhook-events/github`;
    const first = await postPush(url, main, { delivery });
    expect(first.status).toBe(202);
    const again = await postPush(url, main, { delivery });
    expect(again.status).toBe(202);
    // The same delivery once more, to the port and endpoint the EventSource declares.
    expect(embedded.events.listening()).toEqual([12000, 12001]);
    const declared = await postPush('http://127.0.0.1:12000/github', main, { delivery });
    expect(declared.status).toBe(202);
    await until(async () => (await workflows('ci-')).length > 0, 'the CI workflow');
    await embedded.events.ingress.drained();
    await embedded.runtime.settled();
    const created = await workflows('ci-');
    expect(created).toHaveLength(1);
    const params = (
      created[0]!.spec as { arguments: { parameters: { name: string; value: string }[] } }
    ).arguments.parameters;
    expect(params).toEqual([
      {
        name: 'repo',
        value: main['repository'] && (main['repository'] as { clone_url: string }).clone_url,
      },
      { name: 'branch', value: 'main' },
      { name: 'image', value: `myregistry/app:${String(main['after']).slice(0, 7)}` },
    ]);
    expect(created[0]!.metadata.namespace).toBe(NS);
    const status = await sensorStatus();
    expect(status?.triggers['ci-workflow']?.fired).toBe(1);
    expect(status?.events.received).toBe(1);
  });

  it('the Workflow runs from the template in the Sensor namespace: its first pod is created', async () => {
    const [wf] = await workflows('ci-');
    await until(async () => {
      const pods = await embedded.cluster.kubernetes.list('v1', 'Pod', {
        namespace: NS,
        labelSelector: `workflows.argoproj.io/workflow=${wf!.metadata.name}`,
      });
      return pods.length > 0;
    }, 'a pod of the CI workflow');
  });

  it('a push to refs/heads/feature creates no Workflow', async () => {
    const before = (await sensorStatus())!.events;
    const res = await postPush(
      `${api.url}/webhooks/argo-events/webhook-events/github`,
      githubPush('refs/heads/feature'),
      { delivery: randomUUID() },
    );
    expect(res.status).toBe(202);
    await until(
      async () => (await sensorStatus())!.events.filtered > before.filtered,
      'the filter',
    );
    await embedded.runtime.settled();
    expect(await workflows('ci-')).toHaveLength(1);
  });

  it('a bad signature gets 401 and creates nothing', async () => {
    const before = (await sensorStatus())!.events.received;
    const res = await postPush(`${api.url}/webhooks/argo-events/webhook-events/github`, main, {
      delivery: randomUUID(),
      secret: 'not-the-secret',
    });
    expect(res.status).toBe(401);
    await embedded.events.ingress.drained();
    await embedded.runtime.settled();
    expect((await sensorStatus())!.events.received).toBe(before);
    expect(await workflows('ci-')).toHaveLength(1);
  });
});

describe('the seeds: S3 notification -> data-pipeline Sensor -> Workflow', () => {
  function notification(key: string) {
    return {
      Records: [
        {
          eventVersion: '2.1',
          eventSource: 'aws:s3',
          awsRegion: 'us-west-2',
          eventTime: '2026-11-30T10:00:00.000Z',
          eventName: 'ObjectCreated:Put',
          s3: {
            s3SchemaVersion: '1.0',
            bucket: { name: 'data-uploads', arn: 'arn:aws:s3:::data-uploads' },
            object: {
              key: encodeURIComponent(key).replace(/%2F/g, '/'),
              size: 42,
              sequencer: randomUUID(),
            },
          },
        },
      ],
    };
  }

  async function ingress(body: unknown): Promise<number> {
    const res = await fetch(`${api.url}/api/v1/ingress`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    return res.status;
  }

  it('incoming/x.csv creates the data-pipeline Workflow with bucket and key', async () => {
    expect(await ingress(notification('incoming/x.csv'))).toBe(202);
    await until(
      async () => (await workflows('data-pipeline-')).length > 0,
      'the data-pipeline workflow',
    );
    const [wf] = await workflows('data-pipeline-');
    expect((wf!.spec as { arguments: { parameters: unknown[] } }).arguments.parameters).toEqual([
      { name: 'bucket', value: 'data-uploads' },
      { name: 'key', value: 'incoming/x.csv' },
    ]);
  });

  it('on the embedded runtime every queue-fed source is delivered (POST /api/v1/ingress)', async () => {
    const es = (await embedded.runtime.get('in-cluster/EventSource/argo-events/s3-events')).object;
    const conditions = (es?.status as { conditions: { type: string; status: string }[] })
      .conditions;
    expect(conditions.find((c) => c.type === 'SourcesProvided')?.status).toBe('True');
  });

  it('incoming/x.txt creates none', async () => {
    expect(await ingress(notification('incoming/x.txt'))).toBe(202);
    await embedded.events.ingress.drained();
    await embedded.runtime.settled();
    expect(await workflows('data-pipeline-')).toHaveLength(1);
  });
});
