// A small chai plugin so that a case reads like the requirement it checks:
//
//   expect(await mag.pbu({ mnId: 'nobody@example.org' })).to.be.rejectedWith(153);
//   expect(await mag.pbuExpectingSilence({ lifetime: 0 })).not.to.have.reply;
//   expect(await mag.send(unknownTypeSpec(200), { type: 7 })).to.be.answeredWithBindingError(2);
//   expect(pba.mh).to.carry.option('Timestamp');
//   expect(verdict).to.be.conformant;
//
// Failure messages say who answered what to which message: expected against seen.
import * as chai from 'chai';
import { BA_STATUS, MH_OPTION_NAME, codeName, type MobilityHeader } from '../../wire/index.js';
import type { RequirementResult } from '../checks/index.js';
import type { Sent } from '../active/emulated-mag.js';
import { describeReply } from '../active/judge-reply.js';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Chai {
    interface Assertion {
      /** The message got an answer (negated: the peer stayed silent). */
      reply: Assertion;
      /** Answered by a PBA with status < 128. */
      accepted: Assertion;
      rejectedWith(status: number): Assertion;
      answeredWithBindingError(status: number): Assertion;
      /** Chain word before option(). */
      carry: Assertion;
      option(type: number | string): Assertion;
      /** A RequirementResult that is PASS or NOT-APPLICABLE. */
      conformant: Assertion;
      /** Something watched for turned up (not null); negated: it did not. */
      observed: Assertion;
    }
  }
}

const statusText = (s: number): string => `${s} (${codeName(BA_STATUS, s)})`;

function describeSent(s: Sent): string {
  return `${s.ref.type === 5 ? `PBU seq ${s.ref.seq}` : `MH type ${s.ref.type}`} from ${s.ref.src} to ${s.ref.dst}`;
}

/** One line for what a watch returned: a Mobility Header, a frame, or anything else. */
function summary(o: unknown): string {
  const mh = (o as { mh?: MobilityHeader } | null)?.mh ?? (o as { frame?: { mh?: MobilityHeader } } | null)?.frame?.mh;
  if (mh !== undefined) return `${mh.name}${'seq' in mh ? ` seq ${mh.seq}` : ''}${'status' in mh ? ` status ${mh.status}` : ''}`;
  return typeof o === 'object' ? JSON.stringify(o).slice(0, 80) : String(o);
}

function optionType(x: number | string): number {
  if (typeof x === 'number') return x;
  const hit = Object.entries(MH_OPTION_NAME).find(([, n]) => n.toLowerCase() === x.toLowerCase());
  if (hit === undefined) throw new Error(`unknown mobility option name "${x}" (known: ${Object.values(MH_OPTION_NAME).join(', ')})`);
  return Number(hit[0]);
}

export const pmipChai: Chai.ChaiPlugin = (c) => {
  const A = c.Assertion;
  A.addProperty('reply', function () {
    const s = this._obj as Sent;
    this.assert(s.reply !== null,
      `expected ${s.ref.dst} to answer the ${describeSent(s)}, but it stayed silent`,
      `expected ${s.ref.dst} to stay silent after the ${describeSent(s)}, but it sent ${describeReply(s)}`,
      'a reply', describeReply(s));
  });
  A.addProperty('accepted', function () {
    const s = this._obj as Sent;
    const st = s.reply?.mh.type === 6 ? s.reply.mh.status : undefined;
    this.assert(st !== undefined && st < 128,
      `expected ${s.ref.dst} to accept the ${describeSent(s)}, but it sent ${describeReply(s)}`,
      `expected ${s.ref.dst} not to accept the ${describeSent(s)}`, 'a PBA with status < 128', describeReply(s));
  });
  A.addMethod('rejectedWith', function (status: number) {
    const s = this._obj as Sent;
    const st = s.reply?.mh.type === 6 ? s.reply.mh.status : undefined;
    this.assert(st === status,
      `expected ${s.ref.dst} to answer the ${describeSent(s)} with status ${statusText(status)}, but it sent ${describeReply(s)}`,
      `expected ${s.ref.dst} not to answer the ${describeSent(s)} with status ${statusText(status)}`,
      `a PBA with status ${statusText(status)}`, describeReply(s));
  });
  A.addMethod('answeredWithBindingError', function (status: number) {
    const s = this._obj as Sent;
    const st = s.reply?.mh.type === 7 ? s.reply.mh.status : undefined;
    this.assert(st === status,
      `expected ${s.ref.dst} to answer the ${describeSent(s)} with a Binding Error status ${status}, but it sent ${describeReply(s)}`,
      `expected ${s.ref.dst} not to answer the ${describeSent(s)} with a Binding Error status ${status}`,
      `Binding Error status ${status}`, describeReply(s));
  });
  A.addProperty('carry', function () { /* chain word */ });
  A.addMethod('option', function (type: number | string) {
    const m = this._obj as MobilityHeader;
    const t = optionType(type);
    const name = MH_OPTION_NAME[t] ?? `type ${t}`;
    const has = m.options.some((o) => o.type === t);
    this.assert(has, `expected the ${m.name} to carry a ${name} option, it carries ${m.options.map((o) => o.name).join(', ') || 'none'}`,
      `expected the ${m.name} not to carry a ${name} option`, name, m.options.map((o) => o.name).join(', '));
  });
  A.addProperty('observed', function () {
    const o = this._obj as unknown;
    this.assert(o !== null && o !== undefined, 'expected it to happen, it did not', `expected nothing, seen ${summary(o)}`, 'seen', 'none');
  });
  A.addProperty('conformant', function () {
    const r = this._obj as RequirementResult;
    const ok = r.verdict === 'PASS' || r.verdict === 'NOT-APPLICABLE';
    const why = r.evidence[0];
    const detail = why?.field !== undefined ? ` (${why.field}: expected ${why.expected}, seen ${why.seen})` : '';
    this.assert(ok, `expected ${r.id} to pass, it is ${r.verdict}: ${r.message}${detail}`, `expected ${r.id} not to pass`, 'PASS', r.verdict);
  });
};

chai.use(pmipChai);
export const expect = chai.expect;
