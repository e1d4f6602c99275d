// ESP (RFC 4303) as PMIPv6 signalling protection uses it (RFC 5213 §4): the packet structure, the
// three transforms the testbed keys (ESP-NULL with HMAC-SHA-256-128, AES-GCM-128, AES-128-CBC with
// HMAC-SHA-256-128), security associations given as text, and opening a packet with (or, for
// ESP-NULL, without) its SA. Pure: node:crypto only, no I/O.
import { createCipheriv, createDecipheriv, createHmac, timingSafeEqual } from 'node:crypto';
import { viewOf } from './bytes.js';

export const ESP_ALGORITHMS = ['null-sha256', 'aes-gcm-128', 'aes-cbc-sha256'] as const;
export type EspAlgorithm = (typeof ESP_ALGORITHMS)[number];

/** Octets of SPI + Sequence Number. */
export const ESP_HEADER_LENGTH = 8;
/** Every transform here has a 16-octet ICV (HMAC-SHA-256-128, RFC 4868 §2.3; GCM, RFC 4106 §6). */
export const ESP_ICV_LENGTH = 16;

/** Key octets each algorithm takes, in the order KEY (text) and `key` (JSON) concatenate them. */
const KEY_LAYOUT: Record<EspAlgorithm, { enc: number; salt: number; auth: number; iv: number; block: number; text: string }> = {
  // RFC 4868 §2.1.1: the HMAC-SHA-256 key is 256 bits.
  'null-sha256': { enc: 0, salt: 0, auth: 32, iv: 0, block: 4, text: '32-octet HMAC-SHA-256 key' },
  // RFC 4106 §8.1: 16-octet AES key then the 4-octet salt (as `ip xfrm ... aead 'rfc4106(gcm(aes))'` takes it).
  'aes-gcm-128': { enc: 16, salt: 4, auth: 0, iv: 8, block: 4, text: '16-octet AES key followed by the 4-octet salt (20 octets)' },
  // RFC 3602 (AES-128-CBC, 16-octet IV) + RFC 4868 (HMAC-SHA-256-128).
  'aes-cbc-sha256': { enc: 16, salt: 0, auth: 32, iv: 16, block: 16, text: '16-octet AES key followed by the 32-octet HMAC-SHA-256 key (48 octets; ENC+AUTH also accepted)' },
};

/** Key octets each algorithm takes (what espSaFrom reads from hex and espSaKeyHex writes). */
export const ESP_KEY_OCTETS = Object.fromEntries(ESP_ALGORITHMS.map((a) => [a, KEY_LAYOUT[a].enc + KEY_LAYOUT[a].salt + KEY_LAYOUT[a].auth])) as Record<EspAlgorithm, number>;

/**
 * A security association, the one type for all: the capture reader's (which packets, their keys),
 * pmipd's XFRM lines and esp-sas.json (keys back to hex with espSaKeyHex).
 */
export interface EspSa {
  spi: number;
  alg: EspAlgorithm;
  /** AES key (aes-gcm-128, aes-cbc-sha256). */
  encKey?: Uint8Array;
  /** aes-gcm-128: the 4-octet salt of the nonce (RFC 4106 §4). */
  salt?: Uint8Array;
  /** HMAC-SHA-256 key (null-sha256, aes-cbc-sha256). ESP-NULL without one still decodes, unverified. */
  authKey?: Uint8Array;
  /** Addresses the SA was seen or made for (documentation; the SPI alone selects it). */
  src?: string;
  dst?: string;
}

/** A bad SA text or JSON entry; the message says what is wrong. */
export class EspSaError extends Error {
  override readonly name = 'EspSaError';
}

/** "0x00001001" (how SPIs are printed everywhere). */
export function spiText(spi: number): string {
  return `0x${spi.toString(16).padStart(8, '0')}`;
}

/** SPI as hex (0x...) or decimal; 1-255 are reserved (RFC 4303 §2.1), 0 is never on the wire. */
export function parseSpi(text: string): number {
  const t = text.trim();
  let n: number;
  if (/^0x[0-9a-f]{1,8}$/i.test(t)) n = parseInt(t.slice(2), 16);
  else if (/^[0-9]{1,10}$/.test(t)) n = Number(t);
  else throw new EspSaError(`SPI '${text}' is neither hex (0x...) nor decimal`);
  if (n > 0xffffffff) throw new EspSaError(`SPI '${text}' does not fit in 32 bits`);
  if (n < 256) throw new EspSaError(`SPI '${text}' is reserved (RFC 4303 §2.1: 0-255 are not assigned to SAs)`);
  return n;
}

