// Mobility Header I/O: a protocol-135 raw socket receives (the kernel verifies the checksum at
// offset 4 and drops bad ones, MH-05) and an IPPROTO_RAW socket sends with our own IPv6 header,
// so the source is exactly the configured LMAA / Proxy-CoA. With IPsec (`protectable`) it sends
// through a protocol-135 socket bound to that address instead: the kernel looks an IPPROTO_RAW
// send up in the SPD as protocol 255, so a policy selecting the Mobility Header would never
// protect it (measured on Debian's 6.1 kernel: the PBU left in clear).
import { IPPROTO_MH, encodeIpv6, ipv6PseudoChecksum, parseIpv6 } from '../../wire/index.js';
import { tunnelModule } from '../dataplane/tun-tunnel.js';
import { IPPROTO_IPV6, IPPROTO_RAW, IPV6_CHECKSUM, SOL_SOCKET, SO_RCVBUF, openRaw, sendRaw, type RawSocket } from './raw.js';

export class MhSocket {
  private readonly rx: RawSocket;
  private readonly tx: RawSocket | null;
  /** The bound protocol-135 socket (IPsec), or -1. */
  private readonly boundFd: number;
  private readonly srcBytes: Uint8Array;

  constructor(readonly localAddress: string, onMessage: (buf: Buffer, src: string) => void, onError: (err: Error) => void, protectable = false) {
    this.srcBytes = parseIpv6(localAddress);
    this.rx = openRaw(IPPROTO_MH);
    this.rx.setOption(IPPROTO_IPV6, IPV6_CHECKSUM, 4);
    this.rx.setOption(SOL_SOCKET, SO_RCVBUF, 4 * 1024 * 1024);
    this.rx.on('message', onMessage);
    this.rx.on('error', onError);
    if (protectable) {
      this.boundFd = tunnelModule().mhOpen(localAddress);
      this.tx = null;
    } else {
      this.boundFd = -1;
      this.tx = openRaw(IPPROTO_RAW);
      this.tx.on('error', onError);
    }
  }

  /** Sends `mh` from the local address to `dst`; its checksum field is (re)computed here. */
  send(mh: Uint8Array, dst: string): Promise<void> {
    const d = parseIpv6(dst);
    const pair = new Uint8Array(32);
    pair.set(this.srcBytes, 0);
    pair.set(d, 16);
    mh[4] = 0;
    mh[5] = 0;
    const sum = ipv6PseudoChecksum(pair, 0, 16, IPPROTO_MH, mh, 0, mh.length);
    mh[4] = sum >>> 8;
    mh[5] = sum & 0xff;
    if (this.tx === null) {
      try { tunnelModule().mhSend(this.boundFd, mh, dst); } catch (err) { return Promise.reject(err as Error); }
      return Promise.resolve();
    }
    return sendRaw(this.tx, encodeIpv6({ src: this.srcBytes, dst: d, hopLimit: 64, nextHeader: IPPROTO_MH, payload: mh }), dst);
  }

  close(): void {
    this.rx.close();
    this.tx?.close();
    if (this.boundFd >= 0) tunnelModule().mhClose(this.boundFd);
  }
}
