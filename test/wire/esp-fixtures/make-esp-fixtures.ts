// Makes the ESP fixtures of test/wire/fixtures/esp/: the Linux kernel (not our encoder) protects a
// PBU, its PBA and a ping between two network namespaces with XFRM transport-mode SAs of each
// algorithm, tcpdump captures the ESP packets, and the keys go beside them in esp-sas.json form.
// They are the independent oracle of the ESP decoder. Needs a kernel with IPv6 ESP (this host's
// has none), so run it in the VM, as root, from the repository root:
//
//   flock /tmp/pmip-vm.lock node dist/harness/cli/main.js vm -- node dist/test/wire/esp-fixtures/make-esp-fixtures.js
//
//   ns A (MAG 2001:db8:1::1) veth ====== veth ns B (LMA 2001:db8:1::2)
//             ESP transport mode, one SA per direction, captured on A's veth
import { execa } from 'execa';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeEspSas } from '../../../harness/capture/esp-sas.js';
import { pollUntil } from '../../../harness/poll.js';
import { openRaw, sendRaw } from '../../../pmipd/io/raw.js';
import { encodeMobilityHeader, fromHex, parseIpv6, toHex, type MobilityHeaderSpec } from '../../../wire/index.js';
import { espSaFrom, espSaKeyHex, type EspAlgorithm, type EspSa } from '../../../wire/esp.js';
import { LMA, MAG1, MN1, pbaMsg, pbuMsg, T0 } from '../../conformance/scenario.js';

export const FIXTURE_DIR = 'test/wire/fixtures/esp';
const MAC_A = '02:00:00:00:01:01', MAC_B = '02:00:00:00:02:01';

/** Fixed keys (test fixtures, not secrets) and SPIs that differ per algorithm and direction. */
const KEYS: Record<EspAlgorithm, { up: number; down: number; key: string }> = {
  'null-sha256': { up: 0x1001, down: 0x2001, key: '1f'.repeat(32) },
  'aes-gcm-128': { up: 0x1002, down: 0x2002, key: `${'2a'.repeat(16)}c0ffee01` },
  'aes-cbc-sha256': { up: 0x1003, down: 0x2003, key: `${'3b'.repeat(16)}${'4c'.repeat(32)}` },
};

/** The `ip xfrm state` transform words of an SA. */
function xfrmAlgo(sa: EspSa): string[] {
  const hex = (b: Uint8Array | undefined) => `0x${Buffer.from(b ?? []).toString('hex')}`;
  switch (sa.alg) {
    case 'null-sha256': return ['enc', 'cipher_null', '', 'auth-trunc', 'hmac(sha256)', hex(sa.authKey), '128'];
    case 'aes-gcm-128': return ['aead', 'rfc4106(gcm(aes))', `0x${espSaKeyHex(sa)}`, '128'];
    case 'aes-cbc-sha256': return ['enc', 'cbc(aes)', hex(sa.encKey), 'auth-trunc', 'hmac(sha256)', hex(sa.authKey), '128'];
  }
}

async function ip(ns: string | null, args: string[]): Promise<void> {
  await execa('ip', ns === null ? args : ['-n', ns, ...args]);
}

/** Run inside a namespace by the parent: sends one MH (hex) to `dst` from a raw MH socket (the kernel sums it). */
async function sendMh(dst: string, hex: string): Promise<void> {
  const s = openRaw(135);
  try {
    await sendRaw(s, fromHex(hex), dst);
  } finally {
    s.close();
  }
}

