import { benchWorkflows } from './workflows.js';
const shape = process.argv[2] as 'chain' | 'fanout';
const n = Number(process.argv[3]);
const r = await benchWorkflows({
  sizes: { fanout: shape === 'fanout' ? [n] : [], chain: shape === 'chain' ? [n] : [] },
  timeoutMs: 600_000,
  progress: (l) => console.error(l),
});
console.log(r);
