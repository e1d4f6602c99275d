// Every name a run creates carries its run id: network namespaces are "pt<runid>-<node>", so
// runs never collide and a sweep can tell a run's namespaces from anyone else's. Interfaces are
// created inside their namespace and keep short fixed names (eth0, acc0) that cannot collide.
import { randomInt } from 'node:crypto';

export const NETNS_PREFIX = 'pt';
const RUN_ID_RE = /^[a-z][a-z0-9]{4}$/;
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

export function newRunId(): string {
  let id = ALPHABET[randomInt(26)]!;
  while (id.length < 5) id += ALPHABET[randomInt(ALPHABET.length)];
  return id;
}

export function checkRunId(id: string): string {
  if (!RUN_ID_RE.test(id)) throw new Error(`invalid run id '${id}': a lower-case letter and 4 lower-case letters or digits, e.g. k3f9x`);
  return id;
}

export function netnsPrefix(runId: string): string {
  return `${NETNS_PREFIX}${runId}-`;
}

export function netnsName(runId: string, node: string): string {
  return `${netnsPrefix(runId)}${node}`;
}

/** The run id a namespace name carries, if it is one of ours. */
export function runIdOfNetns(name: string): string | undefined {
  const m = /^pt([a-z][a-z0-9]{4})-[a-z]/.exec(name);
  return m?.[1];
}
