// Cleanup registered right after each resource is created (kernel-selftest style), undone in
// reverse order on success, failure, exception, SIGINT and SIGTERM. One undo failing does not
// stop the others: a half-cleaned testbed is worse than a noisy one.

export type Undo = () => void | Promise<void>;

export class DeferStack {
  private readonly stack: { what: string; undo: Undo }[] = [];
  private running: Promise<string[]> | undefined;

  /** Registers `undo`; returns a function that runs it early (and only once). */
  defer(what: string, undo: Undo): () => Promise<void> {
    const entry = { what, undo };
    this.stack.push(entry);
    return async () => {
      const i = this.stack.indexOf(entry);
      if (i < 0) return;
      this.stack.splice(i, 1);
      await entry.undo();
    };
  }

  get size(): number { return this.stack.length; }

  /** Runs every undo, newest first. Resolves to the failures as "what: message" lines. */
  unwind(): Promise<string[]> {
    this.running ??= (async () => {
      const failures: string[] = [];
      while (this.stack.length > 0) {
        const { what, undo } = this.stack.pop()!;
        try {
          await undo();
        } catch (err) {
          failures.push(`${what}: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
      this.running = undefined;
      return failures;
    })();
    return this.running;
  }
}

const signalled = new Set<DeferStack>();
let handlersInstalled = false;

/**
 * Makes SIGINT/SIGTERM unwind `stack` before the process exits (with 130/143 as a shell would).
 * Returns a function that stops watching, for when the stack has been unwound normally.
 */
export function unwindOnSignals(stack: DeferStack): () => void {
  signalled.add(stack);
  if (!handlersInstalled) {
    handlersInstalled = true;
    const onSignal = (sig: NodeJS.Signals) => {
      const code = sig === 'SIGINT' ? 130 : 143;
      process.stderr.write(`\n${sig}: cleaning up...\n`);
      Promise.all([...signalled].map((s) => s.unwind())).finally(() => process.exit(code));
    };
    // `on`, not `once`: execa's signal-exit re-raises a signal when its own listener is the only
    // one left, which would kill the process halfway through the unwind.
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  return () => { signalled.delete(stack); };
}
