#!/usr/bin/env node
// Entry point of `pmip-testbed`: a table of subcommands, each in its own module, loaded lazily so
// that `decode` does not pay for the testbed's imports and vice versa.
import { formatUsageError, UsageError } from './args.js';
import { DEBUG_ENV, describeError, takeDebugFlag } from '../error-text.js';

interface Subcommand { summary: string; load: () => Promise<{ main(argv: string[]): Promise<number> }> }

const subcommands: Record<string, Subcommand> = {
  run: { summary: 'run the conformance suite (cases/) against an IUT (default pmipd) and write a report', load: () => import('./run.js') },
  fuzz: { summary: 'fuzz an LMA or MAG with inputs generated from the codec\'s models; liveness checks, reproducers, minimisation', load: () => import('./fuzz.js') },
  interop: { summary: 'run the MAG x LMA interoperability matrix (pmipd, oai-pmipv6, opmip) and write its report', load: () => import('./interop.js') },
  analyze: { summary: 'run the passive RFC 5213 checks over captures and write a report', load: () => import('./analyze.js') },
  decode: { summary: 'decode a capture (pcap/pcapng) frame by frame, every mobility option spelled out', load: () => import('./decode.js') },
  up: { summary: 'build a topology, start captures and IUTs, stay up until Ctrl-C', load: () => import('./up.js') },
  down: { summary: 'tear down a testbed that `up` keeps up', load: () => import('./down.js') },
  vm: { summary: 'run a command in a throwaway VM booting a distribution kernel: vm [options] -- CMD...', load: () => import('./vm.js') },
  'build-iut': { summary: 'build the implementations under test that come as source (OAI PMIPv6) into their cache', load: () => import('./build-iut.js') },
  clean: { summary: 'remove what dead runs left behind (namespaces, processes, run records)', load: () => import('./clean.js') },
  exec: { summary: 'run a command inside a node of the testbed that is up: exec NODE -- CMD...', load: () => import('./exec.js') },
  attach: { summary: 'plug an MN into an AP of the testbed that is up', load: async () => (await import('./mobility.js')).attach },
  detach: { summary: 'unplug an MN from its AP', load: async () => (await import('./mobility.js')).detach },
  handover: { summary: 'move an MN to another AP (carrier flip, same interface and MAC, new RS)', load: async () => (await import('./mobility.js')).handover },
};

function usage(): string {
  const width = Math.max(...Object.keys(subcommands).map((n) => n.length));
  const lines = Object.entries(subcommands).map(([n, s]) => `  ${n.padEnd(width)}  ${s.summary}`);
  return `usage: pmip-testbed <command> [options]\n\nPMIPv6 (RFC 5213) testbed and conformance harness.\n\ncommands:\n${lines.join('\n')}\n\nglobal options:\n  --debug  show JavaScript stack traces of errors (also in case workers and IUT log tails)\n\nRun 'pmip-testbed <command> --help' for a command's options.\n`;
}

async function main(all: string[]): Promise<number> {
  const { argv, debug } = takeDebugFlag(all);
  // Through the environment, so that case workers and benches started from here see it too.
  if (debug) process.env[DEBUG_ENV] = '1';
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name === undefined ? 2 : 0;
  }
  const cmd = subcommands[name];
  if (!cmd) {
    process.stderr.write(`pmip-testbed: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  try {
    return await (await cmd.load()).main(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(formatUsageError(name, err));
      return 2;
    }
    throw err;
  }
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err: unknown) => {
    process.stderr.write(`pmip-testbed: ${describeError(err)}\n`);
    process.exitCode = 1;
  },
);
