// The control socket: a UNIX stream socket speaking JSON lines, one request {"cmd": ...} per line
// and one reply {"ok": true, ...} or {"ok": false, "error": "..."} per request. The harness uses it
// to collect state (Binding Cache, Binding Update List, counters) and to drive MN events.
import { createServer, type Server, type Socket } from 'node:net';
import { rmSync } from 'node:fs';

export type ControlRequest = Record<string, unknown> & { cmd?: unknown };
export type ControlHandler = (req: ControlRequest) => Record<string, unknown> | Promise<Record<string, unknown>>;

export class ControlRequestError extends Error {
  override readonly name = 'ControlRequestError';
}

export class ControlSocket {
  private readonly server: Server;
  private readonly clients = new Set<Socket>();

  private constructor(readonly path: string, handler: ControlHandler) {
    this.server = createServer((sock) => {
      this.clients.add(sock);
      sock.on('close', () => this.clients.delete(sock));
      sock.on('error', () => undefined);
      sock.setEncoding('utf8');
      let buffered = '';
      let chain = Promise.resolve();
      sock.on('data', (chunk: string) => {
        buffered += chunk;
        let nl: number;
        while ((nl = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, nl).trim();
          buffered = buffered.slice(nl + 1);
          if (line === '') continue;
          // Replies keep the order of the requests.
          chain = chain.then(async () => {
            let reply: Record<string, unknown>;
            try {
              const req = JSON.parse(line) as unknown;
              if (typeof req !== 'object' || req === null || Array.isArray(req)) throw new ControlRequestError('a request is a JSON object with a "cmd" field');
              reply = { ok: true, ...(await handler(req as ControlRequest)) };
            } catch (err) {
              reply = { ok: false, error: err instanceof SyntaxError ? `not JSON: ${err.message}` : (err as Error).message };
            }
            if (!sock.destroyed) sock.write(JSON.stringify(reply) + '\n');
          });
        }
      });
    });
  }

  static async listen(path: string, handler: ControlHandler): Promise<ControlSocket> {
    rmSync(path, { force: true });
    const c = new ControlSocket(path, handler);
    await new Promise<void>((resolve, reject) => {
      c.server.once('error', reject);
      c.server.listen(path, () => resolve());
    });
    return c;
  }

  async close(): Promise<void> {
    for (const s of this.clients) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
    rmSync(this.path, { force: true });
  }
}

/** A client for tests and the harness adapter: one request, one reply. */
export async function controlRequest(path: string, req: ControlRequest, timeoutMs = 5000): Promise<Record<string, unknown>> {
  const { createConnection } = await import('node:net');
  return new Promise((resolve, reject) => {
    const sock = createConnection(path);
    let buf = '';
    const timer = setTimeout(() => { sock.destroy(); reject(new Error(`control socket ${path}: no reply within ${timeoutMs} ms`)); }, timeoutMs);
    sock.setEncoding('utf8');
    sock.on('error', (err) => { clearTimeout(timer); reject(new Error(`control socket ${path}: ${err.message}`)); });
    sock.on('data', (d: string) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      sock.end();
      resolve(JSON.parse(buf.slice(0, nl)) as Record<string, unknown>);
    });
    sock.write(JSON.stringify(req) + '\n');
  });
}
