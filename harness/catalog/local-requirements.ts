// Requirement rows the shared RFC 5213 catalog does not have, kept apart from its generated rows
// (requirements-data.ts is regenerated from the catalog and must stay equal to it). Part 'L',
// IDs prefixed X-: project-local judgements of companion behaviour, not catalog rows. Reports
// list them after part D under their own group title.
import type { Requirement } from './types.js';

const passive = { text: 'P', passive: true, stimulus: false, timing: false, state: false, none: false } as const;

/** RFC 6909 selective traffic offload at the MAG (the seed's SIPTO over WLAN): a MUST row judged from captures. */
function offloadRow(id: string, section: string, role: 'MAG' | 'LMA', statement: string, howToCheck: string): Requirement {
  return {
    part: 'L', group: 'L.1', groupTitle: 'RFC 6909: traffic offload at the MAG, IPv4 by selectors, IPv6 by domain policy (project-local rows, not in the shared catalog)', family: 'X-OFF',
    id, section, levelText: 'MUST', level: 'MUST', roleText: role, roles: [role], statement, howToCheck, observability: passive,
  };
}

export const LOCAL_REQUIREMENT_ROWS: readonly Requirement[] = [
  offloadRow('X-OFF-01', '6909 §3, §3.1', 'LMA',
    'An IPv4 Traffic Offload Selector option in a PBA answers a PBU that carried one (the MAG asked for offload), in an accepting PBA only, and is well-formed: TS Format 1 with an RFC 6088 IPv4 binary selector whose length fits its flags.',
    'Every PBA carrying option 53: its PBU carries option 53, status < 128, the option decodes (TS Format 1, selector present). P'),
  offloadRow('X-OFF-02', '6909 §3.2 (MAG considerations)', 'MAG',
    'IPv4 flows of the MN matching a granted offload selector are broken out at the MAG: they never enter the tunnel to the LMA, they leave by the local breakout link with the MAG\'s breakout address as source (NAT44).',
    'A flow to a selector\'s destination: not seen in the MAG-LMA tunnel, seen on the breakout link from the MAG\'s breakout address. P'),
  offloadRow('X-OFF-03', '6909 §3.2, 5844 §3.2.4', 'MAG',
    'IPv4 flows of the MN matching no granted selector are reverse-tunnelled to the LMA, never broken out locally.',
    'A flow to a destination outside every selector: seen in the MAG-LMA tunnel (next header 4), not on the breakout link. P'),
  offloadRow('X-OFF-04', '6909 §3.2, 5213 §6.9', 'MAG',
    'After a handover the new MAG applies the offload policy it is granted for the new attachment (matching flows break out at its own breakout link, NATed to its address), and the old MAG breaks out nothing more for the MN.',
    'After the handover, a flow to a selector\'s destination: seen on the new MAG\'s breakout link from its address, not in its tunnel, not on the old MAG\'s breakout link. P'),
  offloadRow('X-OFF-05', 'domain policy beside 6909 (IPv6), 5213 §6.10.5', 'MAG',
    'With an IPv6 offload policy in the domain, the MN\'s IPv6 flows to the policy\'s prefixes leave by the MAG\'s breakout link (NAT66 to the MAG\'s breakout address: the HNP is anchored at the LMA) and never enter the tunnel; its other IPv6 flows are tunnelled.',
    'IPv6 echo to an offload prefix: on the breakout link from the MAG\'s address, not in the tunnel; to the CN: in the tunnel only. P'),
];