async function makeOne(alg: EspAlgorithm, pbu: Uint8Array, pba: Uint8Array): Promise<void> {
  const k = KEYS[alg];
  const up = espSaFrom(k.up, alg, k.key), down = espSaFrom(k.down, alg, k.key);
  up.src = MAG1; up.dst = LMA; down.src = LMA; down.dst = MAG1;
  const id = `${process.pid}`;
  const a = `espfx-a-${id}`, b = `espfx-b-${id}`, va = `efa${id}`, vb = `efb${id}`;
  const pcap = join(FIXTURE_DIR, `${alg}.pcap`);
  await ip(null, ['netns', 'add', a]);
  try {
    await ip(null, ['netns', 'add', b]);
    try {
      await ip(null, ['link', 'add', va, 'netns', a, 'address', MAC_A, 'type', 'veth', 'peer', 'name', vb, 'netns', b, 'address', MAC_B]);
      for (const [ns, dev, addr, peer, peerMac] of [[a, va, MAG1, LMA, MAC_B], [b, vb, LMA, MAG1, MAC_A]] as const) {
        await ip(ns, ['link', 'set', 'lo', 'up']);
        await ip(ns, ['link', 'set', dev, 'up']);
        await ip(ns, ['-6', 'addr', 'add', `${addr}/64`, 'dev', dev, 'nodad']);
        // No Neighbor Discovery: the capture holds only the protected packets.
        await ip(ns, ['-6', 'neigh', 'replace', peer, 'lladdr', peerMac, 'dev', dev, 'nud', 'permanent']);
        for (const sa of [up, down]) {
          await ip(ns, ['xfrm', 'state', 'add', 'src', sa.src!, 'dst', sa.dst!, 'proto', 'esp', 'spi', `0x${sa.spi.toString(16)}`, 'reqid', '1', 'mode', 'transport', ...xfrmAlgo(sa)]);
        }
        const out = addr === MAG1 ? up : down, inn = addr === MAG1 ? down : up;
        await ip(ns, ['xfrm', 'policy', 'add', 'src', `${out.src}/128`, 'dst', `${out.dst}/128`, 'dir', 'out', 'tmpl', 'src', out.src!, 'dst', out.dst!, 'proto', 'esp', 'reqid', '1', 'mode', 'transport']);
        await ip(ns, ['xfrm', 'policy', 'add', 'src', `${inn.src}/128`, 'dst', `${inn.dst}/128`, 'dir', 'in', 'tmpl', 'src', inn.src!, 'dst', inn.dst!, 'proto', 'esp', 'reqid', '1', 'mode', 'transport']);
      }
      // PBU, PBA, echo request, echo reply: tcpdump ends by itself after the fourth ESP packet.
      let stderr = '';
      const dump = execa('ip', ['netns', 'exec', a, 'tcpdump', '-i', va, '-U', '-s', '0', '-c', '4', '-w', pcap, 'ip6', 'proto', '50'], { reject: false, timeout: 120_000 });
      dump.stderr?.on('data', (d: Buffer) => { stderr += d.toString(); });
      await pollUntil(() => stderr.includes('listening on') || (dump.exitCode !== null ? { pending: stderr } : false), { what: `tcpdump listening in ${a}`, timeoutMs: 60_000 });
      const self = process.argv[1]!;
      await execa('ip', ['netns', 'exec', a, process.execPath, self, '--send', LMA, toHex(pbu)]);
      await execa('ip', ['netns', 'exec', b, process.execPath, self, '--send', MAG1, toHex(pba)]);
      await execa('ip', ['netns', 'exec', a, 'ping', '-6', '-c', '1', '-W', '30', LMA]);
      const r = await dump;
      if (r.exitCode !== 0) throw new Error(`tcpdump in ${a} ended with ${r.exitCode}: ${stderr.trim()}`);
      await writeEspSas(join(FIXTURE_DIR, `${alg}.esp-sas.json`), [up, down]);
      process.stdout.write(`${alg}: ${pcap} (${stderr.trim().split('\n').pop()})\n`);
    } finally {
      await ip(null, ['netns', 'del', b]);
    }
  } finally {
    await ip(null, ['netns', 'del', a]);
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === '--send') { await sendMh(argv[1]!, argv[2]!); return; }
  mkdirSync(FIXTURE_DIR, { recursive: true });
  // One PBU/PBA exchange (MN1 attaching at MAG1, timestamped now), the same octets under every algorithm.
  const now = Date.now() / 1000 - T0;
  const pbuSpec = pbuMsg(now, { mn: MN1, seq: 100, hi: 1 }) as MobilityHeaderSpec & { type: 5 };
  const pbaSpec = pbaMsg(pbuSpec, { hnps: [MN1.hnp], lla: MN1.lla });
  const pbu = encodeMobilityHeader(pbuSpec, { src: parseIpv6(MAG1), dst: parseIpv6(LMA) });
  const pba = encodeMobilityHeader(pbaSpec, { src: parseIpv6(LMA), dst: parseIpv6(MAG1) });
  for (const alg of Object.keys(KEYS) as EspAlgorithm[]) await makeOne(alg, pbu, pba);
}

main().catch((err: Error) => {
  process.stderr.write(`make-esp-fixtures: ${err.message}\n`);
  process.exitCode = 1;
});
