// The data planes pmipd's end-to-end tests and the self-test run over: `tun` on every machine (it
// needs only /dev/net/tun, so that path is proven everywhere, also where the kernel has tunnels),
// plus each kernel back-end the kernel probe finds. PMIP_TEST_DATAPLANES=tun,seg6 overrides.
import type { DataplaneBackend } from '../../harness/iut/adapter.js';
import { detectKernelFeatures } from '../../harness/kernel-features.js';

export const DATAPLANES_ENV = 'PMIP_TEST_DATAPLANES';

/** The kernel back-ends this kernel has (ip6tnl, seg6). */
export async function kernelDataplanes(): Promise<DataplaneBackend[]> {
  let f;
  try { f = await detectKernelFeatures(); } catch { return []; }
  const out: DataplaneBackend[] = [];
  if (f.ip6tnl) out.push('ip6tnl');
  if (f.seg6 && f.seg6local && f['ip6-rule-ipproto']) out.push('seg6');
  return out;
}

/** tun, then the kernel's back-ends (or the list in PMIP_TEST_DATAPLANES). */
export async function testDataplanes(): Promise<DataplaneBackend[]> {
  const env = process.env[DATAPLANES_ENV];
  if (env !== undefined && env.trim() !== '') return env.split(',').map((s) => s.trim()).filter(Boolean) as DataplaneBackend[];
  return ['tun', ...await kernelDataplanes()];
}

/** Every back-end with null where this machine runs it, else why not (for a named skip). */
export async function dataplaneMatrix(): Promise<[DataplaneBackend, string | null][]> {
  const run = await testDataplanes();
  const forced = (process.env[DATAPLANES_ENV] ?? '').trim() !== '';
  return (['tun', 'ip6tnl', 'seg6'] as const).map((d) => [d, run.includes(d) ? null
    : forced ? `not in ${DATAPLANES_ENV}` : `the kernel probe finds no ${d} on this kernel`]);
}
