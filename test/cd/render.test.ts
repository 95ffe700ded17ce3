import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { KubeObject } from '../../shared/core/objects.js';
import type { JsonObject } from '../../shared/core/types.js';
import { IsomorphicGitSource } from '../../shared/adapters/git/isomorphic-git-source.js';
import { RenderError } from '../../shared/cd/ports.js';
import type { Checkout, RenderRequest } from '../../shared/cd/ports.js';
import { ToolRenderer, envsubst } from '../../shared/cd/render/index.js';
import { parseManifestFile } from '../../shared/cd/render/directory.js';
import {
  applyKustomizeOverrides,
  parseImageArg,
  splitImage,
} from '../../shared/cd/render/kustomize.js';
import { cleanSetValue } from '../../shared/cd/render/helm.js';
import { locateTools } from '../../shared/cd/render/tools.js';
import { startGitServer } from '../support/git-server.js';
import type { GitServer } from '../support/git-server.js';
import { tempDirs } from '../support/temp-dirs.js';
import { corpusRoot } from '../support/corpus.js';

const fixtures = fileURLToPath(new URL('./fixtures/render', import.meta.url));
const repo = join(fixtures, 'repo');
const tempDir = tempDirs('render');

function at(dir: string): Checkout {
  return { repoURL: 'https://example.com/org/repo.git', commit: 'c'.repeat(40), dir };
}

function request(
  source: JsonObject,
  dir = repo,
  extra: Partial<RenderRequest> = {},
): RenderRequest {
  return {
    source: { repoURL: 'https://example.com/org/repo.git', targetRevision: 'main', ...source },
    checkout: at(dir),
    appName: 'web-app',
    namespace: 'production',
    ...extra,
  };
}

const names = (objs: KubeObject[]) => objs.map((o) => `${o.kind}/${o.metadata.name}`);
const find = (objs: KubeObject[], kind: string) => objs.find((o) => o.kind === kind)!;

async function renderError(p: Promise<unknown>): Promise<RenderError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RenderError);
  return err as RenderError;
}

let renderer: ToolRenderer;
beforeAll(async () => {
  // Extracting kubectl and helm must work here: a failure is the test's failure, with the reason.
  const tools = await locateTools();
  renderer = new ToolRenderer({ tools, workDir: await tempDir() });
});

describe('Directory sources', () => {
  it('reads YAML (multi-document) and JSON files, flattens Lists, ignores other files', async () => {
    const out = await renderer.render(request({ path: '.' }, join(fixtures, 'directory')));
    expect(out.sourceType).toBe('Directory');
    expect(names(out.manifests)).toEqual([
      'Deployment/guestbook',
      'Service/guestbook',
      'ConfigMap/from-json',
      'ConfigMap/from-list-a',
      'ConfigMap/from-list-b',
    ]);
  });

  it('recurse adds sub-directories', async () => {
    const out = await renderer.render(
      request({ directory: { recurse: true } }, join(fixtures, 'directory')),
    );
    expect(names(out.manifests)).toContain('ConfigMap/nested');
    expect(names(out.manifests)).toContain('Secret/extra');
  });

  it.each([
    [
      { recurse: true, include: '{app.yaml,sub/*.yml}' },
      ['Deployment/guestbook', 'Service/guestbook', 'Secret/extra'],
    ],
    [
      { recurse: true, include: '*.yaml', exclude: '{list.yaml,sub/*}' },
      ['Deployment/guestbook', 'Service/guestbook'],
    ],
    [{ recurse: true, exclude: '*' }, []],
  ])('include/exclude globs %j', async (directory, want) => {
    const out = await renderer.render(request({ directory }, join(fixtures, 'directory')));
    expect(names(out.manifests)).toEqual(want);
  });

  it('a file that looks like a manifest but is not one is rejected with its name', async () => {
    const err = await renderError(renderer.render(request({}, join(fixtures, 'broken'))));
    expect(err.message).toContain('"bad.yaml"');
    expect(err.message).toContain("Object 'Kind' is missing");
  });

  it.each([
    ['values.yaml', 'replicaCount: 1\n', 0],
    ['two.yaml', 'kind: A\nmetadata: {name: a}\n---\nkind: B\n', 2],
  ])('parseManifestFile(%s)', (name, text, count) => {
    expect(parseManifestFile(name, text)).toHaveLength(count);
  });

  it('a second document without kind after a valid one is an error', () => {
    expect(() => parseManifestFile('x.yaml', 'kind: A\n---\nfoo: bar\n')).toThrow(/"x.yaml"/);
  });

  it('jsonnet is refused with a clear error', async () => {
    const err = await renderError(renderer.render(request({}, join(fixtures, 'jsonnet'))));
    expect(err.message).toMatch(/jsonnet is not supported: "app.jsonnet"/);
  });

  it('a path outside the repository or missing is an error naming spec.source.path', async () => {
    expect((await renderError(renderer.render(request({ path: '../..' })))).message).toMatch(
      /spec.source.path .*leaves the repository/,
    );
    expect((await renderError(renderer.render(request({ path: 'nope' })))).message).toMatch(
      /app path does not exist/,
    );
  });
});

