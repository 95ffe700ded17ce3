/**
 * Experiment specs checked as Argo's VerifyExperimentSpec does (a template without a selector or
 * selecting every pod, minReadySeconds beyond progressDeadlineSeconds, template names empty or
 * repeated), plus what Kubernetes would refuse when the Experiment creates its ReplicaSets (the
 * selector must match the template's labels) and a duration Go cannot parse. Argo marks such an
 * Experiment InvalidSpec; we refuse it when it is applied.
 */
import type { Checker, Obj } from './field-checks.js';
import {
  checkLabelSelector,
  checkReplicaSetTemplate,
  goDurationSeconds,
  intAt,
  isSet,
  listAt,
  objAt,
} from './field-checks.js';

/** Argo's default spec.progressDeadlineSeconds for Experiments. */
const DEFAULT_PROGRESS_DEADLINE_SECONDS = 600;

export function checkExperimentSpec(c: Checker, spec: Obj): void {
  const deadline = intAt(spec['progressDeadlineSeconds']) ?? DEFAULT_PROGRESS_DEADLINE_SECONDS;
  const duration = spec['duration'];
  if (typeof duration === 'string' && duration !== '') {
    const seconds = goDurationSeconds(duration);
    if (seconds === undefined)
      c.error('spec.duration', `"${duration}" is not a duration: write it as 30s, 5m or 1h`);
    else if (seconds < 0) c.error('spec.duration', 'must not be negative');
  }
  const names = new Set<string>();
  listAt(spec['templates']).forEach((t, i) => {
    const template = objAt(t);
    if (!template) return;
    const at = `spec.templates[${i}]`;
    const name = template['name'];
    if (name === '') c.error(`${at}.name`, 'must not be empty');
    else if (typeof name === 'string') {
      if (names.has(name)) c.error(`${at}.name`, `template name "${name}" is repeated`);
      names.add(name);
    }
    const replicas = intAt(template['replicas']);
    if (replicas !== undefined && replicas < 0) c.error(`${at}.replicas`, 'must be 0 or more');
    const minReady = intAt(template['minReadySeconds']) ?? 0;
    if (minReady > deadline)
      c.error(
        `${at}.minReadySeconds`,
        `${minReady} is longer than progressDeadlineSeconds (${deadline}): the template could never become available in time`,
      );
    const selector = template['selector'];
    const usable = isSet(selector) && checkLabelSelector(c, selector, `${at}.selector`);
    checkReplicaSetTemplate(
      c,
      template['template'],
      `${at}.template`,
      usable ? objAt(selector) : undefined,
    );
  });
}