function parseAlgorithm(text: string): EspAlgorithm {
  const a = text.trim().toLowerCase();
  if (!(ESP_ALGORITHMS as readonly string[]).includes(a)) throw new EspSaError(`algorithm '${text}' is none of ${ESP_ALGORITHMS.join(', ')}`);
  return a as EspAlgorithm;
}

function hexKey(text: string, what: string): Uint8Array {
  const t = text.trim().replace(/^0x/i, '');
  if (t.length % 2 !== 0 || !/^[0-9a-f]*$/i.test(t)) throw new EspSaError(`${what} '${text}' is not an even number of hex digits`);
  return Uint8Array.from(Buffer.from(t, 'hex'));
}

/**
 * The SA of an SPI, algorithm and key (the KEY of `SPI:ALG:KEY` or the `key` of esp-sas.json).
 * KEY is hex (0x optional). aes-cbc-sha256 takes ENCKEY followed by AUTHKEY as one hex string:
 * one token, so the same text fits the command line and the JSON file and reads as Linux prints
 * keys with `ip xfrm state`, one after the other; `ENCKEY+AUTHKEY` is accepted for readability.
 * ESP-NULL may come without a key: it decodes, its ICV stays unverified.
 */
export function espSaFrom(spi: string | number, alg: string, key: string | undefined, between?: { src: string; dst: string }): EspSa {
  const sa: EspSa = { spi: typeof spi === 'number' ? parseSpi(String(spi)) : parseSpi(spi), alg: parseAlgorithm(alg), ...between };
  const layout = KEY_LAYOUT[sa.alg];
  if (key === undefined || key.trim() === '') {
    if (sa.alg === 'null-sha256') return sa;
    throw new EspSaError(`${sa.alg} needs a key: ${layout.text}`);
  }
  let bytes: Uint8Array;
  if (sa.alg === 'aes-cbc-sha256' && key.includes('+')) {
    const [enc, auth, extra] = key.split('+');
    if (extra !== undefined) throw new EspSaError(`key '${key}' has more than one '+' (ENCKEY+AUTHKEY)`);
    const e = hexKey(enc!, 'encryption key'), a = hexKey(auth!, 'authentication key');
    if (e.length !== layout.enc) throw new EspSaError(`encryption key has ${e.length} octets, ${sa.alg} takes ${layout.enc}`);
    if (a.length !== layout.auth) throw new EspSaError(`authentication key has ${a.length} octets, ${sa.alg} takes ${layout.auth}`);
    bytes = new Uint8Array([...e, ...a]);
  } else {
    bytes = hexKey(key, 'key');
  }
  const want = layout.enc + layout.salt + layout.auth;
  if (bytes.length !== want) throw new EspSaError(`key has ${bytes.length} octets, ${sa.alg} takes the ${layout.text}`);
  if (layout.enc > 0) sa.encKey = bytes.slice(0, layout.enc);
  if (layout.salt > 0) sa.salt = bytes.slice(layout.enc, layout.enc + layout.salt);
  if (layout.auth > 0) sa.authKey = bytes.slice(layout.enc + layout.salt);
  return sa;
}

/** `SPI:ALG:KEY` (as `analyze --esp-sa` takes it), e.g. `0x1001:aes-gcm-128:00112233...`; `SPI:null-sha256` alone is allowed. */
export function parseEspSa(text: string): EspSa {
  const parts = text.split(':');
  if (parts.length < 2 || parts.length > 3) throw new EspSaError(`'${text}' is not SPI:ALG:KEY (e.g. 0x1001:aes-gcm-128:<40 hex digits>)`);
  try {
    return espSaFrom(parts[0]!, parts[1]!, parts[2]);
  } catch (err) {
    throw new EspSaError(`'${text}': ${(err as Error).message}`);
  }
}

/** The key as KEY text: the concatenated octets in hex ('' for an unkeyed ESP-NULL SA). */
export function espSaKeyHex(sa: EspSa): string {
  return Buffer.concat([sa.encKey ?? new Uint8Array(0), sa.salt ?? new Uint8Array(0), sa.authKey ?? new Uint8Array(0)]).toString('hex');
}

/**
 * SAs by SPI, as the decoder looks them up. Several SAs may share an SPI (it is unique per
 * destination, and a broken peer may reuse one): their addresses then pick.
 */
export class EspSaTable {
  private readonly bySpi = new Map<number, EspSa[]>();

  constructor(sas: Iterable<EspSa> = []) {
    for (const sa of sas) this.add(sa);
  }

