// The `raw-socket` native addon, loaded once, with a clear error when it is missing or unbuilt.
import { createRequire } from 'node:module';

export interface RawSocket {
  on(event: 'message', cb: (buf: Buffer, source: string) => void): void;
  on(event: 'error', cb: (err: Error) => void): void;
  send(buf: Buffer, offset: number, length: number, address: string, cb: (err: Error | null, bytes: number) => void): void;
  setOption(level: number, option: number, value: number | Buffer, length?: number): void;
  close(): void;
}

interface RawModule {
  createSocket(o: { addressFamily: number; protocol: number; bufferSize?: number }): RawSocket;
  AddressFamily: { IPv4: number; IPv6: number };
}

export class RawSocketUnavailable extends Error {
  override readonly name = 'RawSocketUnavailable';
}

let mod: RawModule | undefined;

export function rawSocketModule(): RawModule {
  if (mod !== undefined) return mod;
  try {
    mod = createRequire(import.meta.url)('raw-socket') as RawModule;
  } catch (err) {
    throw new RawSocketUnavailable(
      `the npm package raw-socket (native addon) cannot be loaded: ${(err as Error).message.split('\n')[0]}; ` +
      'run `npm install` (node-gyp must build node_modules/raw-socket/build/Release/raw.node)');
  }
  return mod;
}

export const SOL_SOCKET = 1;
export const SO_BINDTODEVICE = 25;
export const SO_RCVBUF = 8;
export const IPPROTO_IPV6 = 41;
export const IPPROTO_ICMPV6 = 58;
export const IPPROTO_RAW = 255;
export const IPV6_CHECKSUM = 7;
export const ICMP6_FILTER = 1;

/** A raw IPv6 socket for `protocol`, optionally bound to one interface. */
export function openRaw(protocol: number, device?: string): RawSocket {
  const m = rawSocketModule();
  const s = m.createSocket({ addressFamily: m.AddressFamily.IPv6, protocol, bufferSize: 65535 });
  if (device !== undefined) s.setOption(SOL_SOCKET, SO_BINDTODEVICE, Buffer.from(`${device}\0`), device.length + 1);
  return s;
}

export const SO_BROADCAST = 6;

/** A raw IPv4 socket for `protocol` bound to `device` (IPPROTO_RAW: sends with its own header, may broadcast). */
export function openRaw4(protocol: number, device: string): RawSocket {
  const m = rawSocketModule();
  const s = m.createSocket({ addressFamily: m.AddressFamily.IPv4, protocol, bufferSize: 65535 });
  s.setOption(SOL_SOCKET, SO_BINDTODEVICE, Buffer.from(`${device}\0`), device.length + 1);
  if (protocol === IPPROTO_RAW) s.setOption(SOL_SOCKET, SO_BROADCAST, 1);
  return s;
}

/**
 * Sending with our own IPv6 header (IPPROTO_RAW implies IPV6_HDRINCL): the kernel ignores the
 * sticky IPV6_PKTINFO source on raw sockets, and the protocol needs exact sources (the session's
 * link-local for RAs, the LMAA for PBAs).
 */
export function sendRaw(s: RawSocket, packet: Uint8Array, dst: string): Promise<void> {
  const buf = Buffer.from(packet.buffer, packet.byteOffset, packet.byteLength);
  // raw-socket queues every send until its socket polls writable, one event-loop turn later (by
  // then the ip -batch flush of the same turn has woken `ip`, which competes for the CPU with the
  // peer waiting for this PBA). With nothing queued the message goes out now, through the same
  // native call (one sendto) the queue would make; whatever fails here takes the queued path.
  const inner = s as unknown as Partial<RawSocketInternals>;
  if (inner.wrap !== undefined && inner.requests?.length === 0) {
    try {
      inner.wrap.send(buf, 0, buf.length, dst, () => undefined);
      return Promise.resolve();
    } catch { /* e.g. EAGAIN: wait for the socket to be writable */ }
  }
  return new Promise((resolve, reject) => s.send(buf, 0, buf.length, dst, (err) => (err ? reject(err) : resolve())));
}

/** raw-socket 1.8.1's internals (the version is pinned in package.json): its send queue and native socket. */
interface RawSocketInternals {
  requests: unknown[];
  wrap: { send(buf: Buffer, offset: number, length: number, address: string, done: (bytes: number) => void): void };
}
