// Passive conformance checks over a Trace.
export * from './types.js';
export { Judge, MAX_FAILURE_EVIDENCE, type Detail, type LazyText } from './judge.js';
export { check, type Check } from './check.js';
export { CHECKS, checkFor, checkedRequirements, runChecks, type RunChecksOptions } from './registry.js';
export { mhEv, ndEv, dataEv } from './evidence.js';

/** Known deviations of this project's own platform (platform notes: the kernel has no IPv6 ESP). */
export const PLATFORM_DEVIATIONS: Readonly<Record<string, string>> = {
  'SEC-01': 'a testbed without IPsec (a kernel without IPv6 ESP, or IPsec not configured) runs PBU/PBA unprotected (catalog: a known deviation there); pmipd protects them with ipsec: manual or ikev2 (cases ipsec-*, in a VM)',
};
