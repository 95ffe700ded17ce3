/**
 * The queues of DESIGN.md "Data flow", each with a dead-letter queue. Visibility timeouts are six
 * times their consumer's timeout, as AWS recommends for Lambda event sources.
 */
import { Duration } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface QueuesProps {
  /** Timeouts of the consumers, to size visibility timeouts. */
  controllerTimeout: Duration;
  effectsTimeout: Duration;
  timersTimeout: Duration;
  renderTimeout: Duration;
}

/** Deliveries before the DLQ. Above the effect worker's maxDeliveries (4), so effects never reach it. */
export const MAX_RECEIVE_COUNT = 10;

export class ControlPlaneQueues extends Construct {
  readonly ingress: Queue;
  /** FIFO, MessageGroupId = resource key: one resource's events in order. */
  readonly commands: Queue;
  /** FIFO, one group per effect: parallel and deduplicated by effect id. */
  readonly effects: Queue;
  /** Standard: per-message DelaySeconds for timer hops (FIFO queues have none). */
  readonly timers: Queue;
  /** FIFO like effects: the rendering worker's effects (RENDER_EFFECT_KINDS, `cd.*`). */
  readonly render: Queue;

  constructor(scope: Construct, id: string, props: QueuesProps) {
    super(scope, id);
    const six = (d: Duration) => Duration.seconds(d.toSeconds() * 6);
    this.ingress = this.queue('Ingress', { fifo: false, visibility: six(props.controllerTimeout) });
    this.commands = this.queue('Commands', {
      fifo: true,
      visibility: six(props.controllerTimeout),
    });
    this.effects = this.queue('Effects', { fifo: true, visibility: six(props.effectsTimeout) });
    this.timers = this.queue('Timers', { fifo: false, visibility: six(props.timersTimeout) });
    this.render = this.queue('Render', { fifo: true, visibility: six(props.renderTimeout) });
  }

  private queue(id: string, options: { fifo: boolean; visibility: Duration }): Queue {
    const common = {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      ...(options.fifo ? { fifo: true } : {}),
    };
    const dlq = new Queue(this, `${id}Dlq`, common);
    return new Queue(this, id, {
      ...common,
      visibilityTimeout: options.visibility,
      deadLetterQueue: { queue: dlq, maxReceiveCount: MAX_RECEIVE_COUNT },
    });
  }
}
