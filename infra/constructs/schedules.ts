/**
 * Time on AWS. The reconcile backstop: an EventBridge rule (context `tickMinutes`, default 15;
 * each Application arms its own 120 s reconcile timer, Argo CD's `timeout.reconciliation`) invokes
 * functions/tick, which sends a Refresh to each Application; a function rather than the commands queue as target, because a rule sends one fixed
 * message to one message group and a tick must fan out to one message per resource.
 * One-time timers longer than SQS's 15-minute delay: an EventBridge Scheduler group whose
 * schedules deliver to the commands queue with a role that may send there and nowhere else
 * (DESIGN.md "Ports and adapters"); the functions that arm timers may create and delete schedules
 * in that group only and pass that role only.
 */
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { ScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export class ControlPlaneSchedules extends Construct {
  readonly group: ScheduleGroup;
  /** Assumed by EventBridge Scheduler to deliver a timer to the commands queue. */
  readonly schedulerRole: Role;
  tickRule?: Rule;

  constructor(scope: Construct, id: string, props: { commands: Queue }) {
    super(scope, id);
    this.group = new ScheduleGroup(this, 'Timers', { removalPolicy: RemovalPolicy.DESTROY });
    this.schedulerRole = new Role(this, 'SchedulerRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      description: 'EventBridge Scheduler: deliver one-time timers to the commands queue',
    });
    props.commands.grantSendMessages(this.schedulerRole);
  }

  /** The reconcile tick: functions/tick every `minutes`. */
  addTick(tick: IFunction, minutes: number): Rule {
    this.tickRule = new Rule(this, 'ReconcileTick', {
      description: 'argo-serverless: reconcile tick (a Refresh to every Application)',
      schedule: Schedule.rate(Duration.minutes(minutes)),
      // A missed tick is made up by the next one: no retries piling up behind a slow function.
      targets: [new LambdaFunction(tick, { retryAttempts: 0 })],
    });
    return this.tickRule;
  }

  /** A function that arms and cancels long timers: schedules in this group, this role only. */
  allowTimers(fn: IFunction): void {
    this.group.grantWriteSchedules(fn);
    this.group.grantDeleteSchedules(fn);
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [this.schedulerRole.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
      }),
    );
    Validations.of(fn).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/${this.group.scheduleGroupName}/*]`,
      reason:
        "Schedules of the deployment's own group only: one per long timer, named at run time from the timer's key and generation.",
    });
  }
}
