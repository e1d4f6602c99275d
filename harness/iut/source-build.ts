// Builds a third-party implementation under test from its pristine source (an archive or a
// directory) with a recipe of ours, out of the project's tree, into a cache keyed by the source's
// sha256 and the recipe's version: the second run finds the result and builds nothing. The
// source is only ever read; it is extracted (or copied) into the cache and built there. Every
// command's output goes to one log file; a failure is one line naming the step and the log.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { execa } from 'execa';

/** Where built implementations live (PMIP_TESTBED_IUT_CACHE overrides, e.g. for a user without root). */
export function iutCacheRoot(): string {
  return process.env.PMIP_TESTBED_IUT_CACHE ?? '/var/cache/pmip-testbed/iut';
}

export interface BuildStep {
  /** What the step does, for the log and the failure line ("configure"). */
  name: string;
  cmd: string;
  args: string[];
  /** Relative to the extracted source's root. */
  cwd?: string;
  env?: Record<string, string>;
}

export interface BuildTool {
  /** A program the recipe runs (looked up on PATH). */
  program: string;
  /** The Debian package that installs it. */
  debianPackage: string;
}

export interface BuildRecipe {
  /** Names the cache directory: <name>-<hash>. */
  name: string;
  /** Bumped whenever the steps or flags change, so an old build is not reused. */
  version: number;
  tools: readonly BuildTool[];
  /** Headers (e.g. libpcap's) whose absence makes configure fail obscurely: path -> Debian package. */
  headers?: Readonly<Record<string, string>>;
  /** The directory inside the archive (or the source directory) that holds the tree to build. */
  subdir: string;
  steps(srcDir: string): BuildStep[];
  /** Products the build must leave, relative to the built tree; copied into the cache's bin/. */
  products: readonly string[];
}

export interface BuiltIut {
  /** Absolute paths of the products by file name (e.g. mip6d). */
  bin: Record<string, string>;
  dir: string;
  log: string;
  /** false: found in the cache. */
  built: boolean;
  ms: number;
}

/** A build that could not happen or failed: one line, naming the log when there is one. */
export class IutBuildError extends Error {
  override readonly name = 'IutBuildError';
}

async function hashFile(path: string, h: ReturnType<typeof createHash>): Promise<void> {
  await new Promise<void>((res, rej) => {
    createReadStream(path).on('data', (c) => h.update(c)).on('end', () => res()).on('error', rej);
  });
}

/** sha256 of an archive's bytes, or of a directory's relative paths and file contents in order. */
export async function sourceHash(source: string): Promise<string> {
  const h = createHash('sha256');
  const st = await stat(source);
  if (st.isFile()) {
    await hashFile(source, h);
    return h.digest('hex');
  }
  const walk = async (dir: string, rel: string): Promise<void> => {
    const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const e of entries) {
      const r = rel === '' ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory()) await walk(join(dir, e.name), r);
      else if (e.isFile()) {
        h.update(`${r}\0`);
        await hashFile(join(dir, e.name), h);
      }
    }
  };
  await walk(source, '');
  return h.digest('hex');
}

function onPath(program: string): boolean {
  return (process.env.PATH ?? '/usr/bin:/bin').split(':').some((d) => d !== '' && existsSync(join(d, program)));
}

/** The tools and headers the recipe needs that this machine lacks, as one sentence, or undefined. */
export function missingBuildTools(recipe: BuildRecipe): string | undefined {
  const missing = recipe.tools.filter((t) => !onPath(t.program)).map((t) => [t.program, t.debianPackage] as const);
  for (const [h, pkg] of Object.entries(recipe.headers ?? {})) if (!existsSync(h)) missing.push([h, pkg]);
  if (missing.length === 0) return undefined;
  const pkgs = [...new Set(missing.map(([, p]) => p))];
  return `building ${recipe.name} needs ${missing.map(([t]) => t).join(', ')}: install the Debian package${pkgs.length > 1 ? 's' : ''} ${pkgs.join(' ')} (or run node scripts/setup.mjs --iuts)`;
}

/** The cache directory a source would build into with this recipe. */
export async function cacheDirFor(recipe: BuildRecipe, source: string): Promise<string> {
  const hash = createHash('sha256').update(`${await sourceHash(source)}\0recipe ${recipe.name} v${recipe.version}`).digest('hex');
  return join(iutCacheRoot(), `${recipe.name}-${hash.slice(0, 16)}`);
}

const STAMP = 'built.json';

