// What the trace needs to know about a testbed run, read from its topology: the kind of each
// capture point (and the MAG of an access link), and the event log in the trace's terms.
import type { TestbedEvent as LoggedEvent } from '../testbed/event-log.js';
import { magOfAp, primaryAddress, type Topology } from '../topology/model.js';
import { traceEventsFromLog, type CapturePointKind, type CapturePointSpec, type TestbedEvent } from '../trace/index.js';

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
    } else if (node.kind === 'mn' || node.kind === 'host') {
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

/** The testbed's event log as trace events, the topology naming the MNs and MAGs older logs leave out. */
export function traceEvents(t: Topology, events: readonly LoggedEvent[]): TestbedEvent[] {
  return traceEventsFromLog(events, {
    mn: (node) => {
      const mn = t.nodes[node]?.mn;
      return mn === undefined ? undefined : { nai: mn.nai, mac: mn.mac };
    },
    magOfAp: (ap) => magOfAp(t, ap),
  });
}
