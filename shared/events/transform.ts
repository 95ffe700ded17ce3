/**
 * A dependency's `transform` (pkg/sensors/dependencies/transform.go): a Lua `script` over the data
 * as `event`, whose returned table becomes the event's data; filters and triggers see the result.
 * `jq` transforms are refused when the Sensor is applied (no jq here).
 */
import type { Json } from '../core/types.js';
import { runLua } from '../expr/lua.js';
import type { ArgoEvent, EventDependency } from './types.js';

export function transformEvent(
  event: ArgoEvent,
  transform: EventDependency['transform'],
): ArgoEvent {
  if (!transform?.script || event.data === null) return event;
  const result = runLua(transform.script, { event: event.data });
  if (typeof result !== 'object' || result === null)
    throw new Error('transformation script output type is not of lua table');
  return { ...event, data: result as Json };
}
