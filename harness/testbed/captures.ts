// The topology's named capture points, each a tcpdump (classic pcap, -U) in its node, started
// together and each proven listening before the testbed lets traffic flow.
import { join } from 'node:path';
import { startCapture, type CaptureResult, type RunningCapture } from '../capture/tcpdump.js';
import type { Supervisor } from '../process/supervisor.js';
import type { CapturePoint, Topology } from '../topology/model.js';
import { netnsName } from './names.js';

export type { CaptureResult };

/** The capture points selected by `which` (true: all, false: none, names: those). */
export function selectCapturePoints(t: Topology, which: boolean | string[]): CapturePoint[] {
  if (which === true) return t.captures;
  if (which === false) return [];
  const unknown = which.filter((n) => !t.captures.some((c) => c.name === n));
  if (unknown.length > 0) {
    throw new Error(`no capture point ${unknown.map((n) => `'${n}'`).join(', ')} in topology ${t.name} (capture points: ${t.captures.map((c) => c.name).join(', ') || 'none'})`);
  }
  return t.captures.filter((c) => which.includes(c.name));
}

export function captureFile(outDir: string, name: string): string {
  return join(outDir, 'captures', `${name}.pcap`);
}

/** Starts every point at once; if one fails, those started are stopped before the error. */
export async function startCaptures(points: CapturePoint[], runId: string, outDir: string, supervisor: Supervisor): Promise<RunningCapture[]> {
  const settled = await Promise.allSettled(points.map((p) => startCapture({
    name: p.name,
    node: p.node,
    netns: netnsName(runId, p.node),
    ifname: p.ifname,
    file: captureFile(outDir, p.name),
  }, supervisor)));
  const started = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    await Promise.all(started.map((c) => c.stop()));
    throw failed.reason;
  }
  return started;
}
