// Evidence frames from trace records. A check names the frames of every instance it judges and
// the Judge keeps a few: an MH or ND record stands for its evidence frame as it is (no closure to
// allocate per instance), and only a kept one is turned into an EvidenceFrame.
import { describeMh, describeNd, type MhFrame, type NdFrame, type Trace } from '../trace/index.js';
import type { EvidenceFrame, LazyFrame } from './types.js';

/** A Mobility Header as evidence (`_t` only keeps the signature of the other builders). */
export function mhEv(_t: Trace, f: MhFrame): LazyFrame {
  return f;
}

export function ndEv(_t: Trace, f: NdFrame): LazyFrame {
  return f;
}

export function dataEv(t: Trace, i: number): () => EvidenceFrame {
  return () => ({ ...t.dataRef(i), summary: t.describeData(i) });
}

/** The EvidenceFrame a lazy frame stands for. */
export function evidenceFrame(f: LazyFrame): EvidenceFrame {
  if (typeof f === 'function') return f();
  if ('mh' in f) return { ...f.ref, summary: describeMh(f), decoded: f.mh };
  if ('msg' in f) return { ...f.ref, summary: describeNd(f), decoded: f.msg };
  return f;
}

/** "acc1#12" */
export function refText(f: { point: string; frame: number }): string {
  return `${f.point}#${f.frame}`;
}

export function seconds(s: number): string {
  return `${s.toFixed(3)} s`;
}
