// What the trace needs to know about a testbed run, read from its topology: the kind of each
// capture point (and the MAG of an access link), and the event log in the trace's terms.
import type { TestbedEvent as LoggedEvent } from '../testbed/event-log.js';
import { primaryAddress, type Topology } from '../topology/model.js';
import type { CapturePointKind, CapturePointSpec, TestbedEvent } from '../trace/index.js';

/** The Proxy-CoA of the MAG whose access link goes to `ap`, if one does. */
export function magOfAp(t: Topology, ap: string): string | undefined {
  for (const n of Object.values(t.nodes)) {
    if (n.kind !== 'mag') continue;
    if (n.interfaces.some((i) => i.role === 'access' && i.peer === ap)) return primaryAddress(n);
  }
  return undefined;
}

/** Capture point specs for the files a run produced. */
export function capturePointSpecs(t: Topology, files: { name: string; file: string }[]): CapturePointSpec[] {
  return files.map(({ name, file }) => {
    const cp = t.captures.find((c) => c.name === name);
    const spec: CapturePointSpec = { name, path: file };
    if (cp === undefined) return spec;
    const node = t.nodes[cp.node]!;
    spec.label = `${cp.node}:${cp.ifname}`;
    let kind: CapturePointKind | undefined;
    if (node.kind === 'ap') {
      kind = 'access';
      const mag = magOfAp(t, node.id);
      if (mag !== undefined) spec.mag = mag;
    } else if (node.kind === 'mn') {
      kind = 'access';
    } else {
      const iface = node.interfaces.find((i) => i.name === cp.ifname);
      if (iface?.role === 'access') {
        kind = 'access';
        const a = primaryAddress(node);
        if (node.kind === 'mag' && a !== undefined) spec.mag = a;
      } else if (iface !== undefined) {
        const kinds = new Set([node.kind, iface.peerKind]);
        kind = kinds.has('cn') ? 'core' : 'transport';
      }
    }
    if (kind !== undefined) spec.kind = kind;
    return spec;
  });
}

/** The testbed's event log as trace events (seconds, MN-ID, MAC, serving MAG). */
export function traceEvents(t: Topology, events: readonly LoggedEvent[]): TestbedEvent[] {
  const out: TestbedEvent[] = [];
  for (const e of events) {
    if (e.type !== 'attach' && e.type !== 'detach' && e.type !== 'handover') continue;
    const mn = e.node !== undefined ? t.nodes[e.node] : undefined;
    if (mn?.mn === undefined) continue;
    const d = (e.detail ?? {}) as { ap?: string; to?: string };
    const ap = e.type === 'handover' ? d.to : d.ap;
    const ev: TestbedEvent = { time: e.timeUs / 1e6, kind: e.type, mn: mn.id, mnId: mn.mn.nai, mac: mn.mn.mac };
    if (ap !== undefined) {
      ev.ap = ap;
      const mag = magOfAp(t, ap);
      if (mag !== undefined) ev.mag = mag;
    }
    out.push(ev);
  }
  return out;
}
