/**
 * A Workflow through the Lambda handlers (functions/* wiring) on the AWS-protocol stand-ins:
 * DynamoDB on dynalite, SQS queues and the S3 artifact bucket on fauxqs, the simulated cluster as
 * the home cluster, timers hopping through the timers queue, AWS-like batches and redelivery.
 */
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterDirectory } from '../../shared/adapters/kubernetes/clusters.js';
import { createPodExecutor } from '../../shared/adapters/local/sim-cluster/executor.js';
import type { PodExecutor } from '../../shared/adapters/local/sim-cluster/executor.js';
import { startSimCluster } from '../../shared/adapters/local/sim-cluster/server.js';
import type { SimCluster } from '../../shared/adapters/local/sim-cluster/server.js';
import { kindMachines, subsystemEffectHandlers } from '../../shared/runtime/registry.js';
import { subsystemDepsOnAws } from '../../shared/runtime/aws/subsystems.js';
import { machineRegistry } from '../../shared/core/machines.js';
import { Runner } from '../../shared/core/runner.js';
import type { NodeStatus } from '../../shared/workflows/nodes.js';
import { startAwsLane } from '../support/aws-lane.js';
import type { AwsLane } from '../support/aws-lane.js';
import { testCredentials } from '../support/dynalite.js';
import { simClient } from '../support/sim-kube.js';

let lane: AwsLane;
let sim: SimCluster;
let executor: PodExecutor;

beforeAll(async () => {
  executor = await createPodExecutor({ mode: 'sim' });
  sim = await startSimCluster({
    controllers: { podStartMs: 0, podRunMs: 0, tickMs: 10 },
    executor,
  });
  const home = simClient(sim).k8s;
  lane = await startAwsLane({
    kinds: kindMachines,
    effectHandlers: (ports, config) =>
      subsystemEffectHandlers(
        subsystemDepsOnAws(ports, kindMachines, {
          artifactsBucket: 'artifacts',
          s3Endpoint: config.sqsEndpoint!,
          clusters: new ClusterDirectory(home, {
            get: async () => '',
            listByLabel: async () => [],
          }),
        }),
      ),
  });
  const s3 = new S3Client({
    endpoint: lane.config.sqsEndpoint!,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: testCredentials,
  });
  await s3.send(new CreateBucketCommand({ Bucket: 'artifacts' }));
}, 60_000);

afterAll(async () => {
  await lane?.stop();
  await sim?.stop();
  await executor?.close();
});

describe('workflows on the AWS-protocol lane', () => {
  it(
    'parameters and an artifact pass between steps; the Workflow Succeeds',
    { timeout: 90_000 },
    async () => {
      const key = 'in-cluster/Workflow/default/lane-wf';
      const object = {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Workflow',
        metadata: { name: 'lane-wf', namespace: 'default' },
        spec: {
          entrypoint: 'main',
          templates: [
            {
              name: 'main',
              steps: [
                [{ name: 'make', template: 'make' }],
                [
                  {
                    name: 'use',
                    template: 'use',
                    arguments: {
                      parameters: [{ name: 'p', value: '{{steps.make.outputs.parameters.word}}' }],
                      artifacts: [{ name: 'file', from: '{{steps.make.outputs.artifacts.file}}' }],
                    },
                  },
                ],
              ],
            },
            {
              name: 'make',
              container: { image: 'example/maker', command: ['make-things'] },
              outputs: {
                parameters: [{ name: 'word', valueFrom: { path: '/tmp/word' } }],
                artifacts: [{ name: 'file', path: '/tmp/file' }],
              },
            },
            {
              name: 'use',
              inputs: {
                parameters: [{ name: 'p' }],
                artifacts: [{ name: 'file', path: '/in/file' }],
              },
              container: {
                image: 'example/user',
                command: ['use-things'],
                args: ['{{inputs.parameters.p}}'],
              },
            },
          ],
        },
      };
      await lane.send([{ id: 'lane-wf-1', key, at: Date.now(), event: { type: 'Apply', object } }]);
      const reader = new Runner({
        store: lane.ports.store,
        effects: { send: async () => undefined },
        kinds: machineRegistry(kindMachines),
      });
      let status: { phase?: string; nodes?: Record<string, NodeStatus> } = {};
      for (
        let i = 0;
        i < 300 && !['Succeeded', 'Failed', 'Error'].includes(status.phase ?? '');
        i++
      ) {
        await new Promise((r) => setTimeout(r, 200));
        status = ((await reader.read(key)).object?.['status'] ?? {}) as typeof status;
      }
      expect(status.phase).toBe('Succeeded');
      const use = Object.values(status.nodes!).find((n) => n.displayName === 'use')!;
      // The stand-in program wrote "simulated word" to the declared path; it came back through the log.
      expect(use.inputs!.parameters![0]!.value).toBe('simulated word');
      expect(use.inputs!.artifacts![0]!.s3!.key).toMatch(/^lane-wf\/lane-wf-make-\d+\/file\.tgz$/);
      const pods = await simClient(sim).k8s.list('v1', 'Pod', { namespace: 'default' });
      expect(
        pods.map((p) => p.metadata.labels?.['workflows.argoproj.io/completed']).sort(),
      ).toEqual(['true', 'true']);
    },
  );
});
