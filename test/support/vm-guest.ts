// What every *.guest.ts needs first: to skip by name outside `pmip-testbed vm`.
import { vmDescription } from '../../harness/vm/guest.js';

/** Skips the running mocha test, saying so, unless it runs inside `pmip-testbed vm`. */
export function skipOutsideVm(test: Mocha.Context): void {
  if (vmDescription() !== undefined) return;
  console.log('    SKIPPED: not inside pmip-testbed vm');
  test.skip();
}
