// A ping stream an MN keeps up while a case moves it, so that the move happens with traffic
// flowing and the echoes it cost are counted (the report's "packets lost").
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pollUntil } from '../poll.js';
import type { CaseRun } from './case.js';

export interface PingStream {
  /** Waits for the stream's end and records the echoes lost in the case's timings. */
  end(): Promise<void>;
}

/** Starts 150 echoes from `mn` to `to` at 10 ms intervals; resolves once 10 were answered. */
export async function startPingStream(c: CaseRun, mn: string, to: string): Promise<PingStream> {
  const file = join(c.outDir, `${mn}-ping-stream.txt`);
  const address = await c.tb.addressOf(to);
  const stream = c.tb.exec(mn, 'sh', ['-c', `exec ping -6 -n -i 0.01 -c 150 -W 1 ${address} > ${file}`], { reject: false, timeoutMs: 20_000 });
  const replies = () => { try { return (readFileSync(file, 'utf8').match(/bytes from/g) ?? []).length; } catch { return 0; } };
  // A deadline for the harness's own ping to start (sh and ping in a namespace: over 3 s under emulation), not a timing check.
  await pollUntil(() => replies() >= 10, { what: '10 ping replies before the move', timeoutMs: 15_000 });
  return {
    async end() {
      await stream;
      const out = readFileSync(file, 'utf8');
      rmSync(file, { force: true });
      const m = /(\d+) packets transmitted, (\d+) received/.exec(out);
      if (m) c.timings.packetsLost = Number(m[1]) - Number(m[2]);
    },
  };
}