  add(sa: EspSa): void {
    const list = this.bySpi.get(sa.spi);
    if (list === undefined) { this.bySpi.set(sa.spi, [sa]); return; }
    if (list.some((x) => x.dst === sa.dst && x.src === sa.src)) {
      throw new EspSaError(`SPI ${spiText(sa.spi)} is given twice${sa.dst !== undefined ? ` for ${sa.src ?? 'any source'} > ${sa.dst}` : ''}`);
    }
    list.push(sa);
  }

  get size(): number {
    let n = 0;
    for (const l of this.bySpi.values()) n += l.length;
    return n;
  }

  /** The SA of this SPI for a packet `src` > `dst`: the one naming both, else its destination, else none. */
  find(spi: number, src: string | undefined, dst: string | undefined): EspSa | undefined {
    const list = this.bySpi.get(spi);
    if (list === undefined) return undefined;
    if (list.length === 1) return list[0];
    return list.find((x) => x.dst === dst && x.src === src) ?? list.find((x) => x.dst === dst && x.src === undefined)
      ?? list.find((x) => x.dst === undefined);
  }

  all(): EspSa[] {
    return [...this.bySpi.values()].flat();
  }
}

// ---------------------------------------------------------------------------------------------
// Packet structure

/** An ESP packet with its protected part in the clear (RFC 4303 §2). */
export interface EspPacket {
  spi: number;
  sequence: number;
  /** The transform's IV (hex; empty for ESP-NULL). */
  iv: string;
  /** The protected data: an upper-layer message (transport mode) or an IP packet (tunnel mode). */
  payload: Uint8Array;
  /** Padding octets (RFC 4303 §2.4: 1, 2, 3... by default). */
  padding: Uint8Array;
  padLength: number;
  nextHeader: number;
  icv: Uint8Array;
}

/** What to seal: `padding` (extra octets beyond the alignment, default none) and `iv` (default: derived from the sequence number). */
export interface EspSpec {
  spi?: number;
  sequence: number;
  nextHeader: number;
  payload: Uint8Array;
  /** Extra padding octets beyond what alignment needs (multiple of the block size keeps it aligned). */
  extraPadding?: number;
  iv?: Uint8Array;
}

/** Why the ICV of a packet is trusted or not. */
export type EspIcvStatus = 'verified' | 'failed' | 'unknown';

/** The ESP layer of a decoded packet. */
export interface EspLayer {
  spi: number;
  sequence: number;
  /** The transform, when an SA names it or the packet is recognisably ESP-NULL. */
  alg?: EspAlgorithm;
  /** verified: the ICV matches the SA's key; failed: it does not (a forged or corrupted packet); unknown: no key. */
  icv: EspIcvStatus;
  /** Trailer Next Header, when the payload could be read: 41 or 4 is tunnel mode. */
  nextHeader?: number;
  padLength?: number;
  /** Octets of the protected payload (without IV, padding, trailer and ICV). */
  payloadLength?: number;
  /** Why the payload was not read, or why the ICV is not verified. */
  note?: string;
}

function hmac16(key: Uint8Array, buf: Uint8Array, off: number, len: number): Uint8Array {
  return createHmac('sha256', key).update(buf.subarray(off, off + len)).digest().subarray(0, ESP_ICV_LENGTH);
}

function gcmNonce(sa: EspSa, iv: Uint8Array): Buffer {
  return Buffer.concat([sa.salt!, iv]);
}

function requireKeys(sa: EspSa): void {
  const l = KEY_LAYOUT[sa.alg];
  if ((l.enc > 0 && sa.encKey === undefined) || (l.auth > 0 && sa.authKey === undefined)) throw new EspSaError(`SA ${spiText(sa.spi)} (${sa.alg}) has no key to seal with`);
}

/**
 * Seals a payload with the SA: SPI, sequence, IV, encrypted payload + padding + trailer, ICV.
 * The default IV is the sequence number (GCM needs a unique one per key, RFC 4106 §3.1; CBC wants an
 * unpredictable one, which only matters for real traffic, not for test packets).
 */
