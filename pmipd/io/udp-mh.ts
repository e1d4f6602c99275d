// The Mobility Header over IPv4/UDP (RFC 5844 §4): a UDP socket bound to an IPv4 address, port
// 5436 (pmip6-cntl). The MH checksum is sent as 0 and ignored on receipt: the UDP checksum, which
// the kernel verifies, covers the message (§4.1.3.1, §4.1.3.2, §4.2.2.1).
import { createSocket, type Socket } from 'node:dgram';
import { UDP_PORT_PMIP_SIGNALLING } from '../../wire/index.js';

export interface UdpMhPeer { address: string; port: number }

export class UdpMhSocket {
  private readonly sock: Socket;

  private constructor(sock: Socket, readonly localAddress: string, readonly localPort: number) { this.sock = sock; }

  /** Bound to `address`:`port` (0: an ephemeral port); resolves once bound, rejects with the bind error. */
  static async open(address: string, onMessage: (mh: Buffer, from: UdpMhPeer) => void, onError: (err: Error) => void,
    port = UDP_PORT_PMIP_SIGNALLING): Promise<UdpMhSocket> {
    const sock = createSocket({ type: 'udp4' });
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject);
      sock.bind({ address, port, exclusive: true }, () => { sock.off('error', reject); resolve(); });
    });
    sock.on('error', onError);
    sock.on('message', (msg, rinfo) => onMessage(msg, { address: rinfo.address, port: rinfo.port }));
    return new UdpMhSocket(sock, address, sock.address().port);
  }

  /** Sends `mh` as it is (the caller decides its checksum field: 0, unless a quirk says otherwise). */
  send(mh: Uint8Array, to: UdpMhPeer): Promise<void> {
    return new Promise((resolve, reject) => {
      this.sock.send(mh, to.port, to.address, (err) => (err ? reject(err) : resolve()));
    });
  }

  close(): void {
    try { this.sock.close(); } catch { /* closed already */ }
  }
}
