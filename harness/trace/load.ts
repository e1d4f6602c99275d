// Loading captures into a Trace: each file is a capture point; frames stream through the builder.
import { readFile } from 'node:fs/promises';
import { readCapture } from '../capture/pcap-reader.js';
import { TraceBuilder } from './builder.js';
import { checkLogEntry, traceEventsFromLog } from './testbed-log.js';
import type { Trace } from './trace.js';
import type { CapturePointSpec, TestbedEvent, TraceOptions } from './types.js';

export interface LoadProgress {
  point: string;
  frames: number;
  /** The point's file is done. */
  done: boolean;
}

/** Reads every capture (in turn) and builds the merged trace. */
export async function loadTrace(
  points: readonly CapturePointSpec[], options: TraceOptions = {}, onProgress?: (p: LoadProgress) => void,
): Promise<Trace> {
  const b = new TraceBuilder(options);
  for (const spec of points) {
    const decl: Parameters<TraceBuilder['addPoint']>[0] = { name: spec.name, path: spec.path };
    if (spec.kind !== undefined) decl.kind = spec.kind;
    if (spec.mag !== undefined) decl.mag = spec.mag;
    if (spec.label !== undefined) decl.label = spec.label;
    const point = b.addPoint(decl);
    let n = 0;
    await readCapture(spec.path, (rec) => {
      b.addFrame(point, rec.index, rec.time, rec.linkType, rec.buf, rec.offset, rec.capturedLength);
      if (++n % 200_000 === 0) onProgress?.({ point: spec.name, frames: n, done: false });
    });
    onProgress?.({ point: spec.name, frames: n, done: true });
  }
  return b.finish();
}

/** A testbed event log that cannot be read. */
export class EventLogError extends Error {
  override name = 'EventLogError';
}

/** Reads a testbed event log (a run's events.jsonl: one JSON object per line, or a JSON array) as trace events. */
export async function readEventLog(path: string): Promise<TestbedEvent[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new EventLogError(`${path}: cannot be read (${(err as Error).message})`);
  }
  let items: unknown[];
  try {
    const t = text.trim();
    items = t.startsWith('[') ? JSON.parse(t) as unknown[] : t.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as unknown);
  } catch (err) {
    throw new EventLogError(`${path}: not JSON or JSON lines (${(err as Error).message})`);
  }
  const entries = items.map((x, i) => {
    const e = checkLogEntry(x);
    if (typeof e === 'string') throw new EventLogError(`${path}: entry ${i + 1} ${e}`);
    return e;
  });
  return traceEventsFromLog(entries);
}