export function encodeEsp(spec: EspSpec, sa: EspSa): Uint8Array {
  requireKeys(sa);
  const l = KEY_LAYOUT[sa.alg];
  const spi = spec.spi ?? sa.spi;
  const plainLen0 = spec.payload.length + 2;
  let pad = (l.block - (plainLen0 % l.block)) % l.block + (spec.extraPadding ?? 0);
  if (pad > 255) throw new EspSaError(`ESP padding of ${pad} octets exceeds 255`);
  const plain = new Uint8Array(plainLen0 + pad);
  plain.set(spec.payload, 0);
  for (let i = 0; i < pad; i++) plain[spec.payload.length + i] = i + 1;
  plain[plain.length - 2] = pad;
  plain[plain.length - 1] = spec.nextHeader;
  const iv = spec.iv ?? new Uint8Array(l.iv);
  if (spec.iv === undefined && l.iv > 0) new DataView(iv.buffer, iv.byteOffset).setUint32(l.iv - 4, spec.sequence);
  if (iv.length !== l.iv) throw new EspSaError(`${sa.alg} takes a ${l.iv}-octet IV, not ${iv.length}`);
  const head = new Uint8Array(ESP_HEADER_LENGTH);
  const hv = new DataView(head.buffer);
  hv.setUint32(0, spi); hv.setUint32(4, spec.sequence);
  let body: Uint8Array, icv: Uint8Array;
  if (sa.alg === 'aes-gcm-128') {
    const c = createCipheriv('aes-128-gcm', sa.encKey!, gcmNonce(sa, iv), { authTagLength: 16 });
    c.setAAD(head);
    body = Buffer.concat([c.update(plain), c.final()]);
    icv = c.getAuthTag();
  } else {
    if (sa.alg === 'aes-cbc-sha256') {
      const c = createCipheriv('aes-128-cbc', sa.encKey!, iv);
      c.setAutoPadding(false);
      body = Buffer.concat([c.update(plain), c.final()]);
    } else {
      body = plain;
    }
    const authed = new Uint8Array(ESP_HEADER_LENGTH + iv.length + body.length);
    authed.set(head, 0); authed.set(iv, ESP_HEADER_LENGTH); authed.set(body, ESP_HEADER_LENGTH + iv.length);
    icv = hmac16(sa.authKey!, authed, 0, authed.length);
  }
  const out = new Uint8Array(ESP_HEADER_LENGTH + iv.length + body.length + ESP_ICV_LENGTH);
  out.set(head, 0);
  out.set(iv, ESP_HEADER_LENGTH);
  out.set(body, ESP_HEADER_LENGTH + iv.length);
  out.set(icv, out.length - ESP_ICV_LENGTH);
  return out;
}

/**
 * The result of opening an ESP packet: the layer as decoded, and where the protected payload is
 * (in the packet's own buffer for ESP-NULL, in a new one after decryption). `payload` is unset
 * when it could not be read (no SA, a wrong key, a broken trailer).
 */
export interface EspOpened {
  layer: EspLayer;
  payload?: { buf: Uint8Array; off: number; len: number };
}

/** Upper layers an unkeyed ESP-NULL packet is recognised by (their own structure is checked too). */
export type EspNullProbe = (nextHeader: number, buf: Uint8Array, off: number, len: number) => boolean;

/**
 * Opens the ESP packet of `len` octets at `off` (from the SPI to the end of the IP payload).
 * With an SA: verifies the ICV and decrypts; a failed ICV still yields the payload when its trailer
 * holds together (a forged message is kept, flagged). Without one: ESP-NULL is recognised from the
 * end (16-octet ICV, then Next Header, Pad Length and the 1, 2, 3... padding) when `probe` accepts
 * the payload; anything else is reported encrypted.
 */
