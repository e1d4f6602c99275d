// D.3: RFC 5847 Heartbeat between MAGs and LMAs, judged on the wire: format, every request
// answered with its number, requests only while a binding links the pair, the interval and the
// numbering, the Restart Counter, silence after Binding Error 2, the unsolicited response after a
// restart. HB-08 (what "unreachable" does) needs the IUT's state; HB-09 (inside ESP) is SEC's.
import type { HeartbeatMessage } from '../../wire/index.js';
import { magStateAt, optionOf, countOptions, servingMag, type MhFrame, type Trace } from '../trace/index.js';
import { settingKnown } from '../trace/settings.js';
import { check } from './check.js';
import { mhEv, seconds } from './evidence.js';

export type HeartbeatFrame = MhFrame & { mh: HeartbeatMessage };

/** RFC 5847 §5: the interval SHOULD stay within these bounds. */
export const HEARTBEAT_MIN_INTERVAL_S = 30;
/** Capture jitter allowed on the 30 s lower bound. */
const GAP_TOLERANCE_S = 0.1;
/** How long a response may take before a request counts as unanswered. */
export const HEARTBEAT_RESPONSE_WINDOW_S = 2;

const heartbeatsOf = new WeakMap<Trace, HeartbeatFrame[]>();

/** Every Heartbeat seen, first sightings, stimuli included, not those a receiver must discard. */
export function heartbeats(t: Trace): readonly HeartbeatFrame[] {
  let list = heartbeatsOf.get(t);
  if (list === undefined) {
    list = t.signalling.filter((f): f is HeartbeatFrame => f.mh.type === 13 && f.discarded === undefined);
    heartbeatsOf.set(t, list);
  }
  return list;
}

const isIut = (t: Trace, address: string): boolean => !t.roles.testers.includes(address);
const kind = (f: HeartbeatFrame): string => (f.mh.flags.R ? (f.mh.flags.U ? 'unsolicited Heartbeat Response' : 'Heartbeat Response') : 'Heartbeat Request');

/** Times the implementation at `address` restarted, from the testbed's event log. */
function restartsOf(t: Trace, address: string): number[] {
  return t.events.filter((e) => e.kind === 'iut-restart' && (e.detail as { address?: string } | undefined)?.address === address).map((e) => e.time);
}

export const heartbeatFormat = check('heartbeat-format', ['HB-01'], (t, [j]) => {
  j!.inconclusiveBecause('no Heartbeat in the trace');
  for (const f of heartbeats(t)) {
    if (!isIut(t, f.src)) continue;
    if (!f.mh.flags.R && f.mh.flags.U) {
      j!.fail(() => `${t.nodeName(f.src)} sent a Heartbeat Request with U = 1`, [mhEv(t, f)], { field: 'Heartbeat flags', expected: 'U = 0 in a request (R = 0)', seen: 'U = 1, R = 0' });
    } else {
      j!.pass(() => `${kind(f)} seq ${f.mh.seq} from ${t.nodeName(f.src)}: MH type 13, R = ${Number(f.mh.flags.R)}, U = ${Number(f.mh.flags.U)}`, [mhEv(t, f)]);
    }
  }
});

