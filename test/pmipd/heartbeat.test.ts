// RFC 5847 in pmipd, in virtual time: who gets requests and when, what a response carries, what a
// peer restart or an unreachable peer does to the bindings, and the Restart Counter across restarts.
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findOption, type HeartbeatMessage } from '../../wire/index.js';
import { openRestartState } from '../../pmipd/restart-state.js';
import { LmaHarness, LMAA, MAG1, MagHarness, domain, heartbeatDomain, heartbeatTo, settle } from './logic-fixture.js';

const hbs = (sent: { dst: string; msg: { type: number } }[], dst: string) => sent.filter((s) => s.msg.type === 13 && s.dst === dst).map((s) => s.msg as HeartbeatMessage);

describe('pmipd heartbeat (RFC 5847)', () => {
  it('is off unless the domain names it: a Heartbeat gets Binding Error 2', () => {
    const h = new LmaHarness();
    heartbeatTo(h.core, MAG1, 1);
    expect(h.sent.map((s) => `${s.msg.type}/${'status' in s.msg ? s.msg.status : ''}`)).to.deep.equal(['7/2']);
  });

  it('answers every request, with or without a binding, copying the Sequence # and adding the Restart Counter', () => {
    const h = new LmaHarness({ cfg: heartbeatDomain() });
    heartbeatTo(h.core, MAG1, 0xfffffffe);
    const [r] = hbs(h.sent, MAG1);
    expect(r!.flags).to.deep.equal({ U: false, R: true });
    expect(r!.seq).to.equal(0xfffffffe);
    expect(findOption(r!.options, 28)?.value).to.equal(0);
  });

  it('sends requests only while a binding links the peers, every interval, with increasing numbers', async () => {
    const h = new MagHarness({ cfg: heartbeatDomain() });
    h.rs();
    expect(hbs(h.mh, LMAA)).to.have.length(0);
    h.answer();
    await settle();
    h.clock.advance(60_000);
    const reqs = hbs(h.mh, LMAA);
    expect(reqs.map((m) => m.flags.R)).to.deep.equal([false, false, false]);
    expect(reqs[1]!.seq - reqs[0]!.seq).to.equal(1);
    expect(reqs.every((m) => m.options.every((o) => o.type !== 28))).to.equal(true);
  });

  it('declares the LMA unreachable after missingAllowed unanswered requests and drops the sessions when told to', async () => {
    const cfg = domain((y) => `${y}heartbeat: { interval: 30, missingAllowed: 3, onUnreachable: drop-bindings }\n`);
    const h = new MagHarness({ cfg });
    h.rs();
    h.answer();
    await settle();
    h.clock.advance(90_000);
    expect(h.core.bul.size, 'after 3 missed').to.equal(1);
    h.clock.advance(30_000);
    expect(h.counters.snapshot().heartbeat_peer_unreachable).to.equal(1);
    expect(h.core.bul.size, 'after the 4th').to.equal(0);
  });

  it('re-registers every session when the LMA\'s Restart Counter changes', async () => {
    const h = new MagHarness({ cfg: heartbeatDomain() });
    h.rs();
    h.answer();
    await settle();
    const req = hbs(h.mh, LMAA)[0]!;
    heartbeatTo(h.core, LMAA, req.seq, { R: true }, 5);
    const pbus = h.pbus().length;
    heartbeatTo(h.core, LMAA, 99, { R: true, U: true }, 6);
    expect(h.pbus().length).to.equal(pbus + 1);
    expect(findOption(h.lastPbu().options, 22)?.prefix, 'asks for its prefix again').to.equal('2001:db8:a000::/64');
  });

  it('removes the bindings of a MAG that restarted, and stops asking a MAG that answers Binding Error 2', () => {
    const h = new LmaHarness({ cfg: heartbeatDomain() });
    h.pbu({ llId: '020000000101' });
    heartbeatTo(h.core, MAG1, 1, { R: true }, 1);
    heartbeatTo(h.core, MAG1, 2, { R: true, U: true }, 2);
    expect(h.core.bindings()).to.deep.equal([]);
    const g = new LmaHarness({ cfg: heartbeatDomain() });
    g.pbu({ llId: '020000000101' });
    expect(hbs(g.sent, MAG1)).to.have.length(1);
    g.core.receive(Uint8Array.from([59, 2, 7, 0, 0, 0, 2, 0, ...new Array<number>(16).fill(0)]), MAG1);
    g.clock.advance(120_000);
    expect(hbs(g.sent, MAG1)).to.have.length(1);
  });

  it('keeps the Restart Counter in its state file and raises it only after a run that ended with peers', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pmipd-restart-'));
    try {
      const a = openRestartState(dir, 'lma');
      expect(a.restartCounter).to.equal(0);
      expect(openRestartState(dir, 'lma').restartCounter, 'no peers at the end: no state lost').to.equal(0);
      openRestartState(dir, 'lma').rememberPeers(new Set([MAG1]));
      const b = openRestartState(dir, 'lma');
      expect([b.restartCounter, b.formerPeers]).to.deep.equal([1, [MAG1]]);
      expect(JSON.parse(readFileSync(join(dir, 'pmipd-lma.state.json'), 'utf8'))).to.deep.equal({ restartCounter: 1, peers: [] });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