describe('Kustomize sources', () => {
  it('the seed production overlay with kustomize.images sets the image tag', async () => {
    const out = await renderer.render(
      request({
        path: 'apps/web-app/overlays/production',
        kustomize: { images: ['myregistry/web-app:v1.2.0'] },
      }),
    );
    expect(out.sourceType).toBe('Kustomize');
    const deploy = find(out.manifests, 'Deployment') as JsonObject;
    expect(deploy).toMatchObject({
      metadata: { name: 'web-app', namespace: 'production', labels: { env: 'production' } },
      spec: {
        replicas: 3,
        template: { spec: { containers: [{ image: 'myregistry/web-app:v1.2.0' }] } },
      },
    });
  });

  it('without overrides the overlay renders as committed (discovered as Kustomize)', async () => {
    const out = await renderer.render(request({ path: 'apps/web-app/overlays/production' }));
    expect(out.sourceType).toBe('Kustomize');
    expect(JSON.stringify(find(out.manifests, 'Deployment'))).toContain(
      'myregistry/web-app:latest',
    );
  });

  it('namePrefix, nameSuffix, commonLabels, commonAnnotations and namespace apply', async () => {
    const out = await renderer.render(
      request({
        path: 'apps/web-app/base',
        kustomize: {
          namePrefix: 'prod-',
          nameSuffix: '-v2',
          commonLabels: { team: 'web', rev: '${ARGOCD_APP_REVISION_SHORT}' },
          commonAnnotations: { owner: 'me' },
          namespace: 'staging',
          replicas: [{ name: 'web-app', count: '5' }],
        },
      }),
    );
    expect(names(out.manifests).sort()).toEqual([
      'Deployment/prod-web-app-v2',
      'Service/prod-web-app-v2',
    ]);
    const deploy = find(out.manifests, 'Deployment') as JsonObject;
    expect(deploy).toMatchObject({
      metadata: {
        namespace: 'staging',
        labels: { team: 'web', rev: 'ccccccc' },
        annotations: { owner: 'me' },
      },
      spec: { replicas: 5, selector: { matchLabels: { team: 'web' } } },
    });
  });

  it('the checkout is left untouched by the overrides', async () => {
    const file = join(repo, 'apps/web-app/overlays/production/kustomization.yaml');
    const before = await readFile(file, 'utf8');
    await renderer.render(
      request({ path: 'apps/web-app/overlays/production', kustomize: { namePrefix: 'x-' } }),
    );
    expect(await readFile(file, 'utf8')).toBe(before);
  });

  it('a common label already in the kustomization needs forceCommonLabels', async () => {
    const source = {
      path: 'apps/web-app/overlays/production',
      kustomize: { commonLabels: { env: 'prod' } },
    };
    const err = await renderError(renderer.render(request(source)));
    expect(err.message).toMatch(/label env already in kustomization file/);
    const forced = await renderer.render(
      request({ ...source, kustomize: { ...source.kustomize, forceCommonLabels: true } }),
    );
    expect(find(forced.manifests, 'Deployment').metadata.labels).toMatchObject({ env: 'prod' });
  });

  it("kustomize's own error reaches the user as a RenderError", async () => {
    const err = await renderError(
      renderer.render(
        request({ path: 'apps/web-app/base', kustomize: { patches: [{ path: 'missing.yaml' }] } }),
      ),
    );
    expect(err.message).toMatch(/kubectl kustomize failed/);
    expect(err.message).toContain('missing.yaml');
  });

  it.each([
    ['myregistry/web-app:v1.2.0', { name: 'myregistry/web-app', newTag: 'v1.2.0' }],
    [
      'nginx=my.registry:5000/nginx:1.25',
      { name: 'nginx', newName: 'my.registry:5000/nginx', newTag: '1.25' },
    ],
    ['alpine@sha256:abc', { name: 'alpine', digest: 'sha256:abc' }],
    ['mysql=mariadb', { name: 'mysql', newName: 'mariadb' }],
  ])('kustomize edit set image %s', (arg, want) => {
    expect(parseImageArg(arg)).toEqual(want);
  });

  it('an image with nothing to set is refused', () => {
    expect(() => parseImageArg('nginx')).toThrow(RenderError);
  });

  it('splitImage keeps a registry port in the name', () => {
    expect(splitImage('localhost:5000/app:1@sha256:x')).toEqual({
      name: 'localhost:5000/app',
      tag: '1',
      digest: 'sha256:x',
    });
  });

  it('set image replaces an entry of the same name, keeps others, sorts, and * preserves', () => {
    const k: JsonObject = {
      images: [
        { name: 'b', newTag: '1' },
        { name: 'a', newName: 'x', newTag: 'old' },
      ],
    };
    applyKustomizeOverrides(k, { images: ['a=*:new', 'c:3'] }, (s) => s);
    expect(k.images).toEqual([
      { name: 'a', newName: 'x', newTag: 'new' },
      { name: 'b', newTag: '1' },
      { name: 'c', newTag: '3' },
    ]);
  });

  it('labelWithoutSelector writes a labels entry that leaves selectors alone', () => {
    const k: JsonObject = {};
    applyKustomizeOverrides(
      k,
      { commonLabels: { a: '1' }, labelWithoutSelector: true, labelIncludeTemplates: true },
      (s) => s,
    );
    expect(k.labels).toEqual([{ pairs: { a: '1' }, includeTemplates: true }]);
  });
});

