/**
 * What the people who run it look at: alarms on dead letters, function errors and queue age, and
 * a dashboard of the same, so a stuck resource or a failing effect is visible from the console.
 */
import { Duration } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export class Monitoring extends Construct {
  readonly alarms: Alarm[] = [];

  constructor(
    scope: Construct,
    id: string,
    props: { queues: Record<string, Queue>; functions: Record<string, IFunction> },
  ) {
    super(scope, id);
    const widgets: GraphWidget[] = [];
    for (const [name, queue] of Object.entries(props.queues)) {
      const dlq = queue.deadLetterQueue?.queue;
      if (dlq) {
        this.alarm(
          `${name}DeadLetters`,
          dlq.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1) }),
          0,
          `${name}: messages in the dead-letter queue (poison messages; inspect and redrive)`,
        );
      }
      const age = queue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(1) });
      this.alarm(
        `${name}OldestMessage`,
        age,
        300,
        `${name}: a message has waited over 5 minutes (consumer stuck or throttled)`,
      );
      widgets.push(
        new GraphWidget({
          title: `${name} queue`,
          left: [queue.metricApproximateNumberOfMessagesVisible(), age],
        }),
      );
    }
    for (const [name, fn] of Object.entries(props.functions)) {
      const errors = fn.metricErrors({ period: Duration.minutes(5) });
      this.alarm(`${name}Errors`, errors, 0, `${name}: invocations failed`);
      widgets.push(
        new GraphWidget({
          title: `${name} function`,
          left: [fn.metricInvocations(), errors],
          right: [fn.metricDuration()],
        }),
      );
    }
    new Dashboard(this, 'Dashboard', { widgets: [widgets] });
  }

  private alarm(id: string, metric: IMetric, threshold: number, description: string) {
    this.alarms.push(
      new Alarm(this, id, {
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      }),
    );
  }
}
