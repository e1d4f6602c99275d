// A YAML file kept with its node positions, so that a complaint about a value, found long after
// parsing, can still say file:line:column.
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { formatPath, type JsonPath } from './json-schema.js';

export interface SourceIssue { path: JsonPath; message: string; atKey?: boolean }

export interface Located { line: number; column: number; path: string; message: string }

/** Bad input in a topology file: every issue with its line, column and field path. */
export class TopologyError extends Error {
  override readonly name = 'TopologyError';
  constructor(readonly file: string, readonly issues: Located[]) {
    super(issues.map((i) => `${file}:${i.line}:${i.column}: ${i.path ? `${i.path}: ` : ''}${i.message}`).join('\n'));
  }
}

export class YamlSource {
  readonly value: unknown;
  private readonly doc: Document.Parsed;
  private readonly lines = new LineCounter();

  constructor(readonly file: string, text: string) {
    this.doc = parseDocument(text, { lineCounter: this.lines, prettyErrors: true, uniqueKeys: true });
    if (this.doc.errors.length > 0) {
      throw new TopologyError(file, this.doc.errors.map((e) => ({
        line: e.linePos?.[0].line ?? 1,
        column: e.linePos?.[0].col ?? 1,
        path: '',
        message: `YAML: ${e.message.split('\n')[0]}`,
      })));
    }
    this.value = this.doc.toJS({ maxAliasCount: 1000 });
  }

  /** Position of the value at `path` (or of its key), falling back to the nearest enclosing node that exists. */
  position(path: JsonPath, atKey = false): { line: number; column: number } {
    let node: Node | null | undefined = this.doc.contents;
    let best = node?.range?.[0] ?? 0;
    for (const [i, seg] of path.entries()) {
      const last = i === path.length - 1;
      if (isMap(node)) {
        const pair = node.items.find((p) => (isScalar(p.key) ? String(p.key.value) : p.key) === String(seg));
        if (!pair) break;
        const keyNode = pair.key as Node;
        if (last && atKey && keyNode.range) { best = keyNode.range[0]; break; }
        node = pair.value as Node | null;
        best = node?.range?.[0] ?? keyNode.range?.[0] ?? best;
      } else if (isSeq(node) && typeof seg === 'number') {
        node = node.items[seg] as Node | undefined;
        if (!node) break;
        best = node.range?.[0] ?? best;
      } else {
        break;
      }
    }
    const { line, col } = this.lines.linePos(best);
    return { line, column: col };
  }

  locate(issues: SourceIssue[]): Located[] {
    return issues
      .map((i) => ({ ...this.position(i.path, i.atKey), path: formatPath(i.path).replace('(top level)', ''), message: i.message }))
      .sort((a, b) => a.line - b.line || a.column - b.column);
  }

  fail(issues: SourceIssue[]): never {
    throw new TopologyError(this.file, this.locate(issues));
  }
}
