/**
 * From parameter sets to Application objects, as Argo's RenderTemplateParams and
 * GenerateApplications do, and the checks Argo runs on the result before writing anything.
 */
import YAML from 'yaml';
import { mergePatch } from '../../core/objects.js';
import type { Json, JsonObject } from '../../core/types.js';
import { generateParams, templateMode } from './generators/index.js';
import { deepReplace, isJsonObject, replaceString } from './templating.js';
import {
  AppSetError,
  RESOURCES_FINALIZER,
  type Application,
  type ApplicationSet,
  type ApplicationSetTemplate,
  type GeneratorInputs,
  type OwnerReference,
  type Params,
} from './types.js';

/** All Applications the ApplicationSet's generators and template produce, in generator order. */
export async function generateApplications(
  appSet: ApplicationSet,
  inputs: GeneratorInputs = {},
): Promise<Application[]> {
  const generated = await generateParams(appSet, inputs);
  return generated.flatMap((g) => renderApplications(appSet, g.params, g.template));
}

/**
 * One Application per parameter set. The Application's namespace is always the
 * ApplicationSet's (Argo's security boundary), and it names the ApplicationSet as its controller
 * in `metadata.ownerReferences` as Argo does; in our control plane that reference is a record of
 * ownership, not something a garbage collector acts on.
 */
export function renderApplications(
  appSet: ApplicationSet,
  params: readonly Params[],
  template: ApplicationSetTemplate = appSet.spec.template ?? {},
): Application[] {
  return params.map((p) => renderApplication(appSet, template, p));
}

function renderApplication(
  appSet: ApplicationSet,
  template: ApplicationSetTemplate,
  params: Params,
): Application {
  const mode = templateMode(appSet);
  const meta = template.metadata ?? {};
  let metadata: JsonObject = {};
  for (const key of ['name', 'namespace', 'labels', 'annotations', 'finalizers'] as const)
    if (meta[key] !== undefined) metadata[key] = meta[key] as Json;
  let spec: JsonObject = template.spec ?? {};
  // Argo returns the template untouched for an empty parameter set: no templating, no finalizer.
  if (Object.keys(params).length > 0) {
    metadata = deepReplace(metadata, params, mode);
    spec = deepReplace(spec, params, mode);
    const finalizers = metadata['finalizers'];
    if (
      !appSet.spec.syncPolicy?.preserveResourcesOnDeletion &&
      (!Array.isArray(finalizers) || finalizers.length === 0)
    )
      metadata['finalizers'] = [RESOURCES_FINALIZER];
  }
  let app = {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { ...metadata, name: typeof metadata['name'] === 'string' ? metadata['name'] : '' },
    spec,
  } as Application;
  if (appSet.spec.templatePatch)
    app = applyTemplatePatch(app, appSet.spec.templatePatch, params, appSet);
  const namespace = appSet.metadata.namespace;
  const { namespace: _ignored, ...rest } = app.metadata;
  app.metadata = {
    ...rest,
    ...(namespace ? { namespace } : {}),
    ownerReferences: [ownerReference(appSet) as unknown as JsonObject],
  };
  return app;
}

export function ownerReference(appSet: ApplicationSet): OwnerReference {
  return {
    apiVersion: appSet.apiVersion ?? 'argoproj.io/v1alpha1',
    kind: 'ApplicationSet',
    name: appSet.metadata.name,
    ...(appSet.metadata.uid ? { uid: appSet.metadata.uid } : {}),
    controller: true,
    blockOwnerDeletion: true,
  };
}

/**
 * `spec.templatePatch`: templated with the parameter set, read as YAML or JSON, merged into the
 * Application. Argo uses a strategic merge patch; Application has no list merge keys, so that
 * is a JSON merge patch here. The project cannot be changed by a patch.
 */
function applyTemplatePatch(
  app: Application,
  patch: string,
  params: Params,
  appSet: ApplicationSet,
): Application {
  const text = replaceString(patch, params, templateMode(appSet));
  let parsed: unknown;
  try {
    parsed = YAML.parse(text);
  } catch (err) {
    throw new AppSetError(
      `spec.templatePatch: error while converting template to json: ${(err as Error).message}`,
    );
  }
  if (parsed == null) return app;
  if (!isJsonObject(parsed))
    throw new AppSetError(
      'spec.templatePatch: the rendered patch must be a map (an Application fragment)',
    );
  const patched = mergePatch(app as unknown as Json, parsed) as unknown as Application;
  const project = isJsonObject(app.spec) ? app.spec['project'] : undefined;
  if (isJsonObject(patched.spec)) {
    if (project === undefined) delete patched.spec['project'];
    else patched.spec['project'] = project;
  }
  return patched;
}

export interface InvalidApplication {
  name: string;
  message: string;
}

export interface ValidatedApplications {
  valid: Application[];
  invalid: InvalidApplication[];
  /** The ErrorOccurred condition message Argo would set, when any is invalid. */
  conditionMessage?: string;
}

/**
 * Argo's validateGeneratedApplications (the name checks; project and destination checks belong
 * to whoever knows the AppProjects and clusters): every Application needs a name, and names are
 * unique. Argo keys its errors by name, so a duplicated name makes every Application of that
 * name invalid, the first one included.
 */
export function validateApplications(
  appSet: ApplicationSet,
  applications: readonly Application[],
): ValidatedApplications {
  const errors = new Map<string, string>();
  const seen = new Set<string>();
  for (const app of applications) {
    const name = app.metadata.name;
    if (!name)
      errors.set(
        '',
        `ApplicationSet ${appSet.metadata.name} contains an application with no name; a name must be set in the template's metadata.name or via a templatePatch (generateName is not supported)`,
      );
    else if (seen.has(name))
      errors.set(
        name,
        `ApplicationSet ${appSet.metadata.name} contains applications with duplicate name: ${name}`,
      );
    else seen.add(name);
  }
  const valid = applications.filter((a) => !errors.has(a.metadata.name ?? ''));
  if (errors.size === 0) return { valid, invalid: [] };
  const invalid = [...errors]
    .map(([name, message]) => ({ name, message }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  // Argo reports the message of the last name in order, and how many more there are.
  const last = invalid.at(-1)!;
  const conditionMessage =
    invalid.length > 1 ? `${last.message} (and ${invalid.length - 1} more)` : last.message;
  return { valid, invalid, conditionMessage };
}
