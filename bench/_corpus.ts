import type { KubeObject } from '../shared/core/objects.js';
import { runWorkflows } from '../cli/run.js';
import { corpusDocuments } from '../test/support/corpus.js';
const docs = corpusDocuments('argo-workflows/examples');
const objects: KubeObject[] = [];
for (const d of docs) {
  const o = structuredClone(d.object) as unknown as KubeObject;
  if (o.kind === 'Workflow') {
    const labels = (o.metadata.labels ?? {}) as Record<string, string>;
    if (labels['workflows.argoproj.io/no-test'] !== undefined) continue;
    o.metadata.annotations = {
      ...(o.metadata.annotations as Record<string, string> | undefined),
      'corpus-file': d.file,
    };
  }
  objects.push(o);
}
const only = process.argv[2];
const sel = objects.filter(
  (o) =>
    o.kind !== 'Workflow' ||
    !only ||
    (o.metadata.annotations as any)?.['corpus-file']?.includes(only),
);
const outcome = await runWorkflows(sel, {
  executor: 'host',
  parameters: {},
  timeoutMs: 30_000,
  progress: (l) => {
    if (l.includes('gc-ttl')) console.log(Date.now(), l);
  },
  inspect: async (e: any) => {
    for (const k of await e.runtime.store.listKeys('in-cluster/Workflow/default/gc-ttl')) {
      const ev = await e.runtime.events(k, { from: 1, limit: 100 });
      for (const it of ev)
        console.log(
          it.version,
          it.at,
          it.events
            .map(
              (x: any) =>
                x.event.type +
                (x.event.effectKind ? ':' + x.event.effectKind : '') +
                (x.rejected ? ' REJ ' + x.rejected : ''),
            )
            .join(','),
        );
    }
  },
});
const files = sel
  .filter((o) => o.kind === 'Workflow')
  .map((o) => (o.metadata.annotations as any)?.['corpus-file']);
let i = 0;
for (const w of outcome.workflows) {
  i++;
  if (!w) console.log('NULL at', i, files[i - 1]);
  else if ((w.status as any)?.phase !== 'Succeeded')
    console.log(
      (w.metadata.annotations as any)?.['corpus-file'],
      (w.status as any)?.phase,
      String((w.status as any)?.message).slice(0, 150),
    );
}
console.log('total', outcome.workflows.length);
