/**
 * Workflow nodes in Argo's `status.nodes` shape, and the deterministic names Argo gives them:
 * node ids `<workflow>-<fnv32a(node name)>`, pod names `<workflow>-<template>-<fnv32a(node name)>`
 * (Argo's v2 pod names), node names `<workflow>[0].step`, `<workflow>.task`, `name(0)` for retries
 * and `name(0:item)` for loop items.
 */
import type { Json, JsonObject } from '../core/types.js';

export type NodePhase =
  'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Error' | 'Skipped' | 'Omitted';
export type WorkflowPhase = '' | 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Error';

export type NodeType =
  | 'Pod'
  | 'Container'
  | 'Steps'
  | 'StepGroup'
  | 'DAG'
  | 'TaskGroup'
  | 'Retry'
  | 'Skipped'
  | 'Suspend'
  | 'HTTP'
  | 'Plugin';

export interface NodeParameter {
  name: string;
  value?: string;
  default?: string;
  enum?: string[];
  globalName?: string;
  valueFrom?: JsonObject;
  description?: string;
}

export interface NodeArtifact {
  name: string;
  path?: string;
  globalName?: string;
  optional?: boolean;
  /** Where the bytes are: a key in the artifact repository (Argo's `s3.key` shape). */
  s3?: { key: string; bucket?: string };
  raw?: { data: string };
  http?: JsonObject;
  git?: JsonObject;
  [field: string]: Json | undefined;
}

export interface NodeOutputs {
  parameters?: NodeParameter[];
  artifacts?: NodeArtifact[];
  result?: string;
  exitCode?: string;
}

export interface NodeStatus {
  id: string;
  name: string;
  displayName: string;
  type: NodeType;
  templateName?: string;
  templateRef?: { name: string; template: string; clusterScope?: boolean };
  templateScope: string;
  phase: NodePhase;
  boundaryID?: string;
  message?: string;
  startedAt: string;
  finishedAt?: string | null;
  progress?: string;
  children?: string[];
  outboundNodes?: string[];
  inputs?: { parameters?: NodeParameter[]; artifacts?: NodeArtifact[] };
  outputs?: NodeOutputs;
  hostNodeName?: string;
  daemoned?: boolean;
  /** Cluster the node's pod runs on (our multi-cluster extension). */
  cluster?: string;
}

export function fnv32a(text: string): number {
  let hash = 0x811c9dc5;
  // Over UTF-8 bytes, as Go hashes strings; ASCII names (the usual case) skip the encoding.
  const bytes: Iterable<number> = /^[\x00-\x7f]*$/.test(text)
    ? asciiCodes(text)
    : Buffer.from(text, 'utf8');
  for (const byte of bytes) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

function* asciiCodes(text: string): Iterable<number> {
  for (let i = 0; i < text.length; i++) yield text.charCodeAt(i);
}

export function nodeId(workflowName: string, nodeName: string): string {
  return nodeName === workflowName ? workflowName : `${workflowName}-${fnv32a(nodeName)}`;
}

const MAX_POD_PREFIX = 253 - 10 - 1;

export function podName(
  workflowName: string,
  nodeName: string,
  templateName: string | undefined,
): string {
  if (workflowName === nodeName) return workflowName;
  let prefix = templateName ? `${workflowName}-${templateName}` : workflowName;
  if (prefix.length > MAX_POD_PREFIX - 1) prefix = prefix.slice(0, MAX_POD_PREFIX - 1);
  return `${prefix}-${fnv32a(nodeName)}`;
}

export function isFulfilled(phase: NodePhase): boolean {
  return (
    phase === 'Succeeded' ||
    phase === 'Failed' ||
    phase === 'Error' ||
    phase === 'Skipped' ||
    phase === 'Omitted'
  );
}

export function isFailedOrError(phase: NodePhase): boolean {
  return phase === 'Failed' || phase === 'Error';
}

export function isoTime(ms: number): string {
  // Argo's timestamps have second precision (metav1.Time).
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}