describe('Helm sources', () => {
  const chart = 'charts/web';

  it('discovers the chart, names the release after the app and includes CRDs', async () => {
    const out = await renderer.render(request({ path: chart }, repo, { kubeVersion: '1.31.0' }));
    expect(out.sourceType).toBe('Helm');
    expect(names(out.manifests).sort()).toEqual([
      'ConfigMap/web-app-config',
      'CustomResourceDefinition/widgets.example.com',
      'Deployment/web-app-web',
    ]);
    expect(find(out.manifests, 'Deployment').metadata.namespace).toBe('production');
    expect(find(out.manifests, 'ConfigMap').data).toMatchObject({ kube: 'v1.31.0' });
  });

  it('valueFiles, parameters, values, releaseName, namespace and skipCrds apply', async () => {
    const out = await renderer.render(
      request({
        path: chart,
        helm: {
          releaseName: 'web',
          namespace: 'web-ns',
          valueFiles: ['values-production.yaml', 'missing.yaml'],
          ignoreMissingValueFiles: true,
          parameters: [
            { name: 'image.tag', value: '$ARGOCD_APP_NAME-1' },
            { name: 'extra', value: 'a,b' },
            { name: 'list', value: '{x,y}' },
          ],
          values: 'greeting: from values\n',
          skipCrds: true,
        },
      }),
    );
    expect(names(out.manifests).sort()).toEqual(['ConfigMap/web-config', 'Deployment/web-web']);
    const deploy = find(out.manifests, 'Deployment') as JsonObject;
    expect(deploy).toMatchObject({
      metadata: { namespace: 'web-ns' },
      spec: {
        replicas: 3,
        template: { spec: { containers: [{ image: 'myregistry/web-app:web-app-1' }] } },
      },
    });
    expect(find(out.manifests, 'ConfigMap').data).toMatchObject({
      greeting: 'from values',
      extra: 'a,b',
      list: 'x+y',
    });
  });

  it('valuesObject wins over values; forceString keeps a number a string', async () => {
    const out = await renderer.render(
      request({
        path: chart,
        helm: {
          values: 'greeting: from values\n',
          valuesObject: { greeting: 'from valuesObject' },
          parameters: [{ name: 'extra', value: '0123', forceString: true }],
        },
      }),
    );
    expect(find(out.manifests, 'ConfigMap').data).toMatchObject({
      greeting: 'from valuesObject',
      extra: '0123',
    });
  });

  it('a $ref value file comes from the referenced source', async () => {
    const out = await renderer.render(
      request({ path: chart, helm: { valueFiles: ['$values/envs/shared-values.yaml'] } }, repo, {
        refs: { values: at(repo) },
      }),
    );
    expect(find(out.manifests, 'ConfigMap').data).toMatchObject({
      greeting: 'hello from the shared values repo',
    });
  });

  it('a missing value file is an error unless ignoreMissingValueFiles', async () => {
    const err = await renderError(
      renderer.render(request({ path: chart, helm: { valueFiles: ['nope.yaml'] } })),
    );
    expect(err.message).toMatch(
      /spec.source.helm.valueFiles\[0\]: value file "nope.yaml" does not exist/,
    );
  });

  it('a value file may not leave the repository', async () => {
    const err = await renderError(
      renderer.render(request({ path: chart, helm: { valueFiles: ['../../../../etc/passwd'] } })),
    );
    expect(err.message).toMatch(/outside repository root/);
  });

  it("helm's template error reaches the user with its message", async () => {
    const err = await renderError(
      renderer.render(
        request({ path: chart, helm: { parameters: [{ name: 'image', value: 'flat' }] } }),
      ),
    );
    expect(err.message).toMatch(/helm template failed/);
  });

  it('two explicit tool fields are an error', async () => {
    const err = await renderError(
      renderer.render(request({ path: chart, helm: {}, kustomize: {} })),
    );
    expect(err.message).toBe('multiple application sources defined: Kustomize,Helm');
  });

  it.each([
    ['a,b', 'a\\,b'],
    ['a\\,b', 'a\\,b'],
    ['{a,b}', '{a,b}'],
  ])('--set value %s is passed as %s', (value, want) => {
    expect(cleanSetValue(value)).toBe(want);
  });
});

