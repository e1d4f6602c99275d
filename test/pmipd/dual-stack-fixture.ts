// IPv4 on topologies/dual-stack.yaml for the end-to-end tests: pmipd has no DHCPv4 server yet, so
// mn1 gets the IPv4 home address the LMA bound (and the pool's default router) from the test, and
// cn1 an IPv4 network behind lma1.
import type { Testbed } from '../../harness/testbed/testbed.js';
import { IPV4_HOA_POOL } from '../../harness/iut/pmipd-ipv4.js';
import { defaultRouterOf, parseIpv4Prefix } from '../../pmipd/ipv4/addresses.js';

export const CN4 = '192.0.2.2';

/** `hoa`: mn1's IPv4 home address with its prefix length, as the LMA's binding dump lists it. */
export async function setUpIpv4(tb: Testbed, hoa: string): Promise<void> {
  const ip = (node: string, ...args: string[]) => tb.exec(node, 'ip', ['-4', ...args]);
  await ip('mn1', 'addr', 'add', hoa, 'dev', 'eth0');
  await ip('mn1', 'route', 'add', 'default', 'via', defaultRouterOf(parseIpv4Prefix(IPV4_HOA_POOL)));
  await ip('lma1', 'addr', 'add', '192.0.2.1/24', 'dev', 'eth2');
  await ip('cn1', 'addr', 'add', `${CN4}/24`, 'dev', 'eth0');
  await ip('cn1', 'route', 'add', 'default', 'via', '192.0.2.1');
}
