// Mobility options of a kept message, looked up by type. Dozens of checks ask every PBU and PBA
// for its options, and walking a message's option objects (one object per option, spread over the
// heap) is what that costs on a large capture. So the builder notes the types of a message's
// options once, while they are in cache, as a string of one character per option; these lookups
// walk that string and touch only the option they return.
import { beyondHeaderText, type KnownOptionType, type MobilityOption, type OptionOfType } from '../../wire/index.js';
import type { MhFrame } from './types.js';

/** Added to a malformed option's type: counted by countOptions, skipped by the lookups (as findOption does). */
const MALFORMED = 0x100;

/** The `optionTypes` of a message with these options. */
export function optionTypesOf(options: readonly MobilityOption[]): string {
  let s = '';
  for (let i = 0; i < options.length; i++) {
    const o = options[i]!;
    s += String.fromCharCode(o.type | (o.malformed === undefined ? 0 : MALFORMED));
  }
  return s;
}

/** How many options of `type` the message carries, malformed ones included. */
export function countOptions(f: MhFrame, type: number): number {
  const s = f.optionTypes;
  let n = 0;
  for (let i = 0; i < s.length; i++) if ((s.charCodeAt(i) & 0xff) === type) n++;
  return n;
}

/** The first well-formed option of `type` (wire's findOption, by the noted types). */
export function optionOf<T extends KnownOptionType>(f: MhFrame, type: T): OptionOfType<T> | undefined {
  const s = f.optionTypes;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) === type) return f.mh.options[i] as OptionOfType<T>;
  return undefined;
}

/** Every well-formed option of `type` (wire's findOptions, by the noted types). */
export function optionsOf<T extends KnownOptionType>(f: MhFrame, type: T): OptionOfType<T>[] {
  const s = f.optionTypes, out: OptionOfType<T>[] = [];
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) === type) out.push(f.mh.options[i] as OptionOfType<T>);
  return out;
}

/** Every option of `type`, malformed ones included. */
export function everyOptionOf(f: MhFrame, type: number): MobilityOption[] {
  const s = f.optionTypes, out: MobilityOption[] = [];
  for (let i = 0; i < s.length; i++) if ((s.charCodeAt(i) & 0xff) === type) out.push(f.mh.options[i]!);
  return out;
}

const asSent = new WeakMap<MhFrame, MhFrame>();

/**
 * The message as its sender wrote it: with the options it put after the declared end of the MH
 * (MobilityHeader.beyondHeader), which its receiver never reads. For a lenient reading of a
 * malformed message; the frame itself when there are none (cached).
 */
export function readAsSent<F extends MhFrame>(f: F): F {
  const beyond = f.mh.beyondHeader;
  if (beyond === undefined) return f;
  let g = asSent.get(f);
  if (g === undefined) {
    const options = [...f.mh.options, ...beyond];
    g = { ...f, mh: { ...f.mh, options }, optionTypes: optionTypesOf(options) };
    asSent.set(f, g);
  }
  return g as F;
}

/** "present", "absent", or where an option the sender put after the declared end of the MH lies. */
export function presenceText(f: MhFrame, type: number): string {
  const beyond = f.mh.beyondHeader ?? [];
  if (f.mh.options.some((o) => o.type === type && !beyond.includes(o))) return 'present';
  const o = beyond.find((x) => x.type === type);
  return o === undefined ? 'absent' : beyondHeaderText(f.mh, o);
}
