import { describe, expect, it } from 'vitest';
import { applyObjectCommand, jsonPatch, mergePatch, sameJson } from '../../shared/core/objects.js';
import type { KubeObject, ObjectOutcome } from '../../shared/core/objects.js';

const KEY = 'in-cluster/Application/argocd/guestbook';
const ctx = (at = 1_000, messageId = 'm1') => ({ key: KEY, messageId, at });
const app = (spec: object = { project: 'default' }, meta: object = {}): KubeObject => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Application',
  metadata: { name: 'guestbook', namespace: 'argocd', ...meta },
  spec: spec as KubeObject['spec'],
});
const ok = (o: ObjectOutcome) => {
  if (!o.ok) throw new Error(o.reason);
  return o;
};

describe('object lifecycle', () => {
  it('create sets uid, generation 1 and creationTimestamp; ignores client-set server fields and status', () => {
    const out = ok(
      applyObjectCommand(
        null,
        { type: 'Apply', object: { ...app({}, { uid: 'x', generation: 9 }), status: { a: 1 } } },
        ctx(),
      ),
    );
    expect(out.change).toBe('created');
    expect(out.object?.metadata.generation).toBe(1);
    expect(out.object?.metadata.uid).not.toBe('x');
    expect(out.object?.metadata.creationTimestamp).toBe('1970-01-01T00:00:01.000Z');
    expect(out.object?.status).toBeUndefined();
  });

  it('the uid is the same on replay and differs for another creating message', () => {
    const a = ok(applyObjectCommand(null, { type: 'Apply', object: app() }, ctx())).object!;
    const b = ok(applyObjectCommand(null, { type: 'Apply', object: app() }, ctx())).object!;
    const c = ok(
      applyObjectCommand(null, { type: 'Apply', object: app() }, ctx(1_000, 'm2')),
    ).object!;
    expect(a.metadata.uid).toBe(b.metadata.uid);
    expect(a.metadata.uid).not.toBe(c.metadata.uid);
  });

  it('re-applying the same object is unchanged; a spec change bumps generation; a label change does not', () => {
    const v1 = ok(applyObjectCommand(null, { type: 'Apply', object: app() }, ctx())).object!;
    expect(ok(applyObjectCommand(v1, { type: 'Apply', object: app() }, ctx())).change).toBe(
      'unchanged',
    );
    const labelled = ok(
      applyObjectCommand(
        v1,
        { type: 'Apply', object: app({ project: 'default' }, { labels: { a: 'b' } }) },
        ctx(),
      ),
    );
    expect(labelled.change).toBe('updated');
    expect(labelled.object?.metadata.generation).toBe(1);
    const changed = ok(
      applyObjectCommand(v1, { type: 'Apply', object: app({ project: 'other' }) }, ctx()),
    );
    expect(changed.object?.metadata.generation).toBe(2);
    expect(changed.object?.metadata.uid).toBe(v1.metadata.uid);
  });

  it('a stale resourceVersion is a conflict', () => {
    const v1 = { ...ok(applyObjectCommand(null, { type: 'Apply', object: app() }, ctx())).object! };
    v1.metadata = { ...v1.metadata, resourceVersion: '5' };
    const out = applyObjectCommand(
      v1,
      { type: 'Apply', object: app({}, { resourceVersion: '4' }) },
      ctx(),
    );
    expect(out).toMatchObject({ ok: false, code: 'Conflict' });
  });

  it('an object whose identity does not match its key is invalid', () => {
    const other = { ...app(), metadata: { name: 'other', namespace: 'argocd' } };
    expect(applyObjectCommand(null, { type: 'Apply', object: other }, ctx())).toMatchObject({
      ok: false,
      code: 'Invalid',
    });
  });

  it('merge and JSON patch; a failed test operation refuses the patch', () => {
    const v1 = ok(
      applyObjectCommand(null, { type: 'Apply', object: app({ project: 'a', x: 1 }) }, ctx()),
    ).object!;
    const merged = ok(
      applyObjectCommand(
        v1,
        { type: 'Patch', patchType: 'merge', patch: { spec: { x: null, y: 2 } } },
        ctx(),
      ),
    );
    expect(merged.object?.spec).toEqual({ project: 'a', y: 2 });
    const patched = ok(
      applyObjectCommand(
        v1,
        {
          type: 'Patch',
          patchType: 'json',
          patch: [{ op: 'replace', path: '/spec/project', value: 'b' }],
        },
        ctx(),
      ),
    );
    expect(patched.object?.spec).toMatchObject({ project: 'b' });
    const failed = applyObjectCommand(
      v1,
      {
        type: 'Patch',
        patchType: 'json',
        patch: [{ op: 'test', path: '/spec/project', value: 'zzz' }],
      },
      ctx(),
    );
    expect(failed).toMatchObject({ ok: false, code: 'Invalid' });
    expect(
      applyObjectCommand(null, { type: 'Patch', patchType: 'merge', patch: {} }, ctx()),
    ).toMatchObject({ ok: false, code: 'NotFound' });
  });

  it('a patch cannot change server-owned metadata', () => {
    const v1 = ok(applyObjectCommand(null, { type: 'Apply', object: app() }, ctx())).object!;
    const out = ok(
      applyObjectCommand(
        v1,
        {
          type: 'Patch',
          patchType: 'merge',
          patch: { metadata: { uid: 'forged', generation: 99 } },
        },
        ctx(),
      ),
    );
    expect(out.object?.metadata.uid).toBe(v1.metadata.uid);
    expect(out.object?.metadata.generation).toBe(1);
  });

  it('delete without finalizers removes; with finalizers sets deletionTimestamp until they are removed', () => {
    const plain = ok(applyObjectCommand(null, { type: 'Apply', object: app() }, ctx())).object!;
    expect(ok(applyObjectCommand(plain, { type: 'Delete' }, ctx()))).toMatchObject({
      object: null,
      change: 'deleted',
    });
    const guarded = ok(
      applyObjectCommand(
        null,
        {
          type: 'Apply',
          object: app({}, { finalizers: ['resources-finalizer.argocd.argoproj.io'] }),
        },
        ctx(),
      ),
    ).object!;
    const deleting = ok(applyObjectCommand(guarded, { type: 'Delete' }, ctx(5_000)));
    expect(deleting.change).toBe('deleting');
    expect(deleting.object?.metadata.deletionTimestamp).toBe('1970-01-01T00:00:05.000Z');
    expect(ok(applyObjectCommand(deleting.object, { type: 'Delete' }, ctx(6_000))).change).toBe(
      'unchanged',
    );
    const gone = ok(
      applyObjectCommand(
        deleting.object,
        { type: 'Patch', patchType: 'merge', patch: { metadata: { finalizers: null } } },
        ctx(),
      ),
    );
    expect(gone).toMatchObject({ object: null, change: 'deleted' });
    expect(applyObjectCommand(null, { type: 'Delete' }, ctx())).toMatchObject({
      ok: false,
      code: 'NotFound',
    });
  });

  it('merge patch follows RFC 7386', () => {
    const cases: [unknown, unknown, unknown][] = [
      [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
      [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
      [{ a: 'b' }, { a: null }, {}],
      [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
      [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
      [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
      [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
      [
        ['a', 'b'],
        ['c', 'd'],
        ['c', 'd'],
      ],
      [{ a: 'b' }, ['c'], ['c']],
      [{ e: null }, { a: 1 }, { e: null, a: 1 }],
      [[1, 2], { a: 'b', c: null }, { a: 'b' }],
      [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
    ];
    for (const [target, patch, expected] of cases) {
      expect(mergePatch(target as never, patch as never)).toEqual(expected);
    }
  });

  it('JSON patch does not mutate its input and reports the failing operation', () => {
    const doc = { a: [1, 2] };
    expect(jsonPatch(doc, [{ op: 'add', path: '/a/-', value: 3 }])).toEqual({ a: [1, 2, 3] });
    expect(doc).toEqual({ a: [1, 2] });
    expect(() => jsonPatch(doc, [{ op: 'remove', path: '/nope' }])).toThrow(/operation 0/);
    expect(() => jsonPatch(doc, { op: 'add' })).toThrow(/array/);
  });

  it('sameJson ignores key order', () => {
    expect(sameJson({ a: 1, b: { c: 2, d: 3 } }, { b: { d: 3, c: 2 }, a: 1 })).toBe(true);
    expect(sameJson({ a: [1, 2] }, { a: [2, 1] })).toBe(false);
  });
});
