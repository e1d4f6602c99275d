// The life of an agent process run in a node's namespace (the tester agent, the fuzz agents):
// serve JSON-line requests on a control socket until SIGTERM or SIGINT, then close; a start-up
// failure is one log line and exit status 1.
import { ControlSocket, type ControlHandler } from '../../pmipd/control-socket.js';

export interface AgentBody {
  control: string;
  handle: ControlHandler;
  /** Logged once the socket listens. */
  ready: string;
  close(): void;
}

export function agentLog(name: string): (text: string) => void {
  return (text) => { process.stderr.write(`${new Date().toISOString()} ${name}: ${text}\n`); };
}

export function agentMain(name: string, start: () => AgentBody): void {
  const log = agentLog(name);
  (async () => {
    const body = start();
    const control = await ControlSocket.listen(body.control, body.handle);
    log(body.ready);
    await new Promise<void>((resolve) => {
      process.once('SIGTERM', resolve);
      process.once('SIGINT', resolve);
    });
    body.close();
    await control.close();
  })().catch((err: unknown) => {
    log(err instanceof Error ? err.message : String(err));
    process.exitCode = 1;
  });
}
