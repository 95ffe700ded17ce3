import { describe, expect, it } from 'vitest';
import { KubernetesError } from '../../shared/core/kubernetes.js';

describe('Kubernetes errors', () => {
  it.each([
    [404, 'pods "x" not found', 'NotFound', false],
    [409, 'deployments.apps "web" already exists', 'AlreadyExists', false],
    [
      409,
      'the object has been modified; please apply your changes to the latest version',
      'Conflict',
      false,
    ],
    [422, 'Deployment.apps "web" is invalid', 'Invalid', false],
    [400, 'bad request', 'Invalid', false],
    [415, 'unsupported media type', 'Invalid', false],
    [403, 'forbidden: User cannot create', 'Forbidden', false],
    [429, 'too many requests', 'TooManyRequests', true],
    [500, 'internal error', 'Unavailable', true],
    [503, 'unavailable', 'Unavailable', true],
    [418, 'teapot', 'Unknown', false],
  ])('HTTP %i "%s" is %s (retryable: %s)', (status, message, code, retryable) => {
    const err = KubernetesError.fromStatus(status, message);
    expect(err.code).toBe(code);
    expect(err.retryable).toBe(retryable);
    expect(err.message).toBe(message);
  });

  it('keeps the Retry-After the server sent', () => {
    expect(KubernetesError.fromStatus(429, 'slow down', 3).retryAfterSeconds).toBe(3);
  });
});
