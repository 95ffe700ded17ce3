/** Lambda: Argo Events webhooks from the HTTP API: verify, enqueue on the ingress queue, 202. */
import { awsPorts } from '../shared/runtime/aws/wiring.js';
import { configFromEnv } from '../shared/runtime/aws/config.js';
import { lazyHandler } from '../shared/runtime/aws/lazy.js';
import { powertoolsLog } from '../shared/runtime/aws/log.js';
import { secretsOnAws } from '../shared/runtime/aws/secrets.js';
import { ingressOutbox, webhookHandler } from '../shared/runtime/aws/events.js';

export const handler = lazyHandler(() => {
  const config = configFromEnv();
  return webhookHandler(
    awsPorts(config),
    ingressOutbox(config),
    secretsOnAws(config),
    powertoolsLog('webhook'),
  );
});
