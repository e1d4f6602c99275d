// Judgements a case makes on an IUT's state dump, shared by the cases that need them.
import type { CaseRun } from './case.js';

/**
 * MAG-PBA-04 at `mag`: after an accepting PBA the MAG has a tunnel (or encapsulating route) toward
 * the LMAA and routes traffic from the MN's prefix `hnp` into it. A TUN device (pmipd's user-space
 * tunnel) does not show its far end to the kernel: there the IUT's own dump must name the LMAA.
 */
export async function judgeMagTunnelState(c: CaseRun, mag: string, hnp: string): Promise<void> {
  const state = await c.tb.collectState(mag);
  const lmaa = c.address('lma1');
  const userSpaceTunnel = /\btun type tun\b/.test(state.links) && (state.bindingCache?.includes(lmaa) ?? false);
  const toLma = state.routes.split('\n').some((l) => l.includes(lmaa)) || state.links.includes(lmaa) || userSpaceTunnel;
  const fromHnp = state.rules.includes(`from ${hnp}`) || state.routes.includes(hnp);
  c.verdict('MAG-PBA-04').expect(toLma && fromHnp,
    { pass: `${mag} tunnels ${hnp} toward ${lmaa}`, fail: `${mag} lacks ${toLma ? `a rule or route for traffic from ${hnp}` : `a tunnel or encap route toward ${lmaa}`}` });
}
