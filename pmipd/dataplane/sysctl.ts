// Writes sysctls through /proc/sys (the daemon's own network namespace): no process per value.
import { readFileSync, writeFileSync } from 'node:fs';

export function setSysctl(name: string, value: string | number): string {
  const path = `/proc/sys/${name.replace(/\./g, '/')}`;
  const old = readFileSync(path, 'utf8').trim();
  writeFileSync(path, `${value}\n`);
  return old;
}

export function readInterfaceFile(iface: string, file: string): string {
  return readFileSync(`/sys/class/net/${iface}/${file}`, 'utf8').trim();
}