export const heartbeatAnswered = check('heartbeat-answered', ['HB-02'], (t, [j]) => {
  j!.inconclusiveBecause('no Heartbeat Request to an implementation under test in the trace');
  const all = heartbeats(t);
  const bes = t.signalling.filter((f) => f.mh.type === 7 && f.mh.status === 2);
  for (const req of all) {
    if (req.mh.flags.R || !isIut(t, req.dst)) continue;
    const within = (f: MhFrame) => f.ref.time >= req.ref.time && f.ref.time - req.ref.time <= HEARTBEAT_RESPONSE_WINDOW_S && f.src === req.dst && f.dst === req.src;
    const responses = all.filter((f) => f.mh.flags.R && !f.mh.flags.U && within(f));
    const match = responses.find((f) => f.mh.seq === req.mh.seq);
    const who = t.nodeName(req.dst);
    if (match !== undefined) {
      j!.pass(() => `${who} answered Heartbeat Request seq ${req.mh.seq} from ${t.nodeName(req.src)} in ${seconds(match.ref.time - req.ref.time)}`, [mhEv(t, req), mhEv(t, match)]);
    } else if (bes.some(within)) {
      // The node does not implement RFC 5847: nothing to judge of it here.
      continue;
    } else if (responses.length > 0) {
      j!.fail(() => `${who} answered Heartbeat Request seq ${req.mh.seq} with another Sequence #`, [mhEv(t, req), mhEv(t, responses[0]!)], { field: 'Heartbeat Response seq', expected: req.mh.seq, seen: responses.map((f) => f.mh.seq).join(', ') });
    } else if (t.end - req.ref.time > HEARTBEAT_RESPONSE_WINDOW_S) {
      j!.fail(() => `${who} did not answer Heartbeat Request seq ${req.mh.seq} from ${t.nodeName(req.src)} within ${HEARTBEAT_RESPONSE_WINDOW_S} s`, [mhEv(t, req)], { field: 'Heartbeat Response', expected: `seq ${req.mh.seq}`, seen: 'none' });
    }
  }
});

/**
 * Whether a binding links `mag` and `lma` at `time`, as `view` has it: the LMA keeps a BCE until
 * MinDelayBeforeBCEDelete after a de-registration; the MAG holds one from its accepting PBA.
 */
function linked(t: Trace, mag: string, lma: string, time: number, view: 'lma' | 'mag'): boolean {
  const linger = view === 'lma' ? t.settings.minDelayBeforeBceDeleteMs / 1000 + 1 : 0;
  return t.sessions.some((s) => s.events[0]!.exchange.lma === lma && (view === 'lma'
    ? servingMag(s, time) === mag || (linger > 0 && servingMag(s, time - linger) === mag)
    : magStateAt(s, time)?.mag === mag));
}

export const heartbeatOnlyWithBinding = check('heartbeat-only-with-binding', ['HB-03'], (t, [j]) => {
  j!.inconclusiveBecause('no Heartbeat Request from an implementation under test in the trace');
  for (const req of heartbeats(t)) {
    if (req.mh.flags.R || !isIut(t, req.src)) continue;
    const fromLma = t.roles.lmas.includes(req.src);
    const [mag, lma] = fromLma ? [req.dst, req.src] : [req.src, req.dst];
    if (!fromLma && !t.roles.lmas.includes(req.dst)) continue;
    const who = t.nodeName(req.src);
    if (linked(t, mag, lma, req.ref.time, fromLma ? 'lma' : 'mag')) {
      j!.pass(() => `${who} sent Heartbeat Request seq ${req.mh.seq} while a binding links it to ${t.nodeName(req.dst)}`, [mhEv(t, req)]);
    } else {
      j!.fail(() => `${who} sent Heartbeat Request seq ${req.mh.seq} to ${t.nodeName(req.dst)} while no binding links them`, [mhEv(t, req)], { field: 'binding between the pair', expected: 'at least one (else no requests)', seen: 'none' });
    }
  }
});

/** (b - a) mod 2^32 lies in (0, 2^31): b comes after a (RFC 1982 serial numbers). */
function after32(a: number, b: number): boolean {
  const d = (b - a) >>> 0;
  return d !== 0 && d < 0x80000000;
}

