/**
 * fauxqs (an SQS-compatible server) started by the tests themselves on a random port.
 */
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { testCredentials } from './dynalite.js';

export interface QueueSpec {
  fifo: boolean;
  visibilityTimeoutS?: number;
  /** With a DLQ: deliveries before a message moves there. */
  maxReceiveCount?: number;
}

export interface Fauxqs {
  endpoint: string;
  client: SQSClient;
  /** Creates `name` (and `name-dlq` when maxReceiveCount is set); returns the queue URL. */
  createQueue(name: string, spec: QueueSpec): Promise<{ url: string; dlqUrl?: string }>;
  stop(): Promise<void>;
}

let queues = 0;

export async function startFauxqs(): Promise<Fauxqs> {
  const { startFauxqs: start } = await import('fauxqs');
  const server = await start({ port: 0, logger: false, host: '127.0.0.1' });
  const endpoint = `http://127.0.0.1:${server.port}`;
  const client = new SQSClient({ endpoint, region: 'us-east-1', credentials: testCredentials });
  return {
    endpoint,
    client,
    async createQueue(name, spec) {
      const suffix = spec.fifo ? '.fifo' : '';
      const unique = `${name}-${process.pid}-${++queues}`;
      const fifoAttributes: Record<string, string> = spec.fifo ? { FifoQueue: 'true' } : {};
      let dlqUrl: string | undefined;
      const attributes: Record<string, string> = {
        ...fifoAttributes,
        VisibilityTimeout: String(spec.visibilityTimeoutS ?? 30),
      };
      if (spec.maxReceiveCount !== undefined) {
        const dlq = await client.send(
          new CreateQueueCommand({
            QueueName: `${unique}-dlq${suffix}`,
            Attributes: fifoAttributes,
          }),
        );
        dlqUrl = dlq.QueueUrl!;
        const { Attributes } = await client.send(
          new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }),
        );
        attributes['RedrivePolicy'] = JSON.stringify({
          deadLetterTargetArn: Attributes!['QueueArn'],
          maxReceiveCount: spec.maxReceiveCount,
        });
      }
      const created = await client.send(
        new CreateQueueCommand({ QueueName: `${unique}${suffix}`, Attributes: attributes }),
      );
      return dlqUrl ? { url: created.QueueUrl!, dlqUrl } : { url: created.QueueUrl! };
    },
    async stop() {
      client.destroy();
      await server.stop();
    },
  };
}
