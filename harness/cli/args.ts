// Argument parsing shared by every subcommand: node's parseArgs with a help text per command,
// and usage errors that print the help instead of a stack trace.
import { parseArgs, type ParseArgsConfig } from 'node:util';

export class UsageError extends Error {
  constructor(message: string, readonly help: string) { super(message); }
}

export function formatUsageError(command: string, err: UsageError): string {
  return `pmip-testbed ${command}: ${err.message}\n\n${err.help}`;
}

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * Parses `argv` against `options`; `--help` prints `help` and returns null so the caller exits 0.
 * Every other parse failure becomes a UsageError that carries the help text.
 */
export function parseCommandArgs<O extends Options>(argv: string[], options: O, help: string) {
  const all = { ...options, help: { type: 'boolean', short: 'h' } } as const;
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: all, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message, help);
  }
  if ((parsed.values as { help?: boolean }).help) {
    process.stdout.write(help);
    return null;
  }
  return parsed as unknown as { values: { [K in keyof O]?: O[K] extends { type: 'boolean' } ? boolean : O[K] extends { multiple: true } ? string[] : string }; positionals: string[] };
}
