#!/usr/bin/env node
// pmipd: the reference PMIPv6 (RFC 5213) LMA and MAG of pmip-testbed.
import { UsageError, parseCommandArgs } from '../harness/cli/args.js';
import { YamlConfigError } from '../harness/yaml-located.js';
import { loadDomainConfig } from './config.js';
import { DaemonSetupError, startDaemon } from './daemon.js';
import { RawSocketUnavailable } from './io/raw.js';
import { flushStderr, LOG_LEVELS, type LogLevel } from './log.js';
import { UnknownQuirkError, quirkTable } from './quirks.js';
import { RestartStateError } from './restart-state.js';
import { IpsecUnavailable } from './ipsec/protect.js';

const HELP = `usage: pmipd --role lma|mag --config FILE [--name MAG] [--control PATH] [--quirk NAME]... [--log-level LEVEL] [--state-dir DIR]
       pmipd --list-quirks

The reference Proxy Mobile IPv6 daemon of pmip-testbed: an LMA or a MAG (RFC 5213).

options:
  --role lma|mag       which entity to run
  --config FILE        the PMIPv6 domain file (YAML: lma, mags, mobileNodes, timers)
  --name MAG           for --role mag: this MAG's name in the domain file
  --control PATH       UNIX socket for JSON-line commands (ping, counters, dump; MAG: attach, detach, expect-handover)
  --quirk NAME         deviate from the RFC on purpose (repeatable); see --list-quirks
  --log-level LEVEL    ${LOG_LEVELS.join(', ')} (default info); one line per event on stderr
  --state-dir DIR      keep the RFC 5847 Restart Counter (and the peers to tell of a restart) in DIR
  --list-quirks        print every quirk with the requirement IDs it breaks
  -h, --help           this text
`;

async function main(argv: string[]): Promise<number> {
  const args = parseCommandArgs(argv, {
    role: { type: 'string' }, config: { type: 'string' }, name: { type: 'string' }, control: { type: 'string' },
    quirk: { type: 'string', multiple: true }, 'log-level': { type: 'string' }, 'list-quirks': { type: 'boolean' },
    'state-dir': { type: 'string' },
  }, HELP);
  if (args === null) return 0;
  const v = args.values;
  if (v['list-quirks']) {
    process.stdout.write(quirkTable());
    return 0;
  }
  if (args.positionals.length > 0) throw new UsageError(`unexpected argument "${args.positionals[0]}"`, HELP);
  if (v.role !== 'lma' && v.role !== 'mag') throw new UsageError('--role must be lma or mag', HELP);
  if (v.config === undefined) throw new UsageError('--config FILE is required', HELP);
  const level = (v['log-level'] ?? 'info') as LogLevel;
  if (!LOG_LEVELS.includes(level)) throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}`, HELP);
  if (v.role === 'mag' && v.name === undefined) throw new UsageError('--role mag needs --name (the MAG\'s name in the domain file)', HELP);
  const config = loadDomainConfig(v.config);
  const daemon = await startDaemon({
    role: v.role, config, ...(v.name !== undefined ? { name: v.name } : {}),
    ...(v.control !== undefined ? { controlPath: v.control } : {}), quirks: v.quirk ?? [], logLevel: level,
    ...(v['state-dir'] !== undefined ? { stateDir: v['state-dir'] } : {}),
  });
  await new Promise<void>((resolve) => {
    const onSignal = () => { resolve(); };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  });
  await daemon.stop();
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err: unknown) => {
    flushStderr();
    if (err instanceof UsageError) {
      process.stderr.write(`pmipd: ${err.message}\n\n${err.help}`);
      process.exitCode = 2;
      return;
    }
    const known = err instanceof YamlConfigError || err instanceof UnknownQuirkError || err instanceof RawSocketUnavailable || err instanceof DaemonSetupError || err instanceof RestartStateError || err instanceof IpsecUnavailable;
    process.stderr.write(`pmipd: ${err instanceof Error ? err.message : String(err)}\n`);
    if (!known && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    process.exitCode = 1;
  },
);
