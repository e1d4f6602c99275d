// `pmip-testbed decode FILE`: what an implementation put on the wire, frame by frame.
import { readCapture } from '../capture/pcap-reader.js';
import { decodeFrame, summarizeFrame, type DecodedFrame } from '../../wire/frame.js';
import { parseCommandArgs, UsageError } from './args.js';
import { BufferedOutput } from '../buffered-output.js';
import { EspSaTable } from '../../wire/esp.js';
import { ESP_SA_HELP, ESP_SA_OPTIONS, espSasFromOptions } from './esp-sa-options.js';

const HELP = `usage: pmip-testbed decode FILE [--json] [--filter mh|nd|tunnel] [--esp-sa SPI:ALG:KEY...]

Decodes a capture (classic pcap with µs or ns timestamps, or pcapng) with the project's own codec.
By default one line per frame, tcpdump-like, with every mobility option spelled out.

options:
  --json              NDJSON, one object per frame: frame, time, linkType, interface, link,
                      ipv6 / ipv4, udp, icmpv6, mh (with options), inner (tunnelled packet),
                      esp (SPI, sequence, algorithm, ICV verified/failed/unknown),
                      malformed (the layer where decoding broke)
  --filter KIND       only frames that carry: mh (a Mobility Header, at any depth),
                      nd (ICMPv6 RS/RA/NS/NA/Redirect), tunnel (IPv6-in-IPv6 or IPv4-in-IPv6)
${ESP_SA_HELP}  -h, --help          this text
`;

export type FrameFilter = 'mh' | 'nd' | 'tunnel';
const FILTERS: FrameFilter[] = ['mh', 'nd', 'tunnel'];

/** True when the frame, or a packet tunnelled inside it, matches. */
export function frameMatches(frame: DecodedFrame, filter: FrameFilter): boolean {
  if (filter === 'tunnel') return frame.inner !== undefined;
  for (let p: Omit<DecodedFrame, 'linkType'> | undefined = frame; p; p = p.inner) {
    if (filter === 'mh' && p.mh) return true;
    if (filter === 'nd' && p.icmpv6 && p.icmpv6.type >= 133 && p.icmpv6.type <= 137) return true;
  }
  return false;
}

export async function main(argv: string[]): Promise<number> {
  const args = parseCommandArgs(argv, { json: { type: 'boolean' }, filter: { type: 'string' }, ...ESP_SA_OPTIONS }, HELP);
  if (!args) return 0;
  if (args.positionals.length !== 1) throw new UsageError(args.positionals.length === 0 ? 'a capture FILE is required' : 'exactly one FILE', HELP);
  const filter = args.values.filter as FrameFilter | undefined;
  if (filter !== undefined && !FILTERS.includes(filter)) throw new UsageError(`--filter must be one of ${FILTERS.join(', ')}, not '${filter}'`, HELP);
  const json = args.values.json === true;
  const sas = await espSasFromOptions(args.values, args.positionals, HELP, 'decode');
  const table = sas.length > 0 ? new EspSaTable(sas) : undefined;
  const out = new BufferedOutput(process.stdout);

  const summary = await readCapture(args.positionals[0]!, (rec) => {
    if (out.closed) return;
    const frame = decodeFrame(rec.linkType, rec.buf, rec.offset, rec.capturedLength, table);
    if (filter && !frameMatches(frame, filter)) return;
    if (json) {
      out.write(JSON.stringify({ frame: rec.index, time: rec.time, interface: rec.interfaceName, truncated: rec.capturedLength < rec.originalLength || undefined, ...frame }));
    } else {
      out.write(`${String(rec.index).padStart(6)} ${rec.time.toFixed(6)} ${summarizeFrame(frame)}`);
    }
  });
  await out.end();
  if (summary.truncated) process.stderr.write(`decode: ${args.positionals[0]}: the last record is truncated\n`);
  return 0;
}