describe('limits', () => {
  it('a render longer than the timeout is stopped with a RenderError', async () => {
    const slow = new ToolRenderer({
      tools: await locateTools(),
      timeoutMs: 1,
      workDir: await tempDir(),
    });
    const err = await renderError(slow.render(request({ path: 'charts/web' })));
    expect(err.message).toMatch(/timed out/);
  });

  it('output over the limit is stopped with a RenderError', async () => {
    const small = new ToolRenderer({
      tools: await locateTools(),
      maxOutputBytes: 100,
      workDir: await tempDir(),
    });
    const err = await renderError(small.render(request({ path: 'charts/web' })));
    expect(err.message).toMatch(/more than 100 bytes/);
  });
});

describe('build environment', () => {
  it.each([
    ['$ARGOCD_APP_NAME', 'app'],
    ['${ARGOCD_APP_NAME}-x', 'app-x'],
    ['$$ARGOCD_APP_NAME', '$ARGOCD_APP_NAME'],
    ['$UNKNOWN', ''],
    ['price $', 'price $'],
  ])('envsubst(%s) = %s', (text, want) => {
    expect(envsubst(text, { ARGOCD_APP_NAME: 'app' })).toBe(want);
  });
});

describe('end to end: the seed Application from git', () => {
  let server: GitServer;
  beforeAll(async () => {
    server = await startGitServer();
    await server.createRepoFromDir('myorg/k8s-configs', repo);
  });
  afterAll(() => server.stop());

  it('resolves main, checks out and renders the production overlay with the seed image', async () => {
    const seed = parseYaml(await readFile(join(corpusRoot, 'seeds/application.yaml'), 'utf8')) as {
      spec: { source: JsonObject };
    };
    const url = server.url('myorg/k8s-configs');
    const source: JsonObject = { ...seed.spec.source, repoURL: url };
    const git = new IsomorphicGitSource({ cacheDir: await tempDir() });
    const commit = await git.resolve(url, String(source.targetRevision));
    const checkout = await git.checkout(url, commit);
    const out = await renderer.render({
      source,
      checkout,
      appName: 'web-app',
      namespace: 'production',
    });
    expect(out.sourceType).toBe('Kustomize');
    expect(JSON.stringify(find(out.manifests, 'Deployment'))).toContain(
      '"image":"myregistry/web-app:v1.2.0"',
    );
  });
});

describe('charts from a Helm repository', () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    const { helm } = await locateTools();
    const dir = await tempDir();
    const run = promisify(execFile);
    const home = { ...process.env, HOME: dir, HELM_CACHE_HOME: join(dir, 'c') };
    await run(helm, ['package', join(repo, 'charts/web'), '--destination', dir], { env: home });
    server = createServer((req, res) => {
      readFile(join(dir, (req.url ?? '/').slice(1))).then(
        (body) => res.end(body),
        () => res.writeHead(404).end(),
      );
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await run(helm, ['repo', 'index', dir, '--url', base], { env: home });
  });
  afterAll(() => new Promise<void>((ok) => server.close(() => ok())));

  it('pulls chart + version from repoURL and templates it with the helm settings', async () => {
    const out = await renderer.render({
      source: {
        repoURL: base,
        chart: 'web',
        targetRevision: '0.1.0',
        helm: { releaseName: 'pulled', parameters: [{ name: 'replicaCount', value: '2' }] },
      },
      appName: 'web-app',
      namespace: 'production',
    });
    expect(out.sourceType).toBe('Helm');
    expect(find(out.manifests, 'Deployment')).toMatchObject({
      metadata: { name: 'pulled-web' },
      spec: { replicas: 2 },
    });
  });

  it('an unknown chart version is a RenderError from helm pull', async () => {
    const err = await renderError(
      renderer.render({
        source: { repoURL: base, chart: 'web', targetRevision: '9.9.9' },
        appName: 'web-app',
        namespace: 'production',
      }),
    );
    expect(err.message).toMatch(/helm pull failed/);
  });
});
