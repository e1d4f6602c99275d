// Typed reading of a user's YAML configuration (pmipd domain files; usable by other loaders) whose
// errors point at file:line:column and the dotted field. Parsing and positions come from the
// topology loader's YamlSource; this adds typed accessors and a plain error class.
import { readFileSync } from 'node:fs';
import { TopologyError, YamlSource as PositionedYaml } from './topology/yaml-source.js';

export type FieldPath = readonly (string | number)[];

/** A mistake in a configuration file: message is "file:line:column: field: what is wrong". */
export class YamlConfigError extends Error {
  override readonly name = 'YamlConfigError';
  constructor(readonly file: string, readonly line: number | null, readonly column: number | null, readonly field: string, readonly problem: string) {
    super(`${file}${line !== null ? `:${line}:${column ?? 1}` : ''}: ${field !== '' ? `${field}: ` : ''}${problem}`);
  }
}

export function fieldName(path: FieldPath): string {
  let s = '';
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : s === '' ? p : `.${p}`;
  return s;
}

export class YamlSource {
  private constructor(readonly file: string, private readonly doc: PositionedYaml) {}

  /** Parses `text`; a syntax error becomes a YamlConfigError at its position. */
  static fromText(text: string, file: string): YamlSource {
    try {
      return new YamlSource(file, new PositionedYaml(file, text));
    } catch (err) {
      if (!(err instanceof TopologyError)) throw err;
      const first = err.issues[0]!;
      throw new YamlConfigError(file, first.line, first.column, '', first.message);
    }
  }

  static fromFile(file: string): YamlSource {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new YamlConfigError(file, null, null, '', `cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    return YamlSource.fromText(text, file);
  }

  /** The plain JavaScript value of the document. */
  value(): unknown { return this.doc.value; }

  error(path: FieldPath, problem: string): YamlConfigError {
    const { line, column } = this.doc.position([...path]);
    return new YamlConfigError(this.file, line, column, fieldName(path), problem);
  }
}

type Obj = Record<string, unknown>;

/**
 * Typed reading of a parsed YAML value with located errors. Every `get*` takes a path from the
 * document root; `keys` rejects fields that are not known (a typo is an error, not a default).
 */
export class YamlReader {
  private readonly root: unknown;
  constructor(readonly src: YamlSource) { this.root = src.value(); }

  raw(path: FieldPath): unknown {
    let v: unknown = this.root;
    for (const p of path) {
      if (v === null || v === undefined) return undefined;
      v = (v as Obj)[p as string];
    }
    return v;
  }

  fail(path: FieldPath, problem: string): never { throw this.src.error(path, problem); }

  map(path: FieldPath, known: readonly string[], required = true): boolean {
    const v = this.raw(path);
    if (v === undefined || v === null) {
      if (required) this.fail(path, 'is required (a mapping)');
      return false;
    }
    if (typeof v !== 'object' || Array.isArray(v)) this.fail(path, 'must be a mapping');
    for (const k of Object.keys(v as Obj)) {
      if (!known.includes(k)) this.fail([...path, k], `unknown field; expected one of ${known.join(', ')}`);
    }
    return true;
  }

  list(path: FieldPath, required = true): number {
    const v = this.raw(path);
    if (v === undefined || v === null) {
      if (required) this.fail(path, 'is required (a list)');
      return 0;
    }
    if (!Array.isArray(v)) this.fail(path, 'must be a list');
    return v.length;
  }

  str(path: FieldPath): string;
  str(path: FieldPath, dflt: string): string;
  str(path: FieldPath, dflt: undefined): string | undefined;
  str(path: FieldPath, ...dflt: [string?]): string | undefined {
    const v = this.raw(path);
    if (v === undefined || v === null) {
      if (dflt.length === 0) this.fail(path, 'is required');
      return dflt[0];
    }
    if (typeof v !== 'string' && typeof v !== 'number') this.fail(path, `must be a string, not ${typeof v}`);
    return String(v);
  }

  int(path: FieldPath, dflt: number | undefined, min: number, max: number): number {
    const v = this.raw(path);
    if (v === undefined || v === null) {
      if (dflt === undefined) this.fail(path, 'is required');
      return dflt;
    }
    if (typeof v !== 'number' || !Number.isInteger(v)) this.fail(path, `must be an integer, not ${JSON.stringify(v)}`);
    if (v < min || v > max) this.fail(path, `must be between ${min} and ${max}, not ${v}`);
    return v;
  }

  bool(path: FieldPath, dflt: boolean): boolean {
    const v = this.raw(path);
    if (v === undefined || v === null) return dflt;
    if (typeof v !== 'boolean') this.fail(path, `must be true or false, not ${JSON.stringify(v)}`);
    return v;
  }

  oneOf<T extends string>(path: FieldPath, choices: readonly T[], dflt: T): T {
    const v = this.str(path, dflt);
    if (!(choices as readonly string[]).includes(v)) this.fail(path, `must be one of ${choices.join(', ')}, not "${v}"`);
    return v as T;
  }

  /** A string list; a single scalar counts as a one-element list. */
  strings(path: FieldPath, required = false): string[] {
    const v = this.raw(path);
    if (v === undefined || v === null) {
      if (required) this.fail(path, 'is required');
      return [];
    }
    if (!Array.isArray(v)) return [this.str(path)];
    return v.map((_, i) => this.str([...path, i]));
  }

  /** Reads with `parse`, turning its exception into a located error. */
  parsed<T>(path: FieldPath, text: string, parse: (s: string) => T): T {
    try {
      return parse(text);
    } catch (err) {
      this.fail(path, (err as Error).message);
    }
  }
}
