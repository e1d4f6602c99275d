// Packet captures with tcpdump under the supervisor: a capture counts as started only once
// tcpdump said it is listening, so nothing sent after startCapture resolves is missed.
import { accessSync, constants, mkdirSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { START_DEADLINE_MS, pollUntil } from '../poll.js';
import { describeExit, type SupervisedProcess, type Supervisor } from '../process/supervisor.js';

export interface CaptureSpec {
  /** Unique among the run's captures, e.g. "mag1-eth1". */
  name: string;
  /** The testbed node, for messages. */
  node?: string;
  netns: string | null;
  ifname: string;
  /** Classic pcap, microsecond timestamps; tcpdump's stderr goes to FILE.log. */
  file: string;
  /** Bytes kept of each packet; default 4096 (see DEFAULT_SNAPLEN). */
  snaplen?: number;
  /** A tcpdump filter expression, one word per element: ['ip6', 'proto', '135']. */
  filter?: string[];
}

export interface CaptureResult {
  name: string;
  file: string;
  packets: number;
  receivedByFilter?: number;
  droppedByKernel: number;
  warnings: string[];
}

export interface RunningCapture {
  spec: CaptureSpec;
  pid: number;
  /** SIGINT, then the counts tcpdump prints when it ends; calling it again returns the same result. */
  stop(): Promise<CaptureResult>;
}

// With --immediate-mode libpcap gives every packet a ring slot of the snap length (not capped
// at the MTU on veths, which do GSO), and tcpdump's default ring is 2 MiB: at 262144 bytes that
// is 8 slots, and a burst of 10000 pings lost 56% of its packets. 4096 bytes keep every
// signalling packet and MTU-sized frame whole (GSO super-packets are cut, their headers kept);
// 8 MiB give ~2000 slots, enough for 100k packets/s without loss here.
const DEFAULT_SNAPLEN = 4096;
const RING_KIB = 8192;
/** tcpdump ends ~35 ms after SIGINT; the grace only matters when it hangs. */
const STOP_GRACE_MS = 3000;
/** Time for tcpdump to write what the kernel had queued for it when stop() was called. */
const DRAIN_TIMEOUT_MS = 1000;

function onPath(cmd: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, cmd), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

function countLine(text: string, what: string): number | undefined {
  const m = new RegExp(`^(\\d+) packets? ${what}$`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
}

interface Counts { captured: number; received: number; dropped: number }

/** The counts tcpdump prints on SIGUSR1, oldest first. */
function countReports(proc: SupervisedProcess): Counts[] {
  return [...proc.output('stderr').matchAll(/^tcpdump: (\d+) packets? captured, (\d+) packets? received by filter, (\d+) packets? dropped by kernel/gm)]
    .map((m) => ({ captured: Number(m[1]), received: Number(m[2]), dropped: Number(m[3]) }));
}

/**
 * SIGINT makes tcpdump leave its capture loop at once: packets the kernel already queued in its
 * ring are counted as received but never written (seen in about 1 of 20 runs: the last ping
 * reply of a capture missing). So before SIGINT, ask for the counts (SIGUSR1) until tcpdump has
 * written everything it had received at the first answer. On loopback, and on "any" which
 * includes it, libpcap drops the outgoing copy of each packet only after the kernel counted it,
 * so there the counts never meet: wait instead until two answers in a row show nothing new.
 * Resolves to whether the drain was confirmed.
 */
async function drain(proc: SupervisedProcess, ifname: string, where: string): Promise<boolean> {
  const exact = ifname !== 'lo' && ifname !== 'any';
  const deadline = Date.now() + DRAIN_TIMEOUT_MS;
  let target: number | undefined;
  let previous: Counts | undefined;
  while (proc.running && Date.now() < deadline) {
    const seen = countReports(proc).length;
    proc.signal('SIGUSR1');
    const counts = await pollUntil(() => countReports(proc)[seen] ?? (!proc.running && { none: true }), {
      what: `tcpdump on ${where} to print its counts`, timeoutMs: Math.max(1, deadline - Date.now()), maxIntervalMs: 10,
    }).catch(() => undefined);
    if (counts === undefined || 'none' in counts) return false;
    target ??= counts.received - counts.dropped;
    if (exact ? counts.captured >= target : counts.captured === previous?.captured) return true;
    previous = counts;
  }
  return false;
}

export async function startCapture(spec: CaptureSpec, supervisor: Supervisor): Promise<RunningCapture> {
  if (!onPath('tcpdump')) throw new Error('tcpdump not found: run npm run setup');
  const where = `${spec.node ?? spec.netns ?? 'host'}/${spec.ifname}`;
  mkdirSync(dirname(spec.file), { recursive: true });
  // --immediate-mode: without it libpcap hands packets over in blocks, up to a second late, and
  // packets still in the ring at SIGINT are lost (measured: 0 of 4 pings written).
  const args = ['--immediate-mode', '-i', spec.ifname, '-U', '-w', spec.file, '-s', String(spec.snaplen ?? DEFAULT_SNAPLEN), '-B', String(RING_KIB), '-n', ...(spec.filter ?? [])];
  const proc = supervisor.start({
    name: `tcpdump ${spec.name}`,
    ...(spec.node !== undefined ? { node: spec.node } : {}),
    netns: spec.netns,
    cmd: 'tcpdump',
    args,
    logFile: `${spec.file}.log`,
  });
  try {
    await proc.waitForOutput(/^tcpdump: listening on /m, { timeoutMs: START_DEADLINE_MS, stream: 'stderr' });
  } catch (err) {
    await proc.stop({ signal: 'SIGKILL' });
    throw new Error(`capture ${spec.name} on ${where} did not start: ${(err as Error).message}`);
  }

  let result: Promise<CaptureResult> | undefined;
  const stop = async (): Promise<CaptureResult> => {
    const drained = await drain(proc, spec.ifname, where);
    const info = await proc.stop({ signal: 'SIGINT', graceMs: STOP_GRACE_MS });
    const stderr = proc.output('stderr');
    const packets = countLine(stderr, 'captured');
    const receivedByFilter = countLine(stderr, 'received by filter');
    const droppedByKernel = countLine(stderr, 'dropped by kernel') ?? 0;
    const warnings: string[] = [];
    if (!info.expected) warnings.push(`tcpdump on ${where} had ended before the capture was stopped (${describeExit(info)})`);
    if (packets === undefined) warnings.push(`tcpdump on ${where} printed no packet counts (${describeExit(info)}): ${spec.file} may be truncated`);
    else if (info.code !== 0) warnings.push(`tcpdump on ${where} ended with ${describeExit(info)}`);
    if (!drained && info.expected) warnings.push(`tcpdump on ${where} did not confirm within ${DRAIN_TIMEOUT_MS} ms that it had written every packet received before the stop`);
    if (droppedByKernel > 0) warnings.push(`${droppedByKernel} packets dropped by kernel on ${where}: ${spec.file} is incomplete`);
    return {
      name: spec.name,
      file: spec.file,
      packets: packets ?? 0,
      ...(receivedByFilter !== undefined ? { receivedByFilter } : {}),
      droppedByKernel,
      warnings,
    };
  };
  return { spec, pid: proc.pid, stop: () => (result ??= stop()) };
}
