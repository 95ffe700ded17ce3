/**
 * Argo CD's repository credential lookup (util/db): a Secret labelled
 * `argocd.argoproj.io/secret-type: repository` whose `url` is the same repository (normalised)
 * gives the repository's credentials; when it has none, the `repo-creds` Secret whose `url` is the
 * longest prefix of the repository URL lends its credentials (credential templates).
 */
import type { SecretObject, Secrets } from '../../core/ports.js';
import { normalizeGitUrl } from '../../cd/project.js';
import type { RepoCredentials } from '../../cd/ports.js';

export const SECRET_TYPE_LABEL = 'argocd.argoproj.io/secret-type';

export interface RepoCredentialOptions {
  /** Only Secrets of this namespace count (Argo reads its own namespace); all when absent. */
  namespace?: string;
  /** The Application's project: a repository Secret scoped to it wins over an unscoped one. */
  project?: string;
}

// Argo's SameURL: both sides normalise and are equal; an unparsable URL matches nothing.
function sameURL(a: string, b: string): boolean {
  const na = normalizeGitUrl(a);
  const nb = normalizeGitUrl(b);
  return na !== '' && nb !== '' && na === nb;
}

function credentialsOf(secret: SecretObject): RepoCredentials {
  const d = secret.data;
  const creds: RepoCredentials = {};
  if (d.username) creds.username = d.username;
  if (d.password) creds.password = d.password;
  if (d.bearerToken) creds.bearerToken = d.bearerToken;
  return creds;
}

// Argo's Repository.HasCredentials, restricted to what an https client can use.
function hasCredentials(secret: SecretObject): boolean {
  const d = secret.data;
  return Boolean((d.username && d.password) || d.bearerToken);
}

/** Argo's getRepositorySecret: the project-scoped Secret first, else an unscoped one. */
export function findRepositorySecret(
  secrets: SecretObject[],
  repoURL: string,
  project = '',
): SecretObject | undefined {
  let fallback: SecretObject | undefined;
  for (const secret of secrets) {
    if (!sameURL(secret.data.url ?? '', repoURL)) continue;
    const scope = secret.data.project ?? '';
    if (scope === project) return secret;
    if (scope === '' && !fallback) fallback = secret;
  }
  return fallback;
}

/** Argo's getRepositoryCredentialIndex: the longest normalised `url` prefix wins. */
export function findRepoCredsSecret(
  secrets: SecretObject[],
  repoURL: string,
): SecretObject | undefined {
  const repo = normalizeGitUrl(repoURL);
  let best: SecretObject | undefined;
  let bestLength = 0;
  for (const secret of secrets) {
    const prefix = normalizeGitUrl(secret.data.url ?? '');
    if (repo.startsWith(prefix) && prefix.length > bestLength) {
      best = secret;
      bestLength = prefix.length;
    }
  }
  return best;
}

/** The credentials Argo CD would use for `repoURL`, or undefined for an anonymous fetch. */
export async function lookupRepoCredentials(
  secrets: Secrets,
  repoURL: string,
  options: RepoCredentialOptions = {},
): Promise<RepoCredentials | undefined> {
  const inScope = (list: SecretObject[]) =>
    options.namespace === undefined ? list : list.filter((s) => s.namespace === options.namespace);
  const repositories = inScope(await secrets.listByLabel({ [SECRET_TYPE_LABEL]: 'repository' }));
  const repository = findRepositorySecret(repositories, repoURL, options.project);
  if (repository && hasCredentials(repository)) return credentialsOf(repository);

  const templates = inScope(await secrets.listByLabel({ [SECRET_TYPE_LABEL]: 'repo-creds' }));
  const template = findRepoCredsSecret(templates, repoURL);
  if (!template) return repository && credentialsOf(repository);
  // Argo's CopyCredentialsFrom: the template fills only what the repository Secret left empty.
  return { ...credentialsOf(template), ...(repository ? credentialsOf(repository) : {}) };
}

/** `lookupRepoCredentials` bound to a store, in the shape IsomorphicGitSource takes. */
export function repoCredentialsFrom(
  secrets: Secrets,
  options: RepoCredentialOptions = {},
): (repoURL: string) => Promise<RepoCredentials | undefined> {
  return (repoURL) => lookupRepoCredentials(secrets, repoURL, options);
}
