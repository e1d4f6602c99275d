// ipsec-ikev2: the signalling inside ESP with SAs negotiated by strongSwan (one charon per MAG and
// LMA node, pre-shared keys made per run; the MAGs initiate, the LMA's policies trap from the
// start). The SAs IKEv2 negotiated are recorded in captures/esp-sas.json.
// Purpose, RFC sections, ladder and judgements: ../ipsec-common/scenario.ts; here also SEC-03
// (IKE_SA_INIT and IKE_AUTH on UDP 500/4500 before the first PBU). Needs IPv6 ESP and strongSwan:
// elsewhere the case is SKIPPED with the reason named.
//
//   mn1 ─ ap1 ─ mag1 ═╗
//     ┊                ╠═ lma1 ─ cn1      tester1 ─ lma1    (../ipsec-common/topology.yaml)
//     └┈▶ ap2 ─ mag2 ═╝                   ═ : IKEv2, then ESP transport mode
import { ipsecCase } from '../ipsec-common/scenario.js';

ipsecCase(import.meta.url, 'ikev2');
