// Line output for commands that print millions of lines: one write per ~64 KiB instead of one
// per line. process.stdout is synchronous for files and pipes on Linux, so the writes themselves
// apply backpressure. A reader that goes away (`| head`) ends output quietly.
import type { Writable } from 'node:stream';

export class BufferedOutput {
  private parts: string[] = [];
  private size = 0;
  closed = false;

  constructor(private readonly stream: Writable, private readonly flushAt = 64 * 1024) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') throw err;
      this.closed = true;
    });
  }

  /** Queues one line (a newline is added). */
  write(line: string): void {
    if (this.closed) return;
    this.parts.push(line);
    this.size += line.length + 1;
    if (this.size >= this.flushAt) this.flush();
  }

  flush(): void {
    if (this.parts.length === 0 || this.closed) return;
    this.stream.write(this.parts.join('\n') + '\n');
    this.parts = [];
    this.size = 0;
  }

  /** Flushes what is queued and resolves once the stream has taken it. */
  end(): Promise<void> {
    this.flush();
    return new Promise((resolve) => (this.closed ? resolve() : this.stream.write('', () => resolve())));
  }
}
