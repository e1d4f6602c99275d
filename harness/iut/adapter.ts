// What the testbed asks of an implementation under test (a MAG or LMA daemon), whatever it is:
// write its configuration for the topology, start it in its node, say when it is ready, stop it,
// and show its state. The testbed hands every adapter the same IutContext; an adapter for a
// particular daemon (pmipd, OAI PMIPv6, OPMIP) turns `vars` into that daemon's config format.
import type { KernelFeature } from '../kernel-features.js';
import type { NsExecOptions, NsExecResult } from '../netns.js';
import type { Supervisor } from '../process/supervisor.js';
import type { Topology, TopologyNode } from '../topology/model.js';
import type { IutSpec } from '../topology/schema.js';
import type { IutVars } from './vars.js';

export interface IutContext {
  runId: string;
  topology: Topology;
  node: TopologyNode;
  netns: string;
  /** The node's own directory for config files, pid files, sockets (created before prepare). */
  configDir: string;
  /** Where the implementation's output goes. */
  logFile: string;
  /** Everything about the topology a config needs, from this node's point of view. */
  vars: IutVars;
  supervisor: Supervisor;
  /** Runs a command inside the node. */
  exec(cmd: string, args: string[], opts?: NsExecOptions): Promise<NsExecResult>;
}

export interface RunningIut {
  /** Resolves once the implementation can serve (e.g. answers RS, accepts PBUs). */
  ready(timeoutMs: number): Promise<void>;
  stop(): Promise<void>;
  /** The implementation's own view of its bindings, or null if it cannot dump one. */
  bindingCache(): Promise<string | null>;
  readonly pid: number;
}

export interface IutAdapter {
  readonly name: string;
  /** Kernel features the node's implementation needs; checked before anything is built. */
  requiredFeatures(spec: IutSpec): KernelFeature[];
  /** Writes the configuration (under ctx.configDir); nothing runs yet. */
  prepare(ctx: IutContext): Promise<void>;
  start(ctx: IutContext): Promise<RunningIut>;
}

/** An implementation that did not start or did not become ready: says which node and why. */
export class IutError extends Error {
  override readonly name = 'IutError';
  constructor(readonly node: string, readonly adapter: string, message: string) {
    super(`IUT of node ${node} (${adapter} adapter): ${message}`);
  }
}
