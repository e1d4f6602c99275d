// The subset of JSON Schema (draft 2020-12) that topology files use, checked here so that the
// schema published for editors (topologies/schema.json) is the very one the loader enforces.
// Every issue carries the path of the offending value, which the loader maps to a file line.

export interface JsonSchema {
  $schema?: string;
  $id?: string;
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
  title?: string;
  description?: string;
  markdownDescription?: string;
  default?: unknown;
  examples?: unknown[];
  type?: JsonType | JsonType[];
  enum?: unknown[];
  const?: unknown;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  propertyNames?: JsonSchema;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  oneOf?: JsonSchema[];
}

export type JsonType = 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean' | 'null';

export type JsonPath = (string | number)[];

export interface SchemaIssue {
  path: JsonPath;
  message: string;
  /** The issue is about a key itself (unknown or badly named), not its value. */
  atKey?: boolean;
}

/** "nodes.mag1.iut.options.args[2]": how messages name a field. */
export function formatPath(path: JsonPath): string {
  let s = '';
  for (const seg of path) {
    if (typeof seg === 'number') s += `[${seg}]`;
    else if (/^[A-Za-z_][\w-]*$/.test(seg)) s += s ? `.${seg}` : seg;
    else s += `[${JSON.stringify(seg)}]`;
  }
  return s || '(top level)';
}

function typeOf(v: unknown): JsonType {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v as JsonType;
}

function typeMatches(v: unknown, t: JsonType): boolean {
  const actual = typeOf(v);
  return actual === t || (t === 'number' && actual === 'integer');
}

