// The RFC 5847 §3.4 Restart Counter kept across restarts, in a small file of the node's state
// directory, with the peers bindings linked us to. pmipd keeps no binding across a restart, so a
// restart lost state exactly when the previous run ended with peers linked: only then does the
// counter go up, and those peers hear of it (an unsolicited Heartbeat Response, HB-07).
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

interface StateFile { restartCounter: number; peers: string[] }

export interface RestartState {
  readonly restartCounter: number;
  /** Peers the previous run had bindings with (it lost them): they are told of the restart. */
  readonly formerPeers: readonly string[];
  /** Records the peers bindings link us to now (written at once: a SIGKILL may come any time). */
  rememberPeers(peers: ReadonlySet<string>): void;
}

export class RestartStateError extends Error {
  override readonly name = 'RestartStateError';
}

/** Reads (or starts) `<dir>/pmipd-<role>.state.json`; null `dir` keeps nothing (counter 0). */
export function openRestartState(dir: string | null, role: string): RestartState {
  if (dir === null) return { restartCounter: 0, formerPeers: [], rememberPeers: () => undefined };
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `pmipd-${role}.state.json`);
  let old: StateFile | null = null;
  try {
    old = JSON.parse(readFileSync(file, 'utf8')) as StateFile;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new RestartStateError(`${file}: ${(err as Error).message}`);
  }
  if (old !== null && (!Number.isInteger(old.restartCounter) || !Array.isArray(old.peers))) {
    throw new RestartStateError(`${file} holds no restart state ({"restartCounter": N, "peers": [...]}); remove it to start at 0`);
  }
  const formerPeers = old?.peers ?? [];
  const restartCounter = old === null ? 0 : formerPeers.length > 0 ? (old.restartCounter + 1) >>> 0 : old.restartCounter;
  let last = '';
  const write = (peers: string[]) => {
    const text = JSON.stringify({ restartCounter, peers: peers.sort() } satisfies StateFile);
    if (text === last) return;
    const tmp = `${file}.${process.pid}`;
    writeFileSync(tmp, text);
    renameSync(tmp, file);
    last = text;
  };
  write([]);
  return { restartCounter, formerPeers, rememberPeers: (peers) => write([...peers]) };
}