async function cached(dir: string, recipe: BuildRecipe): Promise<BuiltIut | undefined> {
  try {
    const stamp = JSON.parse(await readFile(join(dir, STAMP), 'utf8')) as { ms: number };
    const bin = Object.fromEntries(recipe.products.map((p) => [p.split('/').at(-1)!, join(dir, 'bin', p.split('/').at(-1)!)]));
    if (!Object.values(bin).every((b) => existsSync(b))) return undefined;
    return { bin, dir, log: join(dir, 'build.log'), built: false, ms: stamp.ms };
  } catch {
    return undefined;
  }
}

/**
 * The built implementation: from the cache, or built now. Concurrent callers (case workers) may
 * each build; each works in its own directory and the first to finish renames it into place.
 */
export async function buildFromSource(recipe: BuildRecipe, source: string, progress?: (line: string) => void): Promise<BuiltIut> {
  const src = resolve(source);
  if (!existsSync(src)) throw new IutBuildError(`${recipe.name}: source ${src} does not exist (give an archive or a directory with --iut-src)`);
  const dir = await cacheDirFor(recipe, src);
  const hit = await cached(dir, recipe);
  if (hit) return hit;
  const lacking = missingBuildTools(recipe);
  if (lacking !== undefined) throw new IutBuildError(lacking);

  const started = Date.now();
  const work = `${dir}.partial-${process.pid}-${started}`;
  await mkdir(work, { recursive: true });
  const log = join(work, 'build.log');
  const out = createWriteStream(log);
  const say = (line: string) => { out.write(`# ${new Date().toISOString()} ${line}\n`); progress?.(line); };
  const run = async (step: BuildStep, cwd: string): Promise<void> => {
    say(`${step.name}: ${step.cmd} ${step.args.join(' ')} (in ${cwd})`);
    const sub = execa(step.cmd, step.args, { cwd, reject: false, all: true, stdin: 'ignore', env: step.env ?? {}, buffer: false });
    sub.all?.pipe(out, { end: false });
    const r = await sub;
    if (r.exitCode !== 0) {
      throw new IutBuildError(`${recipe.name}: the build failed at ${step.name} (${r.failed && r.exitCode === undefined ? r.shortMessage : `exit status ${r.exitCode}`}); log: ${log}`);
    }
  };
  try {
    say(`building ${recipe.name} (recipe v${recipe.version}) from ${src} into ${dir}`);
    const tree = join(work, 'src');
    if ((await stat(src)).isFile()) {
      await mkdir(tree);
      await run({ name: 'extract', cmd: 'tar', args: ['-xf', src, '-C', tree] }, work);
    } else {
      await run({ name: 'copy', cmd: 'cp', args: ['-a', `${src}/.`, tree] }, work);
    }
    const root = join(tree, recipe.subdir);
    if (!existsSync(root)) throw new IutBuildError(`${recipe.name}: ${src} has no ${recipe.subdir}/ (not the expected source); log: ${log}`);
    for (const step of recipe.steps(root)) await run(step, step.cwd !== undefined ? join(root, step.cwd) : root);
    await mkdir(join(work, 'bin'));
    for (const p of recipe.products) {
      await run({ name: `install ${p}`, cmd: 'cp', args: [join(root, p), join(work, 'bin', p.split('/').at(-1)!)] }, root);
    }
    // The extracted tree is theirs and large: only the products and the log stay.
    await rm(tree, { recursive: true, force: true });
    const ms = Date.now() - started;
    say(`built in ${ms} ms`);
    await new Promise<void>((res) => out.end(res));
    await writeFile(join(work, STAMP), JSON.stringify({ recipe: recipe.name, version: recipe.version, source: src, ms }));
    try {
      await rename(work, dir);
    } catch {
      // Another worker finished first; its build is as good as ours.
      await rm(work, { recursive: true, force: true });
    }
    const done = await cached(dir, recipe);
    if (!done) throw new IutBuildError(`${recipe.name}: the build left no ${recipe.products.join(', ')} in ${dir}`);
    return { ...done, built: true, ms };
  } catch (err) {
    out.end();
    // Keep the log of a failure where the line says it is; drop the rest of the attempt.
    if (err instanceof IutBuildError) {
      await rm(join(work, 'src'), { recursive: true, force: true }).catch(() => undefined);
      throw err;
    }
    await rm(work, { recursive: true, force: true }).catch(() => undefined);
    throw new IutBuildError(`${recipe.name}: ${(err as Error).message}`);
  }
}
