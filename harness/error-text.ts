// What a user sees of an error: its cause on one line, then (if any) a log tail, and no JavaScript
// stack trace unless asked for with `pmip-testbed --debug` (which sets PMIP_DEBUG, so that case
// workers and benches started from it show stacks too).

export const DEBUG_ENV = 'PMIP_DEBUG';

export function debugEnabled(): boolean {
  const v = process.env[DEBUG_ENV];
  return v !== undefined && v !== '' && v !== '0';
}

/** A frame of a V8 stack trace ("    at f (file:///x.js:1:2)", "    at async main (...)"). */
const STACK_FRAME = /^\s+at (?:async )?\S.*(?::\d+:\d+\)?|\(native\)|\(<anonymous>\))$/;

export function isStackFrame(line: string): boolean {
  return STACK_FRAME.test(line);
}

/** The lines without stack frames (all of them with --debug). */
export function withoutStackFrames(lines: readonly string[]): string[] {
  return debugEnabled() ? [...lines] : lines.filter((l) => !isStackFrame(l));
}

/** `text` without stack frames (all of it with --debug). */
export function withoutStacks(text: string): string {
  return withoutStackFrames(text.split('\n')).join('\n');
}

/** What to print for an error that ends a command: its message, and its stack only with --debug. */
export function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  if (debugEnabled() && err.stack) return err.stack.includes(err.message) ? err.stack : `${err.message}\n${err.stack}`;
  return withoutStacks(err.message);
}

/** The first line of an error's message: its cause. */
export function firstLine(text: string): string {
  return text.split('\n', 1)[0]!;
}

/** argv without the global --debug (which may stand anywhere before a `--`), and whether it was there. */
export function takeDebugFlag(argv: readonly string[]): { argv: string[]; debug: boolean } {
  const end = argv.indexOf('--');
  const head = end < 0 ? [...argv] : argv.slice(0, end);
  const tail = end < 0 ? [] : argv.slice(end);
  const kept = head.filter((a) => a !== '--debug');
  return { argv: [...kept, ...tail], debug: kept.length !== head.length };
}