export function openEsp(buf: Uint8Array, off: number, len: number, sa: EspSa | undefined, probe: EspNullProbe): EspOpened {
  const v = viewOf(buf);
  const spi = v.getUint32(off), sequence = v.getUint32(off + 4);
  const layer: EspLayer = { spi, sequence, icv: 'unknown' };
  if (sa === undefined) {
    const t = trailer(buf, off + ESP_HEADER_LENGTH, len - ESP_HEADER_LENGTH - ESP_ICV_LENGTH, 4);
    if (t !== undefined && probe(t.nextHeader, buf, off + ESP_HEADER_LENGTH, t.payloadLength)) {
      layer.alg = 'null-sha256';
      setTrailer(layer, t);
      layer.note = `no SA for SPI ${spiText(spi)}: read as ESP-NULL from its trailer, ICV not verified`;
      return { layer, payload: { buf, off: off + ESP_HEADER_LENGTH, len: t.payloadLength } };
    }
    layer.note = `not decrypted (no SA for SPI ${spiText(spi)})`;
    return { layer };
  }
  layer.alg = sa.alg;
  const l = KEY_LAYOUT[sa.alg];
  const bodyOff = off + ESP_HEADER_LENGTH + l.iv;
  const bodyLen = len - ESP_HEADER_LENGTH - l.iv - ESP_ICV_LENGTH;
  if (bodyLen < 2 || bodyLen % l.block !== 0) {
    layer.note = `${bodyLen < 2 ? 'too short' : `protected part of ${bodyLen} octets is not a multiple of ${l.block}`} for ${sa.alg}`;
    return { layer };
  }
  const icvOff = off + len - ESP_ICV_LENGTH;
  let plain: Uint8Array, plainOff: number;
  if (sa.alg === 'aes-gcm-128') {
    if (sa.encKey === undefined || sa.salt === undefined) { layer.note = `SA ${spiText(spi)} has no key`; return { layer }; }
    const d = createDecipheriv('aes-128-gcm', sa.encKey, gcmNonce(sa, buf.subarray(off + ESP_HEADER_LENGTH, bodyOff)), { authTagLength: 16 });
    d.setAAD(buf.subarray(off, off + ESP_HEADER_LENGTH));
    d.setAuthTag(buf.subarray(icvOff, icvOff + ESP_ICV_LENGTH));
    plain = d.update(buf.subarray(bodyOff, bodyOff + bodyLen));
    plainOff = 0;
    try {
      d.final();
      layer.icv = 'verified';
    } catch {
      layer.icv = 'failed';
    }
  } else {
    if (sa.authKey === undefined) {
      layer.note = `SA ${spiText(spi)} has no authentication key: ICV not verified`;
    } else {
      const want = hmac16(sa.authKey, buf, off, len - ESP_ICV_LENGTH);
      layer.icv = timingSafeEqual(want, buf.subarray(icvOff, icvOff + ESP_ICV_LENGTH)) ? 'verified' : 'failed';
    }
    if (sa.alg === 'aes-cbc-sha256') {
      if (sa.encKey === undefined) { layer.note = `SA ${spiText(spi)} has no encryption key`; return { layer }; }
      const d = createDecipheriv('aes-128-cbc', sa.encKey, buf.subarray(off + ESP_HEADER_LENGTH, bodyOff));
      d.setAutoPadding(false);
      plain = Buffer.concat([d.update(buf.subarray(bodyOff, bodyOff + bodyLen)), d.final()]);
      plainOff = 0;
    } else {
      plain = buf;
      plainOff = bodyOff;
    }
  }
  if (layer.icv === 'failed') layer.note = `ICV verification failed with the SA of SPI ${spiText(spi)} (forged, corrupted or a wrong key)`;
  const t = trailer(plain, plainOff, bodyLen, l.block);
  if (t === undefined) {
    layer.note = `${layer.note !== undefined ? `${layer.note}; ` : ''}the trailer does not hold together (pad length or padding)`;
    return { layer };
  }
  setTrailer(layer, t);
  return { layer, payload: { buf: plain, off: plainOff, len: t.payloadLength } };
}

interface Trailer { nextHeader: number; padLength: number; payloadLength: number }

function setTrailer(layer: EspLayer, t: Trailer): void {
  layer.nextHeader = t.nextHeader;
  layer.padLength = t.padLength;
  layer.payloadLength = t.payloadLength;
}

/**
 * The trailer at the end of the `len` protected octets at `off`: Pad Length, Next Header, and the
 * padding, which must be 1, 2, 3... (RFC 4303 §2.4, what Linux and every IKE daemon send; a
 * receiver that checks it catches a wrong key or a packet that is no ESP-NULL).
 */
function trailer(buf: Uint8Array, off: number, len: number, align: number): Trailer | undefined {
  if (len < 2 || len % align !== 0) return undefined;
  const padLength = buf[off + len - 2]!, nextHeader = buf[off + len - 1]!;
  const payloadLength = len - 2 - padLength;
  if (payloadLength < 0) return undefined;
  for (let i = 0; i < padLength; i++) if (buf[off + payloadLength + i] !== i + 1) return undefined;
  return { nextHeader, padLength, payloadLength };
}

/** The structure of an opened packet (for tests and `decode --json`): payload, padding, trailer, ICV. */
export function espPacket(buf: Uint8Array, off: number, len: number, sa: EspSa | undefined, probe: EspNullProbe): EspPacket | undefined {
  const o = openEsp(buf, off, len, sa, probe);
  if (o.payload === undefined || o.layer.padLength === undefined) return undefined;
  const ivLen = sa ? KEY_LAYOUT[sa.alg].iv : 0;
  const p = o.payload;
  return {
    spi: o.layer.spi, sequence: o.layer.sequence,
    iv: Buffer.from(buf.subarray(off + ESP_HEADER_LENGTH, off + ESP_HEADER_LENGTH + ivLen)).toString('hex'),
    payload: p.buf.slice(p.off, p.off + p.len),
    padding: p.buf.slice(p.off + p.len, p.off + p.len + o.layer.padLength),
    padLength: o.layer.padLength, nextHeader: o.layer.nextHeader!,
    icv: buf.slice(off + len - ESP_ICV_LENGTH, off + len),
  };
}
