/** The whole backend in one stack (grows with each subsystem). */
import { CfnOutput, Stack } from 'aws-cdk-lib';
import type { StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { ControlPlaneQueues } from './constructs/queues.js';
import { EventTable } from './constructs/table.js';
import { ControlPlaneFunctions, TIMEOUTS } from './constructs/functions.js';
import { Monitoring } from './constructs/monitoring.js';

export interface ControlPlaneStackProps extends StackProps {
  /** Keep the table on stack deletion and refuse deletes (default true). */
  deletionProtection?: boolean;
  /** Concurrent Lambda batches per queue (default 10). */
  maxConcurrency?: number;
}

export class ControlPlaneStack extends Stack {
  constructor(scope: Construct, id: string, props: ControlPlaneStackProps = {}) {
    super(scope, id, props);
    const queues = new ControlPlaneQueues(this, 'Queues', {
      controllerTimeout: TIMEOUTS.controller,
      effectsTimeout: TIMEOUTS.effects,
      timersTimeout: TIMEOUTS.timers,
    });
    const { table } = new EventTable(this, 'Events', {
      deletionProtection: props.deletionProtection ?? true,
    });
    const functions = new ControlPlaneFunctions(this, 'Functions', {
      table,
      queues,
      maxConcurrency: props.maxConcurrency ?? 10,
    });
    new Monitoring(this, 'Monitoring', {
      queues: {
        Ingress: queues.ingress,
        Commands: queues.commands,
        Effects: queues.effects,
        Timers: queues.timers,
      },
      functions: {
        Controller: functions.controller,
        Effects: functions.effects,
        Timers: functions.timers,
        Ingest: functions.ingest,
      },
    });
    new CfnOutput(this, 'TableName', { value: table.tableName });
    new CfnOutput(this, 'CommandsQueueUrl', { value: queues.commands.queueUrl });
    new CfnOutput(this, 'IngressQueueUrl', { value: queues.ingress.queueUrl });
  }
}
