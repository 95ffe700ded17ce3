import { KubeConfig } from '@kubernetes/client-node';
import { ClientNodeKubernetes } from '../../shared/adapters/kubernetes/client-node-kubernetes.js';
import type { SimCluster } from '../../shared/adapters/local/sim-cluster/server.js';

/** A client-node KubeConfig for a simulated cluster, and the Kubernetes port over it. */
export function simClient(sim: SimCluster): { kc: KubeConfig; k8s: ClientNodeKubernetes } {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'sim', server: sim.url, skipTLSVerify: true }],
    users: [{ name: 'sim', token: 'sim' }],
    contexts: [{ name: 'sim', cluster: 'sim', user: 'sim', namespace: 'default' }],
    currentContext: 'sim',
  });
  return { kc, k8s: new ClientNodeKubernetes(kc) };
}
