// What a case needs of the machine beyond the testbed itself; without it the case is SKIPPED with
// the reason named (never an ERROR or a FAIL): IPsec cases need IPv6 ESP in the kernel, which
// Debian's kernel has (`run --vm`) and some hosts lack.
import { detectKernelFeatures } from '../kernel-features.js';
import { strongswanMissing } from '../ipsec/strongswan.js';
import { dhcpv6Missing } from '../dhcpv6/services.js';

export type CaseNeed = 'esp6' | 'strongswan' | 'dhcpv6' | 'nft-masquerade';

export const NO_ESP_SKIP = 'no IPv6 ESP: run with --vm';

/** The reason to skip a case needing `needs` here, or null when it can run. */
export async function skipReason(needs: readonly CaseNeed[]): Promise<string | null> {
  for (const n of needs) {
    if (n === 'esp6' && !(await detectKernelFeatures()).esp6) return NO_ESP_SKIP;
    if (n === 'strongswan') {
      const why = strongswanMissing();
      if (why !== null) return why;
    }
    if (n === 'nft-masquerade' && !(await detectKernelFeatures())['nft-masquerade']) return 'no nftables masquerade (nft tool or kernel NAT): pmipd\'s local breakout cannot NAT; npm run setup installs nftables';
    if (n === 'dhcpv6') {
      const why = dhcpv6Missing();
      if (why !== null) return why;
    }
  }
  return null;
}
