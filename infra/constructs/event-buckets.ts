/**
 * Object-created notifications of existing buckets (context `eventBuckets`) to the ingress queue,
 * where functions/ingest turns them into events for `s3` EventSources. S3 cannot notify a FIFO
 * queue; the ingress queue is a standard one. Least privilege: the queue accepts messages from
 * those buckets only (CDK adds the policy with a source-ARN condition).
 */
import { Stack, Validations } from 'aws-cdk-lib';
import { Bucket, EventType } from 'aws-cdk-lib/aws-s3';
import { SqsDestination } from 'aws-cdk-lib/aws-s3-notifications';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export class EventBucketNotifications extends Construct {
  constructor(scope: Construct, id: string, props: { buckets: string[]; ingress: Queue }) {
    super(scope, id);
    for (const name of props.buckets) {
      const bucket = Bucket.fromBucketName(this, `Bucket-${name}`, name);
      bucket.addEventNotification(EventType.OBJECT_CREATED, new SqsDestination(props.ingress));
    }
    // CDK configures notifications on existing buckets with a singleton Lambda of its own.
    const handler = Stack.of(this).node.children.find((c) =>
      c.node.id.startsWith('BucketNotificationsHandler'),
    );
    if (handler)
      Validations.of(handler).acknowledge({
        id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason:
          "CDK's BucketNotificationsHandler: the managed basic execution role (its own logs) only.",
      });
  }
}
