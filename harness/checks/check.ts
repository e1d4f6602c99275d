// A passive check: a function over a Trace that judges one or more catalog requirements.
import type { Trace } from '../trace/index.js';
import type { Judge } from './judge.js';

export interface Check {
  /** Short name, e.g. "pba-flags". */
  name: string;
  /** The requirement IDs it judges, in the order of the judges run() receives. */
  requirements: readonly string[];
  run(trace: Trace, judges: Judge[]): void;
}

export function check(name: string, requirements: readonly string[], run: (trace: Trace, judges: Judge[]) => void): Check {
  return { name, requirements, run };
}