export const heartbeatInterval = check('heartbeat-interval', ['HB-04'], (t, [j]) => {
  j!.inconclusiveBecause('no two Heartbeat Requests from one node to one peer in the trace');
  const configured = t.settings.heartbeatIntervalMs;
  const testInterval = settingKnown(t, 'heartbeatIntervalMs') && configured < HEARTBEAT_MIN_INTERVAL_S * 1000;
  const last = new Map<string, HeartbeatFrame>();
  const unsolicited = heartbeats(t).filter((f) => f.mh.flags.U);
  for (const req of heartbeats(t)) {
    if (req.mh.flags.R || !isIut(t, req.src)) continue;
    const key = `${req.src}>${req.dst}`;
    const prev = last.get(key);
    last.set(key, req);
    if (prev === undefined) continue;
    const who = t.nodeName(req.src);
    // A restart (announced by an unsolicited response, or in the event log) starts a new numbering.
    const restarted = unsolicited.some((u) => u.src === req.src && u.ref.time > prev.ref.time && u.ref.time < req.ref.time)
      || restartsOf(t, req.src).some((x) => x > prev.ref.time && x < req.ref.time);
    if (restarted) continue;
    const ev = [mhEv(t, prev), mhEv(t, req)];
    if (!after32(prev.mh.seq, req.mh.seq)) {
      j!.fail(() => `${who}'s Heartbeat Request seq ${req.mh.seq} does not follow seq ${prev.mh.seq}`, ev, { field: 'Heartbeat Request seq', expected: `after ${prev.mh.seq}`, seen: req.mh.seq });
      continue;
    }
    const gap = req.ref.time - prev.ref.time;
    if (testInterval) {
      j!.undecided(() => `the domain runs HEARTBEAT_INTERVAL ${configured / 1000} s for testing, shorter than RFC 5847's ${HEARTBEAT_MIN_INTERVAL_S} s: the interval bound is judged on a capture with the RFC's interval (the numbering here is right)`, ev);
    } else if (gap + GAP_TOLERANCE_S < HEARTBEAT_MIN_INTERVAL_S) {
      j!.fail(() => `${who} sent Heartbeat Requests to ${t.nodeName(req.dst)} ${seconds(gap)} apart`, ev, { field: 'gap between requests', expected: `>= ${HEARTBEAT_MIN_INTERVAL_S} s`, seen: seconds(gap) });
    } else {
      j!.pass(() => `${who}'s Heartbeat Requests seq ${prev.mh.seq} and ${req.mh.seq} ${seconds(gap)} apart`, ev);
    }
  }
});

export const heartbeatRestartCounter = check('heartbeat-restart-counter', ['HB-05'], (t, [j]) => {
  j!.inconclusiveBecause('no Heartbeat from an implementation under test in the trace');
  const counter = new Map<string, { value: number; f: HeartbeatFrame }>();
  for (const f of heartbeats(t)) {
    if (!isIut(t, f.src)) continue;
    const n = countOptions(f, 28);
    const who = t.nodeName(f.src);
    if (!f.mh.flags.R) {
      if (n > 0) j!.fail(() => `${who}'s Heartbeat Request seq ${f.mh.seq} carries a Restart Counter`, [mhEv(t, f)], { field: 'Restart Counter option', expected: 'only in responses', seen: `${n} in a request` });
      continue;
    }
    const rc = optionOf(f, 28);
    if (n !== 1 || rc === undefined) {
      j!.fail(() => `${who}'s ${kind(f)} seq ${f.mh.seq} carries ${n} Restart Counter options`, [mhEv(t, f)], { field: 'Restart Counter option (28, len 4)', expected: 'exactly one', seen: n });
      continue;
    }
    const prev = counter.get(f.src);
    counter.set(f.src, { value: rc.value, f });
    if (prev === undefined || prev.value === rc.value) {
      j!.pass(() => `${who}'s ${kind(f)} seq ${f.mh.seq} carries Restart Counter ${rc.value}`, [mhEv(t, f)]);
      continue;
    }
    // A new value is right only after a restart: announced (U = 1) or in the event log.
    const restarted = f.mh.flags.U || restartsOf(t, f.src).some((x) => x > prev.f.ref.time && x <= f.ref.time);
    if (restarted) j!.pass(() => `${who}'s Restart Counter went from ${prev.value} to ${rc.value} after a restart`, [mhEv(t, prev.f), mhEv(t, f)]);
    else j!.fail(() => `${who}'s Restart Counter changed from ${prev.value} to ${rc.value} without a restart`, [mhEv(t, prev.f), mhEv(t, f)], { field: 'Restart Counter', expected: prev.value, seen: rc.value });
  }
});

