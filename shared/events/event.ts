/**
 * Making Argo events. Ids derive from what identifies a delivery (hook id + delivery id, bucket +
 * key + sequencer, topic + partition + offset), so a redelivered or re-posted delivery becomes the
 * same event and the Sensor recognises it; without such an id every request is a new event.
 */
import { createHash } from 'node:crypto';
import type { Json } from '../core/types.js';
import type { ArgoEvent } from './types.js';

export interface EventOrigin {
  namespace: string;
  eventSource: string;
  eventName: string;
  type: string;
}

export function eventId(origin: EventOrigin, dedupKey: string): string {
  return createHash('sha256')
    .update(`${origin.namespace}\n${origin.eventSource}\n${origin.eventName}\n${dedupKey}`)
    .digest('hex')
    .slice(0, 32);
}

export function makeEvent(origin: EventOrigin, id: string, at: number, data: Json): ArgoEvent {
  return {
    context: {
      id,
      source: origin.eventSource,
      specversion: '1.0',
      type: origin.type,
      subject: origin.eventName,
      time: new Date(at).toISOString(),
      datacontenttype: 'application/json',
    },
    data,
  };
}

/**
 * Argo's Sensor and EventSource report a `Deployed` condition for their pods; here nothing is
 * deployed, and the condition says so (always True: there is nothing that could be missing).
 */
export const DEPLOYED_CONDITION = {
  type: 'Deployed',
  status: 'True',
  reason: 'Serverless',
  message: 'runs on events, no deployment',
} as const;
