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

/** The IPv6-in-IPv6 data planes pmipd offers (`dataplane:` of its domain file); auto probes them in this order. */
export const DATAPLANE_BACKENDS = ['ip6tnl', 'seg6', 'tun', 'none'] as const;
export type DataplaneBackend = (typeof DATAPLANE_BACKENDS)[number];
export type DataplaneChoice = 'auto' | DataplaneBackend;
export const DATAPLANE_CHOICES: readonly DataplaneChoice[] = ['auto', ...DATAPLANE_BACKENDS];

/** The data plane an implementation ended up with, as it said so itself. */
export interface DataplaneUse {
  /** ip6tnl, seg6, tun, none (or whatever another implementation names its own). */
  backend: string;
  /** Why there is none, when it probed and found nothing (pmipd's dataplaneWhy). */
  why?: string;
}

export interface IutContext {
  runId: string;
  topology: Topology;
  node: TopologyNode;
  netns: string;
  /** The node's own directory for config files (beside the reports; created before prepare). */
  configDir: string;
  /**
   * The node's own directory for UNIX sockets, pid files and other run-time files: on a local
   * file system (under the run directory, /run/pmip-testbed/<runid>/), never beside the reports,
   * which may be on a share where sockets do not work (9p: listen ENXIO). Removed with the run.
   */
  runtimeDir: string;
  /** The data plane every node must use (`run --dataplane`), overriding the IUT's own setting. */
  dataplane?: DataplaneChoice;
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
  /**
   * An operator command, for implementations that take them (pmipd's control socket: `revoke`,
   * `notify`): the reply, or an error saying why it was refused.
   */
  command?(req: Record<string, unknown>): Promise<Record<string, unknown>>;
  readonly pid: number;
  /** The data plane it uses, once ready, for implementations that say (pmipd does on its ready line). */
  readonly dataplane?: DataplaneUse;
}

export interface IutAdapter {
  readonly name: string;
  /**
   * Kernel features the node's implementation needs with this spec (and the data plane forced
   * on every node, if any); checked before anything is built.
   */
  requiredFeatures(spec: IutSpec, forced?: DataplaneChoice): KernelFeature[];
  /** Writes the configuration (under ctx.configDir); nothing runs yet. */
  prepare(ctx: IutContext): Promise<void>;
  start(ctx: IutContext): Promise<RunningIut>;
}

/**
 * An implementation that did not start or did not become ready: says which node and why. The
 * message's first line is the cause (e.g. the failing `ip` command and its error); the lines
 * after it, if any, are the log tail.
 */
export class IutError extends Error {
  override readonly name = 'IutError';
  constructor(readonly node: string, readonly adapter: string, message: string) {
    super(`IUT of node ${node} (${adapter} adapter): ${message}`);
  }
}

/** sun_path of a UNIX socket address holds 108 bytes, the terminating NUL included. */
export const MAX_SOCKET_PATH_BYTES = 107;

/** `path` if it fits a UNIX socket address; otherwise an error naming `what` and the way out. */
export function checkSocketPath(path: string, what: string): string {
  const n = Buffer.byteLength(path);
  if (n > MAX_SOCKET_PATH_BYTES) {
    throw new Error(`${what} ${path} is ${n} bytes, longer than a UNIX socket address allows (${MAX_SOCKET_PATH_BYTES}): set PMIP_TESTBED_RUN_DIR to a shorter directory`);
  }
  return path;
}
