// What a process learns about the machine it runs on, for the report header and the domain
// profile: the kernel, and whether `pmip-testbed vm` started it (PMIP_VM, set by /init's
// environment, describes the VM: accelerator, vCPUs, memory, kernel origin).
import { release, version } from 'node:os';

/** The description `pmip-testbed vm` puts in the guest's environment; undefined outside a VM. */
export function vmDescription(): string | undefined {
  const v = process.env.PMIP_VM;
  return v === undefined || v === '' ? undefined : v;
}

/** "6.1.0-50-amd64 (#1 SMP PREEMPT_DYNAMIC Debian 6.1.176-1 (2026-07-02))" */
export function kernelDescription(): string {
  return `${release()} (${version()})`;
}
