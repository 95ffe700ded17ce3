/**
 * The simulated cluster in a process of its own, for benchmarks: the control plane's CPU is then
 * measured apart from the cluster it drives. Writes a kubeconfig to argv[2], prints `ready`, and
 * on SIGTERM prints its own CPU time (ms) as JSON and exits.
 */
import { startSimCluster } from '../shared/adapters/local/sim-cluster/server.js';

const sim = await startSimCluster({
  controllers: { podStartMs: 0, podRunMs: 0, tickMs: Number(process.env['SIM_TICK_MS'] ?? '5') },
});
await sim.writeKubeconfig(process.argv[2]!);
process.stdout.write('ready\n');
process.on('SIGTERM', () => {
  const cpu = process.cpuUsage();
  process.stdout.write(JSON.stringify({ cpuMs: (cpu.user + cpu.system) / 1000 }) + '\n');
  void sim.stop().finally(() => process.exit(0));
});
