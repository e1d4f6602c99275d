// ipsec-manual: the signalling inside ESP with SAs keyed by hand (the testbed makes one SA pair
// per MAG–LMA pair per run, from crypto-random bytes, and records them in captures/esp-sas.json).
// Purpose, RFC sections, ladder and judgements: ../ipsec-common/scenario.ts. Needs IPv6 ESP in the
// kernel: elsewhere the case is SKIPPED ("no IPv6 ESP: run with --vm").
//
//   mn1 ─ ap1 ─ mag1 ═╗
//     ┊                ╠═ lma1 ─ cn1      tester1 ─ lma1    (../ipsec-common/topology.yaml)
//     └┈▶ ap2 ─ mag2 ═╝                   ═ : ESP transport mode, SPD: MH between the pair
import { ipsecCase } from '../ipsec-common/scenario.js';

ipsecCase(import.meta.url, 'manual');
