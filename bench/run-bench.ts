// The entry point every benchmark shares: a bench that cannot measure (a kernel feature missing,
// an IUT that does not start, a goal it has no numbers for) exits non-zero with one line saying
// why, never with a stack trace (unless PMIP_DEBUG / `pmip-testbed --debug`) and never with 0.
import { debugEnabled, firstLine } from '../harness/error-text.js';

/** One line for a bench that could not measure: "bench:<name>: cannot measure: <cause>". */
export function cannotMeasureLine(name: string, err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return `bench:${name}: cannot measure: ${firstLine(text)}`;
}

/** Runs `main`; on failure prints cannotMeasureLine (and the whole error with --debug) and sets exit status 1. */
export function runBench(name: string, main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    process.stderr.write(`${cannotMeasureLine(name, err)}\n`);
    if (debugEnabled()) process.stderr.write(`${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
