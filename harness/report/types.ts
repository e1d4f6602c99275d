// The input of the report writers: what a run (the `run` command, the mocha cases, or `analyze`)
// found, case by case.
import type { RequirementResult, Verdict } from '../checks/index.js';
import type { FrameRef } from '../trace/index.js';

export interface RunMeta {
  /** e.g. "analyze-2026-11-27T01-02-03Z" */
  id: string;
  /** ISO-8601 */
  started: string;
  finished?: string;
  /** "pmip-testbed 0.1.0" */
  tool: string;
  command?: string;
  /** Implementation under test, when known. */
  iut?: string;
  /** The data plane forced on every IUT node (`run --dataplane`); absent: each IUT chose its own. */
  dataplane?: string;
  /** The kernel the run used (uname -r and version). */
  kernel?: string;
  /** The VM it ran in (`pmip-testbed vm`), if any: accelerator, vCPUs, memory, kernel origin. */
  vm?: string;
  notes?: string[];
  /**
   * The capability statement of the implementation in each role the run used: optional
   * features claimed and not claimed (their requirements NOT-APPLICABLE), and the facts.
   */
  capabilities?: { role: string; implementation: string; file: string; claimed: string[]; notClaimed: string[]; facts: string[] }[];
  /** The expected results the run was compared with, and the verdicts that differ from them. */
  baseline?: { file: string; changes: { id: string; expected: string; seen: Verdict; kind: string }[] };
}

/** The data plane an IUT node used, as the implementation said on start-up. */
export interface CaseDataplane {
  /** ip6tnl, seg6, tun or none (pmipd). */
  backend: string;
  /** Why there is none (pmipd's dataplaneWhy: what each probe said). */
  why?: string;
}

/** One message of a ladder diagram. */
export interface LadderStep {
  time: number;
  from: string;
  to: string;
  label: string;
  kind: 'mh' | 'nd' | 'data' | 'event';
  frame?: FrameRef;
  /** Worst verdict of the requirements whose evidence names this frame. */
  verdict?: Verdict;
  /** Requirements judged on this frame, e.g. ["LMA-PBA-02 FAIL"]. */
  notes?: string[];
}

export interface CaseStep {
  time?: number;
  description: string;
  verdict?: Verdict;
  frames?: FrameRef[];
}

export interface TraceSummary {
  start: number;
  end: number;
  points: { name: string; kind: string; kindSource?: string; mag?: string; magSource?: string; frames: number; kept: number; path?: string }[];
  roles: { mags: string[]; lmas: string[]; testers: string[]; source: string };
  settings: { name: string; value: string; source: string }[];
  sessions: { mnId: string; hnps: string[]; events: { kind: string; time: number; mag: string }[] }[];
  counts: { signalling: number; nd: number; data: number; esp: number; exchanges: number };
}

export interface CaseTimings {
  /** First MN frame on the access link (or the PBU) to the accepting PBA, per attachment. */
  attachMs?: number[];
  pbuToPbaMs?: number[];
  /** p-MAG de-registration (or the testbed's handover event) to the n-MAG's accepting PBA. */
  handoverMs?: number[];
  packetsLost?: number;
}

export interface CaseResult {
  name: string;
  purpose: string;
  rfcSections: string[];
  /** Requirements this case is about (its verdicts may cover more). */
  requirementIds: string[];
  steps?: CaseStep[];
  verdicts: RequirementResult[];
  trace?: TraceSummary;
  ladder?: LadderStep[];
  /** Messages of the trace the ladder leaves out (it is cut at LADDER_LIMIT steps); absent when none. */
  ladderOmitted?: number;
  /** Paths relative to the report directory (or absolute when not copied). */
  captures: { name: string; path: string }[];
  logs: { node: string; path: string }[];
  timings: CaseTimings;
  /** The data plane of each IUT node of the case that said which (node id -> back-end). */
  dataplanes?: Record<string, CaseDataplane>;
  /**
   * Present when the case could not run (testbed or IUT start failure, a crash): an ERROR, not a
   * verdict. Its first line is the cause (e.g. the failing `ip` command and its error).
   */
  error?: string;
  /** Present when the case did not run on this machine for a need it lacks (e.g. IPv6 ESP): SKIPPED, with the reason. */
  skipped?: string;
}

export interface RunResult {
  run: RunMeta;
  cases: CaseResult[];
  /** A fuzz campaign's section (`pmip-testbed fuzz`). */
  robustness?: RobustnessResult;
}

/** A failure a fuzz campaign found (`pmip-testbed fuzz`). */
export interface RobustnessFinding {
  id: number;
  /** crash: the process ended; hang: the liveness probe went unanswered; log: a fatal line; growth: RSS or descriptors. */
  kind: 'crash' | 'hang' | 'log' | 'growth';
  what: string;
  /** Indices of the inputs sent since the last healthy check. */
  inputRange: [number, number];
  packets: number;
  /** The reproducer (relative to the report directory) and the command replaying it. */
  pcap: string;
  replay: string;
  /** Delta debugging's result on a fresh IUT per attempt; reproduced false: the inputs did not fail a fresh IUT. */
  minimised?: { reproduced: boolean; packets: number; tests: number; pcap: string; replay: string; decoded: string[][] };
  /** The IUT's last log lines (after the minimised input when there is one). */
  logTail: string[];
}

/** The "Robustness" section: what a fuzz campaign sent and what it found. */
export interface RobustnessResult {
  target: 'lma' | 'mag';
  iut: string;
  seed: number;
  inputs: number;
  packets: number;
  octets: number;
  elapsedMs: number;
  /** Over the time spent fuzzing (saving and minimising findings left out). */
  inputsPerSecond: number;
  /** retried: passed, but not at the first PBU (or attach); see the probe's attempts. */
  probes: { passed: number; failed: number; retried: number };
  /** Inputs per message type and per mutated field. */
  messages: Record<string, number>;
  fields: Record<string, number>;
  findings: RobustnessFinding[];
  /** The IUT's process at the last check, and the most seen. */
  iutFigures: { rssBytes: number; fds: number; peakRssBytes: number; peakFds: number } | null;
  stopped: 'count' | 'duration' | 'finding';
  /**
   * Packets the IUT's kernel dropped at its Mobility Header sockets (Linux: /proc/<pid>/net/raw6):
   * the inputs with a bad checksum, and any receive-buffer overflow.
   */
  kernelDrops: number;
  logTail?: string[];
}
