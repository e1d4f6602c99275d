// The emulated LMA: a scripted stand-in for the anchor, to judge a MAG under test (retransmission
// back-off, late PBAs, every rejection status, PBAs that do not match their PBU). It answers as
// RFC 5213 §5.3.6 says unless its script says otherwise. Pure: a decoded PBU in, a PBA spec out.
import { findOption, findOptions, timestampFromDate, type BindingUpdate, type MobilityHeaderSpec, type MobilityOptionSpec } from '../../wire/index.js';

/** What to do with one PBU. */
export interface LmaRule {
  /** false: say nothing (the PBU is lost as far as the MAG can tell). */
  answer: boolean;
  /** PBA status (default 0). */
  status?: number;
  /** Send the PBA this late (ms). */
  delayMs?: number;
  /** Granted lifetime in seconds (default: what the PBU asked for). */
  lifetime?: number;
  /**
   * Values that §5.3.6 says to copy from the PBU, changed (MAG-PBA-03), a wrong Sequence #
   * (MAG-PBA-02), or the link-local address handed out (MAG-PBA-10: one the MN already uses).
   */
  mutate?: { att?: number; hi?: number; mnId?: string; seqDelta?: number; lla?: string };
  /** Send the PBA with a wrong checksum (MAG-PBA-01). */
  badChecksum?: boolean;
}

export interface EmulatedLmaConfig {
  /** HNP handed out to each MN-ID on acceptance; MNs not listed get `defaultPrefix`. */
  prefixes: Record<string, string>;
  defaultPrefix: string;
  /** The link-local address the LMA hands out for every session (LMA-PBA-12). */
  linkLocal: string;
  /** Rules per MN-ID ('*' for any), applied to that MN's PBUs in arrival order; the last repeats. */
  scripts: Record<string, LmaRule[]>;
}

export const ACCEPT: LmaRule = { answer: true, status: 0 };

export class EmulatedLma {
  private readonly counts = new Map<string, number>();

  constructor(public config: EmulatedLmaConfig) {}

  /** Replaces the scripts and starts counting afresh. */
  setScripts(scripts: Record<string, LmaRule[]>): void {
    this.config = { ...this.config, scripts };
    this.counts.clear();
  }

  /** The rule for the next PBU of `mnId`. */
  ruleFor(mnId: string): LmaRule {
    const script = this.config.scripts[mnId] ?? this.config.scripts['*'] ?? [ACCEPT];
    const n = this.counts.get(mnId) ?? 0;
    this.counts.set(mnId, n + 1);
    return script[Math.min(n, script.length - 1)] ?? ACCEPT;
  }

  /** The PBA for `pbu` under `rule` (null when the rule keeps quiet). */
  answer(pbu: BindingUpdate, rule: LmaRule, nowMs: number): MobilityHeaderSpec | null {
    if (!rule.answer) return null;
    const status = rule.status ?? 0;
    const accepted = status < 128;
    const mnIdOpt = findOption(pbu.options, 8);
    const mnId = mnIdOpt?.id ?? '';
    const options: MobilityOptionSpec[] = [];
    options.push({ type: 8, subtype: mnIdOpt?.subtype ?? 1, id: rule.mutate?.mnId ?? mnId });
    const requested = findOptions(pbu.options, 22);
    if (accepted && pbu.lifetimeUnits > 0) {
      options.push({ type: 22, prefix: this.config.prefixes[mnId] ?? this.config.defaultPrefix });
    } else if (requested.length > 0) {
      for (const h of requested) options.push({ type: 22, prefix: h.prefix });
    } else {
      options.push({ type: 22, prefix: '::/0' });
    }
    options.push({ type: 23, value: rule.mutate?.hi ?? findOption(pbu.options, 23)?.value ?? 0 });
    options.push({ type: 24, value: rule.mutate?.att ?? findOption(pbu.options, 24)?.value ?? 0 });
    const ll = findOption(pbu.options, 25);
    if (ll !== undefined) options.push({ type: 25, id: ll.id });
    const lla = findOption(pbu.options, 26);
    if (lla !== undefined) options.push({ type: 26, address: accepted && lla.address === '::' ? rule.mutate?.lla ?? this.config.linkLocal : lla.address });
    const ts = findOption(pbu.options, 27);
    if (ts !== undefined) {
      // 156/157 carry the LMA's own clock (ORD-04, ORD-05); everything else echoes.
      const value = status === 156 || status === 157 ? timestampFromDate(nowMs) : ts;
      options.push({ type: 27, seconds: value.seconds, fraction: value.fraction });
    }
    const lifetime = !accepted || pbu.lifetimeUnits === 0 ? 0 : Math.min(rule.lifetime ?? pbu.lifetime, pbu.lifetime);
    return {
      type: 6,
      status,
      flags: { P: pbu.flags.P },
      seq: (pbu.seq + (rule.mutate?.seqDelta ?? 0)) & 0xffff,
      lifetimeUnits: Math.floor(lifetime / 4),
      options,
      autoPad: true,
    };
  }
}
