/**
 * Effect workers: run one effect idempotently, retry what is transient, and report the outcome to
 * the resource as EffectSucceeded / EffectFailed. An effect never silently ends in a DLQ: its last
 * allowed delivery reports a failure instead of throwing.
 */
import type { BatchHandler, Clock, CommandQueue, Received, Secrets, Timers } from './ports.js';
import type { Effect, Json, Message, SecretRef } from './types.js';
import { CoreEvents, effectReportId, parseKey } from './types.js';
import type { Log } from './log.js';
import { silentLog } from './log.js';

/** Worth another try (throttling, a 5xx, a timeout). Anything else thrown fails the effect. */
export class TransientError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransientError';
  }
}

/** TransientError, or any error that says it is retryable (KubernetesError for 429 / 5xx). */
export function isTransient(err: unknown): boolean {
  return (
    err instanceof TransientError || (err as { retryable?: unknown } | null)?.retryable === true
  );
}

export interface EffectContext {
  /** Resolves a SecretRef; the namespace defaults to the resource's. Never log the value. */
  secret(ref: SecretRef): Promise<string>;
  clock: Clock;
  log: Log;
}

export interface EffectHandler {
  kind: string;
  /**
   * Runs the effect. Must be idempotent on `effect.id`: it may run more than once (redelivery,
   * a crash before the report), and the target must change only once.
   */
  run(effect: Effect, ctx: EffectContext): Promise<Json>;
  /** Core plumbing (timers, messages) whose success the machine does not need to hear about. */
  silent?: boolean;
}

export interface EffectWorkerOptions {
  /** Tries within one delivery, with exponential backoff between them. */
  attemptsPerDelivery: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  /**
   * Deliveries before a still-transient failure is reported as EffectFailed. Keep it below the
   * effects queue's maxReceiveCount so the DLQ never sees an effect.
   */
  maxDeliveries: number;
}

export const defaultEffectWorkerOptions: EffectWorkerOptions = {
  attemptsPerDelivery: 3,
  backoffBaseMs: 100,
  backoffMaxMs: 2_000,
  maxDeliveries: 4,
};

export interface EffectWorkerDeps {
  handlers: readonly EffectHandler[];
  commands: CommandQueue;
  timers: Timers;
  secrets: Secrets;
  clock: Clock;
  log?: Log;
  options?: Partial<EffectWorkerOptions>;
  sleep?: (ms: number) => Promise<void>;
}

export class EffectWorker {
  private readonly handlers = new Map<string, EffectHandler>();
  private readonly options: EffectWorkerOptions;
  private readonly log: Log;

  constructor(private readonly deps: EffectWorkerDeps) {
    for (const h of [...coreEffectHandlers(deps), ...deps.handlers]) {
      if (this.handlers.has(h.kind)) throw new Error(`two effect handlers for kind ${h.kind}`);
      this.handlers.set(h.kind, h);
    }
    this.options = { ...defaultEffectWorkerOptions, ...deps.options };
    this.log = deps.log ?? silentLog;
  }

  /** The queue consumer: every effect of the batch runs in parallel. */
  readonly handleBatch: BatchHandler<Effect> = async (batch) => {
    const failed: string[] = [];
    await Promise.all(
      batch.map(async (received) => {
        try {
          await this.runDelivery(received);
        } catch (err) {
          this.log.warn('effect will be redelivered', {
            effectId: received.body.id,
            error: String(err),
          });
          failed.push(received.deliveryId);
        }
      }),
    );
    return { failed };
  };