function describe(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export class SchemaValidator {
  constructor(private readonly root: JsonSchema) {}

  validate(value: unknown, schema: JsonSchema = this.root, path: JsonPath = []): SchemaIssue[] {
    const issues: SchemaIssue[] = [];
    this.check(value, schema, path, issues);
    return issues;
  }

  private resolve(schema: JsonSchema): JsonSchema {
    let s = schema;
    for (let hops = 0; s.$ref !== undefined; hops++) {
      const m = /^#\/\$defs\/([^/]+)$/.exec(s.$ref);
      const target = m ? this.root.$defs?.[m[1]!] : undefined;
      if (!target || hops > 16) throw new Error(`schema: unresolvable $ref ${s.$ref}`);
      s = target;
    }
    return s;
  }

  private check(value: unknown, schemaIn: JsonSchema, path: JsonPath, issues: SchemaIssue[]): void {
    const schema = this.resolve(schemaIn);
    if (schema.oneOf) {
      this.checkOneOf(value, schema.oneOf, path, issues);
      return;
    }
    if (schema.type !== undefined) {
      const types = Array.isArray(schema.type) ? schema.type : [schema.type];
      if (!types.some((t) => typeMatches(value, t))) {
        issues.push({ path, message: `must be ${types.map(article).join(' or ')} (got ${describe(value)})` });
        return;
      }
    }
    if (schema.const !== undefined && value !== schema.const) {
      issues.push({ path, message: `must be ${describe(schema.const)} (got ${describe(value)})` });
      return;
    }
    if (schema.enum && !schema.enum.includes(value)) {
      issues.push({ path, message: `must be one of ${schema.enum.map((e) => String(e)).join(', ')} (got ${describe(value)})` });
      return;
    }
    if (typeof value === 'string') this.checkString(value, schema, path, issues);
    if (typeof value === 'number') {
      if (schema.minimum !== undefined && value < schema.minimum) issues.push({ path, message: `must be at least ${schema.minimum} (got ${value})` });
      if (schema.maximum !== undefined && value > schema.maximum) issues.push({ path, message: `must be at most ${schema.maximum} (got ${value})` });
    }
    if (Array.isArray(value)) {
      if (schema.minItems !== undefined && value.length < schema.minItems) issues.push({ path, message: `must have at least ${schema.minItems} item${schema.minItems === 1 ? '' : 's'} (has ${value.length})` });
      if (schema.maxItems !== undefined && value.length > schema.maxItems) issues.push({ path, message: `must have at most ${schema.maxItems} item${schema.maxItems === 1 ? '' : 's'} (has ${value.length})` });
      if (schema.items) value.forEach((item, i) => this.check(item, schema.items!, [...path, i], issues));
    }
    if (isObject(value)) this.checkObject(value, schema, path, issues);
  }

  private checkString(value: string, schema: JsonSchema, path: JsonPath, issues: SchemaIssue[], atKey = false): void {
    const what = atKey ? `name ${describe(value)}` : describe(value);
    if (schema.minLength !== undefined && value.length < schema.minLength) issues.push({ path, atKey, message: `must not be empty (got ${what})` });
    else if (schema.maxLength !== undefined && value.length > schema.maxLength) issues.push({ path, atKey, message: `must be at most ${schema.maxLength} characters (got ${what}, ${value.length})` });
    else if (schema.pattern !== undefined && !new RegExp(schema.pattern, 'u').test(value)) {
      issues.push({ path, atKey, message: `${schema.description ? `must be ${schema.description}` : `must match ${schema.pattern}`} (got ${what})` });
    }
  }

  private checkObject(value: Record<string, unknown>, schema: JsonSchema, path: JsonPath, issues: SchemaIssue[]): void {
    const props = schema.properties ?? {};
    for (const key of schema.required ?? []) {
      if (!(key in value)) issues.push({ path, message: `missing required field '${key}'` });
    }
    for (const [key, v] of Object.entries(value)) {
      const sub = [...path, key];
      if (schema.propertyNames) {
        const before = issues.length;
        this.checkString(key, this.resolve(schema.propertyNames), sub, issues, true);
        if (issues.length > before) continue;
      }
      if (key in props) this.check(v, props[key]!, sub, issues);
      else if (schema.additionalProperties === false) {
        const known = Object.keys(props);
        const hint = closest(key, known);
        issues.push({ path: sub, atKey: true, message: `unknown field '${key}'${hint ? ` (did you mean '${hint}'?)` : known.length ? ` (allowed: ${known.join(', ')})` : ''}` });
      } else if (typeof schema.additionalProperties === 'object') this.check(v, schema.additionalProperties, sub, issues);
    }
  }

  /**
   * oneOf is used two ways, each giving a precise message instead of "matches none":
   * branches told apart by a `const` field (a node's kind, an IUT's adapter), or by JSON type.
   */
  private checkOneOf(value: unknown, branchesIn: JsonSchema[], path: JsonPath, issues: SchemaIssue[]): void {
    const branches = branchesIn.map((b) => this.resolve(b));
    const key = discriminator(branches);
    if (key !== undefined && isObject(value)) {
      const allowed = branches.map((b) => b.properties![key]!.const);
      if (!(key in value)) {
        issues.push({ path, message: `missing required field '${key}' (one of ${allowed.join(', ')})` });
        return;
      }
      const branch = branches.find((b) => b.properties![key]!.const === value[key]);
      if (!branch) {
        issues.push({ path: [...path, key], message: `must be one of ${allowed.join(', ')} (got ${describe(value[key])})` });
        return;
      }
      this.check(value, branch, path, issues);
      return;
    }
    const byType = branches.filter((b) => b.type !== undefined && typeMatches(value, b.type as JsonType));
    if (byType.length === 1) {
      this.check(value, byType[0]!, path, issues);
      return;
    }
    const attempts = branches.map((b) => this.validate(value, b, path));
    if (attempts.some((a) => a.length === 0)) return;
    const types = branches.map((b) => (b.type ? article(b.type as JsonType) : 'a valid value'));
    issues.push({ path, message: `must be ${types.join(' or ')} (got ${describe(value)})` });
  }
}

const TYPE_WORDS: Record<JsonType, string> = {
  object: 'a mapping', array: 'a list', string: 'a string', integer: 'an integer', number: 'a number', boolean: 'true or false', null: 'null',
};

function article(t: JsonType): string {
  return TYPE_WORDS[t];
}

function discriminator(branches: JsonSchema[]): string | undefined {
  const first = branches[0]?.properties;
  if (!first) return undefined;
  return Object.keys(first).find((k) => branches.every((b) => b.properties?.[k]?.const !== undefined));
}

/** The known name within edit distance 2 of a typo, if any. */
export function closest(word: string, known: string[]): string | undefined {
  let best: string | undefined;
  let bestD = 3;
  for (const k of known) {
    const d = editDistance(word.toLowerCase(), k.toLowerCase());
    if (d < bestD) { bestD = d; best = k; }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}
