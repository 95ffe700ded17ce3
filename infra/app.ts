/**
 * The CDK app (`npx cdk synth` / `deploy` with the aws-cdk@2 CLI). Context keys:
 * `stackName` (default ArgoServerless), `deletionProtection` (default true), `maxConcurrency`,
 * `eventBuckets` (bucket names whose notifications feed `s3` EventSources; a JSON list or a
 * comma-separated string), `kafka` (`{"clusterArn": "...", "topics": [...]}`: an MSK cluster whose
 * topics feed `kafka` EventSources).
 */
import { App } from 'aws-cdk-lib';
import { ControlPlaneStack } from './control-plane-stack.js';

const app = new App();
const context = (key: string) =>
  app.node.tryGetContext(key) as string | boolean | number | undefined;
new ControlPlaneStack(app, String(context('stackName') ?? 'ArgoServerless'), {
  deletionProtection: String(context('deletionProtection') ?? 'true') !== 'false',
  maxConcurrency: Number(context('maxConcurrency') ?? 10),
  eventBuckets: listContext(app.node.tryGetContext('eventBuckets')),
  ...kafkaContext(app.node.tryGetContext('kafka')),
});
app.synth();

/** `kafka` as an object (cdk.json) or a JSON string (`-c kafka='{...}'`). */
function kafkaContext(value: unknown): { kafka?: { clusterArn: string; topics: string[] } } {
  const v = (typeof value === 'string' ? JSON.parse(value) : value) as
    { clusterArn?: string; topics?: string[] } | undefined;
  if (!v?.clusterArn) return {};
  return { kafka: { clusterArn: v.clusterArn, topics: v.topics ?? [] } };
}

/** A context list given as JSON (cdk.json) or as `-c key=a,b` on the command line. */
function listContext(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  if (typeof value === 'string' && value.trim() !== '')
    return value.split(',').map((v) => v.trim());
  return [];
}
