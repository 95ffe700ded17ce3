import type { Secrets } from '../../core/ports.js';

/**
 * The AWS Secrets Manager adapter is not built yet (no local stand-in to test it against; it
 * comes with the first effect that needs a secret on AWS). Until then an effect that asks for a
 * secret on AWS fails with this explicit reason instead of a vague one.
 */
export const secretsNotYetOnAws: Secrets = {
  async get(ref) {
    throw new Error(
      `secret ${ref.namespace}/${ref.name}: reading secrets on AWS (Secrets Manager) is not supported yet`,
    );
  },
  async listByLabel() {
    throw new Error('listing secrets on AWS (Secrets Manager) is not supported yet');
  },
};
