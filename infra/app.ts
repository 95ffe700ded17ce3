/**
 * The CDK app (`npx cdk synth` / `deploy` with the aws-cdk@2 CLI). Its context keys are read by
 * infra/context.ts and listed in the README ("Deploy to AWS").
 */
import { App } from 'aws-cdk-lib';
import { ControlPlaneStack } from './control-plane-stack.js';
import { settingsFromContext } from './context.js';

const app = new App();
const { stackName, ...props } = settingsFromContext((key) => app.node.tryGetContext(key));
new ControlPlaneStack(app, stackName, props);
app.synth();