export const heartbeatSilencedByBe2 = check('heartbeat-silenced-by-be2', ['HB-06'], (t, [j]) => {
  j!.inconclusiveBecause('no Binding Error status 2 answered a Heartbeat in the trace');
  const hbs = heartbeats(t);
  for (const be of t.signalling) {
    if (be.mh.type !== 7 || be.mh.status !== 2 || !isIut(t, be.dst)) continue;
    const asked = hbs.find((f) => !f.mh.flags.R && f.src === be.dst && f.dst === be.src && f.ref.time <= be.ref.time && be.ref.time - f.ref.time <= HEARTBEAT_RESPONSE_WINDOW_S);
    if (asked === undefined) continue;
    const who = t.nodeName(be.dst);
    const later = hbs.find((f) => f.src === be.dst && f.dst === be.src && f.ref.time > be.ref.time);
    if (later !== undefined) {
      j!.fail(() => `${who} sent a Heartbeat to ${t.nodeName(be.src)} ${seconds(later.ref.time - be.ref.time)} after it answered with Binding Error 2`, [mhEv(t, asked), mhEv(t, be), mhEv(t, later)], { field: 'Heartbeats after Binding Error 2', expected: 'none', seen: `${kind(later)} seq ${later.mh.seq}` });
      continue;
    }
    // Silence proves something only over more than one interval.
    const window = 2 * t.settings.heartbeatIntervalMs / 1000;
    if (t.end - be.ref.time >= window) j!.pass(() => `${who} sent no Heartbeat to ${t.nodeName(be.src)} in the ${seconds(t.end - be.ref.time)} after Binding Error 2`, [mhEv(t, asked), mhEv(t, be)]);
    else j!.undecided(() => `the trace ends ${seconds(t.end - be.ref.time)} after the Binding Error, less than two Heartbeat intervals (${seconds(window)})`, [mhEv(t, asked), mhEv(t, be)]);
  }
});

export const heartbeatRestartAnnounced = check('heartbeat-restart-announced', ['HB-07'], (t, [j]) => {
  j!.inconclusiveBecause('no implementation under test restarted during the trace');
  const hbs = heartbeats(t);
  for (const e of t.events) {
    const address = (e.detail as { address?: string } | undefined)?.address;
    if (e.kind !== 'iut-restart' || address === undefined) continue;
    // Its former peers: whoever exchanged Heartbeats with it before the restart.
    const peers = new Set(hbs.filter((f) => f.ref.time < e.time && (f.src === address || f.dst === address)).map((f) => (f.src === address ? f.dst : f.src)));
    const before = new Map(hbs.filter((f) => f.src === address && f.ref.time < e.time && optionOf(f, 28) !== undefined).map((f) => [f.dst, optionOf(f, 28)!.value]));
    const who = t.nodeName(address);
    for (const peer of peers) {
      const u = hbs.find((f) => f.src === address && f.dst === peer && f.mh.flags.U && f.mh.flags.R && f.ref.time >= e.time - 1);
      const value = u === undefined ? undefined : optionOf(u, 28)?.value;
      const old = before.get(peer);
      if (u === undefined) {
        if (t.end - e.time > HEARTBEAT_RESPONSE_WINDOW_S) j!.fail(() => `${who} restarted and sent no unsolicited Heartbeat Response to ${t.nodeName(peer)}`, [], { field: 'Heartbeat Response U = 1, R = 1', expected: `to ${t.nodeName(peer)} after the restart`, seen: 'none' });
      } else if (old !== undefined && value === old) {
        j!.fail(() => `${who}'s unsolicited Heartbeat Response after its restart carries the old Restart Counter ${old}`, [mhEv(t, u)], { field: 'Restart Counter', expected: `not ${old}`, seen: value });
      } else {
        j!.pass(() => `${who} restarted and told ${t.nodeName(peer)} with an unsolicited Heartbeat Response (Restart Counter ${old ?? '?'} -> ${value ?? 'none'}) ${seconds(u.ref.time - e.time)} later`, [mhEv(t, u)]);
      }
    }
  }
});

export const HEARTBEAT_CHECKS = [
  heartbeatFormat, heartbeatAnswered, heartbeatOnlyWithBinding, heartbeatInterval, heartbeatRestartCounter, heartbeatSilencedByBe2, heartbeatRestartAnnounced,
];
