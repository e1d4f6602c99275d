// What a check produces: a verdict per requirement, with the frames and fields that justify it.
import type { FrameRef, MhFrame, NdFrame } from '../trace/index.js';

export type Verdict = 'PASS' | 'FAIL' | 'INCONCLUSIVE' | 'NOT-APPLICABLE';

/** A frame named in evidence: where it is, a one-line summary and, for signalling, the decoded fields. */
export interface EvidenceFrame extends FrameRef {
  summary: string;
  decoded?: unknown;
}

/**
 * Evidence frames are built only when kept (most passing instances are only counted): a function
 * that builds one, or the MH or ND record it describes.
 */
export type LazyFrame = EvidenceFrame | (() => EvidenceFrame) | MhFrame | NdFrame;

export interface Evidence {
  message: string;
  frames: EvidenceFrame[];
  /** The field judged, e.g. "PBA flags.P". */
  field?: string;
  expected?: string;
  seen?: string;
}

export interface RequirementResult {
  id: string;
  verdict: Verdict;
  /** One line: why. */
  message: string;
  /** Failures first (the first few), else a few passing instances. */
  evidence: Evidence[];
  /** Instances judged and instances that failed. */
  checked: number;
  failed: number;
  /** Name of the check that judged it; absent when no passive check exists for the requirement. */
  check?: string;
  /** A failure the run declared expected (e.g. no IPsec on this kernel). */
  knownDeviation?: string;
}