  /**
   * Runs one delivery of an effect. Throws only when the effect should be delivered again (a
   * transient failure with deliveries left, or the report could not be sent).
   */
  async runDelivery(received: Pick<Received<Effect>, 'body' | 'receiveCount'>): Promise<void> {
    const effect = received.body;
    const handler = this.handlers.get(effect.kind);
    if (!handler) {
      await this.report(effect, {
        ok: false,
        reason: `no effect handler for kind "${effect.kind}"`,
        attempts: 1,
      });
      return;
    }
    const outcome = await this.runWithRetries(handler, effect);
    if (outcome.ok) {
      if (!handler.silent) await this.report(effect, outcome);
      return;
    }
    if (outcome.transient && received.receiveCount < this.options.maxDeliveries) {
      throw new TransientError(`effect ${effect.id} still failing: ${outcome.reason}`);
    }
    const attempts = received.receiveCount * this.options.attemptsPerDelivery;
    await this.report(effect, { ok: false, reason: outcome.reason, attempts });
  }

  private async runWithRetries(
    handler: EffectHandler,
    effect: Effect,
  ): Promise<{ ok: true; result: Json } | { ok: false; reason: string; transient: boolean }> {
    const ctx = this.context(effect);
    const sleep = this.deps.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
    for (let attempt = 1; ; attempt++) {
      try {
        return { ok: true, result: await handler.run(effect, ctx) };
      } catch (err) {
        const transient = isTransient(err);
        const reason = err instanceof Error ? err.message : String(err);
        if (!transient || attempt >= this.options.attemptsPerDelivery) {
          return { ok: false, reason, transient };
        }
        const ceiling = Math.min(
          this.options.backoffMaxMs,
          this.options.backoffBaseMs * 2 ** (attempt - 1),
        );
        await sleep(ceiling / 2 + (Math.random() * ceiling) / 2);
      }
    }
  }

  private context(effect: Effect): EffectContext {
    const namespace = parseKey(effect.key).namespace;
    return {
      secret: (ref) => this.deps.secrets.get({ ...ref, namespace: ref.namespace ?? namespace }),
      clock: this.deps.clock,
      log: this.log,
    };
  }

  private async report(
    effect: Effect,
    outcome: { ok: true; result: Json } | { ok: false; reason: string; attempts: number },
  ): Promise<void> {
    const event = outcome.ok
      ? {
          type: CoreEvents.EffectSucceeded,
          effectId: effect.id,
          effectKind: effect.kind,
          result: outcome.result,
        }
      : {
          type: CoreEvents.EffectFailed,
          effectId: effect.id,
          effectKind: effect.kind,
          reason: outcome.reason,
          attempts: outcome.attempts,
          // A machine correlates a failure by the tag it gave the effect's input, if any.
          ...(tagOf(effect.input) !== undefined ? { tag: tagOf(effect.input) } : {}),
        };
    const message: Message = {
      id: effectReportId(effect),
      key: effect.key,
      at: this.deps.clock.now(),
      event,
    };
    await this.deps.commands.send([message]);
  }
}

/**
 * The message a `message.send` effect sends. The effect id is the message id: sending it again
 * (a re-run, a re-dispatch) sends a duplicate the target recognises.
 */
export function sentMessage(effect: Effect, at: number): Message {
  const input = effect.input as { key: string; event: Message['event'] };
  return { id: effect.id, key: input.key, at, event: input.event };
}

function tagOf(input: Json): Json | undefined {
  return input && typeof input === 'object' && !Array.isArray(input) ? input['tag'] : undefined;
}

/** Effect kinds the core itself provides to every machine. */
export const CoreEffects = {
  /** input: { timerId, generation, fireAt } -> a TimerFired message when due. */
  SetTimer: 'timer.set',
  /** input: { key, event } -> the event delivered to another resource (app-of-apps, triggers). */
  SendMessage: 'message.send',
} as const;

function coreEffectHandlers(deps: EffectWorkerDeps): EffectHandler[] {
  return [
    {
      kind: CoreEffects.SetTimer,
      silent: true,
      async run(effect) {
        const input = effect.input as { timerId: string; generation: number; fireAt: number };
        await deps.timers.schedule({ key: effect.key, ...input });
        return null;
      },
    },
    {
      kind: CoreEffects.SendMessage,
      silent: true,
      async run(effect) {
        await deps.commands.send([sentMessage(effect, deps.clock.now())]);
        return null;
      },
    },
  ];
}
