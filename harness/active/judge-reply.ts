// Judging what an LMA did with one crafted message: the reply it should have sent (a status, a
// Binding Error) or the silence it should have kept, recorded against requirement IDs.
import { BA_STATUS, BE_STATUS, codeName } from '../../wire/index.js';
import type { ActiveVerdict } from '../conformance/verdicts.js';
import type { Sent } from './emulated-mag.js';

/** What should come back: a PBA status, any acceptance, a Binding Error status, or nothing. */
export type ReplyWant = { status: number } | { accepted: true } | { bindingError: number } | { silent: true };

export function describeWant(w: ReplyWant): string {
  if ('status' in w) return `PBA status ${w.status} (${codeName(BA_STATUS, w.status)})`;
  if ('accepted' in w) return 'a PBA accepting it (status < 128)';
  if ('bindingError' in w) return `Binding Error status ${w.bindingError} (${codeName(BE_STATUS, w.bindingError)})`;
  return 'no reply';
}

export function describeReply(s: Sent): string {
  const r = s.reply;
  if (r === null) return 'no reply';
  if (r.mh.type === 6) return `PBA status ${r.mh.status} (${r.mh.statusName})${s.seqMismatch ? ` with Sequence # ${r.mh.seq} instead of ${s.ref.seq}` : ''}`;
  if (r.mh.type === 7) return `Binding Error status ${r.mh.status} (${r.mh.statusName})`;
  return r.mh.name;
}

export function replyMatches(s: Sent, w: ReplyWant): boolean {
  const r = s.reply;
  if ('silent' in w) return r === null;
  if (r === null) return false;
  if ('status' in w) return r.mh.type === 6 && r.mh.status === w.status;
  if ('accepted' in w) return r.mh.type === 6 && r.mh.status < 128;
  return r.mh.type === 7 && r.mh.status === w.bindingError;
}

/** Records pass or fail of `what` on every verdict; returns whether the reply was right. */
export function judgeReply(verdicts: readonly ActiveVerdict[], s: Sent, w: ReplyWant, what: string): boolean {
  const ok = replyMatches(s, w);
  const seen = describeReply(s);
  for (const v of verdicts) {
    if (ok) v.pass(`${what}: ${seen}`, [s.ref, s.replyRef]);
    else v.fail(`${what}: ${seen}, expected ${describeWant(w)}`, [s.ref, s.replyRef], { field: 'reply', expected: describeWant(w), seen });
  }
  return ok;
}
