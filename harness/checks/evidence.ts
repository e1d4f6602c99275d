// Evidence frames from trace records.
import type { MhFrame, NdFrame, Trace } from '../trace/index.js';
import type { EvidenceFrame } from './types.js';

export function mhEv(t: Trace, f: MhFrame): () => EvidenceFrame {
  return () => ({ ...f.ref, summary: t.describeMh(f), decoded: f.mh });
}

export function ndEv(t: Trace, f: NdFrame): () => EvidenceFrame {
  return () => ({ ...f.ref, summary: t.describeNd(f), decoded: f.msg });
}

export function dataEv(t: Trace, i: number): () => EvidenceFrame {
  return () => ({ ...t.dataRef(i), summary: t.describeData(i) });
}

/** "acc1#12" */
export function refText(f: { point: string; frame: number }): string {
  return `${f.point}#${f.frame}`;
}

export function seconds(s: number): string {
  return `${s.toFixed(3)} s`;
}
