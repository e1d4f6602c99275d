// The templates of the command adapter (command line, config files): {{a.b}} values,
// {{#each list}}...{{/each}} and {{#if x}}...{{else}}...{{/if}} blocks, nothing more. A block tag
// alone on its line takes the line with it (as in Mustache), so configs come out without holes.
// An unknown name is an error, never an empty string: a typo must not reach a daemon's config.

export class TemplateError extends Error {
  override readonly name = 'TemplateError';
}

type Part =
  | { t: 'text'; s: string }
  | { t: 'var'; path: string; pos: number }
  | { t: 'each' | 'if'; path: string; pos: number; body: Part[]; orElse: Part[] };

const TAG = /\{\{\s*([#/]?)\s*([^{}]*?)\s*\}\}/g;

function lineOf(src: string, pos: number): number {
  return src.slice(0, pos).split('\n').length;
}

function parse(src: string): Part[] {
  const root: Part[] = [];
  const stack: { part: Extract<Part, { body: Part[] }>; inElse: boolean }[] = [];
  const out = (): Part[] => {
    const top = stack.at(-1);
    return top ? (top.inElse ? top.part.orElse : top.part.body) : root;
  };
  let last = 0;
  for (const m of src.matchAll(TAG)) {
    const [, sigil, body] = m as unknown as [string, string, string];
    const pos = m.index!;
    let textEnd = pos;
    let next = pos + m[0].length;
    // A block tag alone on its line takes the line with it.
    if (sigil !== '' || body === 'else') {
      const lineStart = src.lastIndexOf('\n', pos - 1) + 1;
      const after = /^[ \t]*(\r?\n|$)/.exec(src.slice(next));
      if (lineStart >= last && /^[ \t]*$/.test(src.slice(lineStart, pos)) && after) {
        textEnd = lineStart;
        next += after[0].length;
      }
    }
    if (textEnd > last) out().push({ t: 'text', s: src.slice(last, textEnd) });
    last = next;
    if (sigil === '#') {
      const [kw, path] = body.split(/\s+/, 2) as [string, string | undefined];
      if ((kw !== 'each' && kw !== 'if') || !path) throw new TemplateError(`line ${lineOf(src, pos)}: unknown block {{#${body}}} (use {{#each list}} or {{#if name}})`);
      const part = { t: kw, path, pos, body: [], orElse: [] } as Extract<Part, { body: Part[] }>;
      out().push(part);
      stack.push({ part, inElse: false });
    } else if (sigil === '/') {
      const top = stack.pop();
      if (!top || top.part.t !== body) throw new TemplateError(`line ${lineOf(src, pos)}: {{/${body}}} closes ${top ? `{{#${top.part.t}}} of line ${lineOf(src, top.part.pos)}` : 'nothing'}`);
    } else if (body === 'else') {
      const top = stack.at(-1);
      if (!top || top.part.t !== 'if' || top.inElse) throw new TemplateError(`line ${lineOf(src, pos)}: {{else}} outside {{#if}}`);
      top.inElse = true;
    } else {
      if (!/^(\.|@index|[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*)$/.test(body)) throw new TemplateError(`line ${lineOf(src, pos)}: bad variable {{${body}}}`);
      out().push({ t: 'var', path: body, pos });
    }
  }
  if (stack.length > 0) throw new TemplateError(`line ${lineOf(src, stack.at(-1)!.part.pos)}: {{#${stack.at(-1)!.part.t}}} is never closed`);
  if (last < src.length) out().push({ t: 'text', s: src.slice(last) });
  return root;
}

type Scope = { value: unknown; index?: number }[];

function lookup(path: string, scopes: Scope, src: string, pos: number): unknown {
  if (path === '.') return scopes.at(-1)!.value;
  if (path === '@index') {
    const withIndex = [...scopes].reverse().find((s) => s.index !== undefined);
    if (!withIndex) throw new TemplateError(`line ${lineOf(src, pos)}: {{@index}} outside {{#each}}`);
    return withIndex.index;
  }
  const [head, ...rest] = path.split('.');
  const scope = [...scopes].reverse().find((s) => typeof s.value === 'object' && s.value !== null && head! in (s.value as object));
  if (!scope) {
    const names = Object.keys((scopes.at(-1)!.value ?? {}) as object);
    throw new TemplateError(`line ${lineOf(src, pos)}: unknown name '${head}' in {{${path}}}${names.length ? ` (available here: ${names.join(', ')})` : ''}`);
  }
  let v = (scope.value as Record<string, unknown>)[head!];
  for (const key of rest) {
    if (typeof v !== 'object' || v === null || !(key in v)) throw new TemplateError(`line ${lineOf(src, pos)}: {{${path}}}: '${key}' is not defined`);
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

function render(parts: Part[], scopes: Scope, src: string): string {
  let s = '';
  for (const p of parts) {
    if (p.t === 'text') s += p.s;
    else if (p.t === 'var') {
      const v = lookup(p.path, scopes, src, p.pos);
      if (v === undefined || v === null || typeof v === 'object') {
        throw new TemplateError(`line ${lineOf(src, p.pos)}: {{${p.path}}} is ${v === undefined || v === null ? 'not set' : 'a list or mapping, not a value'}`);
      }
      s += String(v);
    } else if (p.t === 'each') {
      const list = lookup(p.path, scopes, src, p.pos);
      if (!Array.isArray(list)) throw new TemplateError(`line ${lineOf(src, p.pos)}: {{#each ${p.path}}} needs a list`);
      list.forEach((item, index) => { s += render(p.body, [...scopes, { value: item, index }], src); });
    } else {
      const v = lookup(p.path, scopes, src, p.pos);
      const truthy = Array.isArray(v) ? v.length > 0 : Boolean(v);
      s += render(truthy ? p.body : p.orElse, scopes, src);
    }
  }
  return s;
}

/** Fills `template` from `vars`; errors say the line within the template. */
export function renderTemplate(template: string, vars: Record<string, unknown>): string {
  return render(parse(template), [{ value: vars }], template);
}
