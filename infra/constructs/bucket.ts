/**
 * The deployment's bucket: workflow artifacts (Argo's default repository on AWS) and queue
 * messages too large for SQS, sent by reference under `payloads/` (shared/core/payloads.ts).
 * Encrypted, TLS only, no public access; payloads expire once nothing can still read them.
 */
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { BlockPublicAccess, Bucket, BucketEncryption } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

export class DeploymentBucket extends Construct {
  readonly bucket: Bucket;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.bucket = new Bucket(this, 'Bucket', {
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      // Artifacts are user data: kept when the stack goes (delete the bucket by hand).
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        {
          id: 'payloads',
          prefix: 'payloads/',
          // A message body is read within its queue's retention (14 days) or not at all.
          expiration: Duration.days(15),
        },
        { id: 'incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
    });
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions::AwsSolutions-S1',
      reason:
        'Server access logs need a second bucket and cost per request; the functions are the only writers and log what they store. Enable them per deployment if audit needs them.',
    });
  }
}
