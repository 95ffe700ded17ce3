/**
 * The CDK app (`npx cdk synth` / `deploy` with the aws-cdk@2 CLI). Context keys:
 * `stackName` (default ArgoServerless), `deletionProtection` (default true), `maxConcurrency`.
 */
import { App } from 'aws-cdk-lib';
import { ControlPlaneStack } from './control-plane-stack.js';

const app = new App();
const context = (key: string) =>
  app.node.tryGetContext(key) as string | boolean | number | undefined;
new ControlPlaneStack(app, String(context('stackName') ?? 'ArgoServerless'), {
  deletionProtection: String(context('deletionProtection') ?? 'true') !== 'false',
  maxConcurrency: Number(context('maxConcurrency') ?? 10),
});
app.synth();
