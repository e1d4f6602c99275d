// Comparing a decoder's fields with Wireshark's: tshark's JSON for one protocol layer of each
// packet of a capture, flattened to field -> values, and the check that every field our side
// names has the same values there (tshark --no-duplicate-keys merges a repeated key's subtrees,
// so values are compared as sets).
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';

export const TSHARK = '/usr/bin/tshark';

export type Fields = Map<string, string[]>;

export function addField(f: Fields, key: string, value: string | number): void {
  const l = f.get(key);
  if (l) l.push(String(value)); else f.set(key, [String(value)]);
}

/** Every string leaf of a tshark JSON subtree, by field name. */
export function flattenFields(node: unknown, f: Fields = new Map()): Fields {
  if (Array.isArray(node)) { for (const x of node) if (typeof x !== 'string') flattenFields(x, f); return f; }
  if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (typeof v === 'string') addField(f, k, v);
      else if (Array.isArray(v) && v.every((x) => typeof x === 'string')) for (const x of v) addField(f, k, x);
      else flattenFields(v, f);
    }
  }
  return f;
}

/** tshark's fields of `layer` in each packet of `file`. */
export function tsharkLayerFields(file: string, layer: string): Fields[] {
  const out = execFileSync(TSHARK, ['-r', file, '-T', 'json', '--no-duplicate-keys'], { maxBuffer: 16 << 20, stdio: ['ignore', 'pipe', 'ignore'] });
  const packets = JSON.parse(out.toString()) as { _source: { layers: Record<string, unknown> } }[];
  return packets.map((p) => flattenFields(p._source.layers[layer]));
}

export function expectFieldsAgree(want: Fields, got: Fields, label: string): void {
  for (const [k, v] of want) expect([...(got.get(k) ?? [])].sort(), `${label} field ${k}`).to.deep.equal([...v].sort());
}

/** Decodes `hex` with `decoder`, which must not give null. */
export function decodeHex<T>(decoder: (buf: Uint8Array, off: number, len: number) => T | null, hex: string, fromHex: (h: string) => Uint8Array): T {
  const b = fromHex(hex);
  const m = decoder(b, 0, b.length);
  expect(m, hex).to.not.equal(null);
  return m!;
}
