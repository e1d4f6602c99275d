// RFC 5844 provisioning of pmipd's domain file from a topology MN's `family` (shared by the
// adapter's own domain file and the conformance profile's).
import type { MnFamily } from '../topology/schema.js';

/** The IPv4 home addresses of a testbed domain (its first host is the default router). */
export const IPV4_HOA_POOL = '10.64.0.0/16';

export function ipv4ProvisionOf(family: MnFamily): { ipv4?: string; ipv6?: boolean } {
  return family === 'ipv6' ? {} : { ipv4: 'dynamic', ...(family === 'ipv4' ? { ipv6: false } : {}) };
}
