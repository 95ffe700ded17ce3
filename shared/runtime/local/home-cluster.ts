/**
 * The home cluster of the embedded runtime: the simulated cluster by default (its kubeconfig
 * written into the data directory, so kubectl can use it), or a real one from a kubeconfig.
 */
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import type { Kubernetes } from '../../core/kubernetes.js';
import {
  allowPlainHttp,
  ClientNodeKubernetes,
} from '../../adapters/kubernetes/client-node-kubernetes.js';
import { startSimCluster } from '../../adapters/local/sim-cluster/server.js';
import type { SimCluster } from '../../adapters/local/sim-cluster/server.js';
import type { ControllerOptions } from '../../adapters/local/sim-cluster/controllers.js';
import type { PodExecutor } from '../../adapters/local/sim-cluster/executor.js';

export interface HomeCluster {
  kubernetes: Kubernetes;
  /** What to print: which cluster and where its kubeconfig is. */
  description: string;
  kubeconfigPath: string;
  /** The simulated cluster, when that is the home cluster (tests look at its requests). */
  simulated?: SimCluster;
  stop(): Promise<void>;
}

export async function connectHomeCluster(options: {
  dataDir: string;
  kubeconfig?: string;
  context?: string;
  simulated?: { controllers?: Partial<ControllerOptions>; executor?: PodExecutor };
}): Promise<HomeCluster> {
  const kc = new KubeConfig();
  if (options.kubeconfig) {
    kc.loadFromFile(options.kubeconfig);
    if (options.context) {
      if (!kc.getContextObject(options.context)) {
        throw new Error(`--context: no context "${options.context}" in ${options.kubeconfig}`);
      }
      kc.setCurrentContext(options.context);
    }
    // A plain-http server (kubectl proxy, the simulated cluster in another process) has no TLS
    // to verify; client-node refuses it unless told to skip verification.
    allowPlainHttp(kc);
    return {
      kubernetes: new ClientNodeKubernetes(kc),
      description: `context ${kc.getCurrentContext()} of ${options.kubeconfig}`,
      kubeconfigPath: options.kubeconfig,
      stop: async () => {},
    };
  }
  if (options.context) throw new Error('--context needs --kubeconfig');
  const sim = await startSimCluster({
    ...(options.simulated?.controllers ? { controllers: options.simulated.controllers } : {}),
    ...(options.simulated?.executor ? { executor: options.simulated.executor } : {}),
  });
  const kubeconfigPath = join(options.dataDir, 'kubeconfig');
  await sim.writeKubeconfig(kubeconfigPath);
  kc.loadFromFile(kubeconfigPath);
  allowPlainHttp(kc);
  return {
    kubernetes: new ClientNodeKubernetes(kc),
    description: `simulated, at ${sim.url}`,
    kubeconfigPath,
    simulated: sim,
    stop: () => sim.stop(),
  };
}
