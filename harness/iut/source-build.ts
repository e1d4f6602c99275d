// Builds a third-party implementation under test from its pristine upstream source (an archive or
// a directory) with a recipe of ours (a Makefile, shim headers, a few mechanical edits of the
// extracted copy), out of tree, into a cache keyed by the source's hash and the recipe's: the
// second run with the same source and recipe builds nothing. Third-party code never enters the
// project: it is extracted into the cache, edited there, built there.
//
//   <cache>/<name>-<source sha256, 16>-<recipe sha256, 8>/bin/...   the products
//   <cache>/<name>-<...>.log                                         the build log (kept on failure)
//
// Builds run in a private scratch directory renamed into place at the end, so two runs building
// at once both end with a whole cache entry and a killed build leaves no half entry behind.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

/** The project's root (this module runs as dist/harness/iut/source-build.js). */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/**
 * A pristine source archive the project is tested with: in ../shared/iut-src/ beside the project,
 * or in the directory PMIP_TESTBED_IUT_SRC names (a checkout elsewhere; `pmip-testbed vm` passes it on).
 */
export function defaultIutSource(archive: string): string {
  return join(process.env.PMIP_TESTBED_IUT_SRC ?? join(PROJECT_ROOT, '..', 'shared', 'iut-src'), archive);
}

/** Where built implementations are cached; PMIP_TESTBED_IUT_CACHE overrides it. */
export function iutCacheRoot(): string {
  return process.env.PMIP_TESTBED_IUT_CACHE ?? '/var/cache/pmip-testbed/iut';
}

/**
 * One mechanical edit of the extracted copy: `find` must occur exactly once in `file`, else the
 * build stops naming the edit (the source is not the one the recipe was written for).
 */
export interface SourceEdit { file: string; find: string; replace: string; why: string }

/** Something the build needs from the machine: a file, and the Debian package that installs it. */
export interface BuildRequirement { package: string; file: string }

export interface BuildRecipe {
  /** Short name: the cache entry's prefix and the messages' subject ("opmip"). */
  name: string;
  /** Bump to rebuild everything although the recipe's files did not change (e.g. a changed edit list semantics). */
  version: number;
  /** Where the recipe's own files are. */
  recipeDir: string;
  /** The recipe's files (Makefile, shims) in recipeDir: their content is part of the cache key. */
  recipeFiles: readonly string[];
  /** The file that marks the tree's root inside the extracted source (OPMIP: "Jamroot"). */
  rootMarker: string;
  edits: readonly SourceEdit[];
  requires: readonly BuildRequirement[];
  /** The Makefile in recipeDir; make gets SRC= (the edited tree) and RECIPE= (recipeDir). */
  makefile: string;
  /** Files make leaves in its working directory, copied to bin/. */
  products: readonly string[];
}

export interface BuiltImplementation {
  /** Product name -> absolute path. */
  bin: Record<string, string>;
  dir: string;
  log: string;
  /** false when the cache already held it. */
  built: boolean;
  seconds: number;
}

/** A build that failed: one line naming the cause and the log. */
export class BuildError extends Error {
  override readonly name = 'BuildError';
}

async function sha256File(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** sha256 over a directory's files (relative paths and contents, sorted), for a source given unpacked. */
async function sha256Tree(dir: string): Promise<string> {
  const h = createHash('sha256');
  const walk = async (d: string): Promise<void> => {
    for (const e of (await readdir(d, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(d, e.name);
      if (e.isDirectory()) { if (e.name !== '.git') await walk(p); } else if (e.isFile()) {
        h.update(`${relative(dir, p)}\0`);
        h.update(await readFile(p));
      }
    }
  };
  await walk(dir);
  return h.digest('hex');
}

/** The cache key of a recipe: its version, its files and its edits. */
async function recipeHash(r: BuildRecipe): Promise<string> {
  const h = createHash('sha256');
  h.update(`v${r.version}\0${JSON.stringify(r.edits)}\0${JSON.stringify(r.products)}`);
  for (const f of r.recipeFiles) h.update(`\0${f}\0${await readFile(join(r.recipeDir, f), 'utf8')}`);
  return h.digest('hex');
}


/** Applies the edits to the extracted tree; throws naming the first that does not match exactly once. */
export async function applyEdits(tree: string, edits: readonly SourceEdit[]): Promise<void> {
  for (const [i, e] of edits.entries()) {
    const file = join(tree, e.file);
    const text = await readFile(file, 'utf8');
    const n = text.split(e.find).length - 1;
    if (n !== 1) throw new BuildError(`edit ${i + 1} (${e.why}) expects ${JSON.stringify(e.find)} once in ${e.file}, found ${n}: not the source this recipe was written for`);
    await writeFile(file, text.replace(e.find, () => e.replace));
  }
}

async function findRoot(dir: string, marker: string, depth = 2): Promise<string | undefined> {
  if (existsSync(join(dir, marker))) return dir;
  if (depth === 0) return undefined;
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (!e.isDirectory()) continue;
    const found = await findRoot(join(dir, e.name), marker, depth - 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** Scratch directories of builds whose process is gone (killed mid-build). */
async function removeAbandoned(cache: string, key: string): Promise<void> {
  for (const name of await readdir(cache)) {
    const pid = Number(/^(.+)\.tmp-(\d+)$/.exec(name)?.[1] === key ? name.slice(key.length + 5) : NaN);
    if (!Number.isInteger(pid)) continue;
    let alive = true;
    try { process.kill(pid, 0); } catch (err) { alive = (err as NodeJS.ErrnoException).code === 'EPERM'; }
    if (!alive || pid === process.pid) await rm(join(cache, name), { recursive: true, force: true });
  }
}

export interface BuildOptions {
  /** An archive (.tar.gz, .tgz, .tar) or a directory. */
  source: string;
  cacheRoot?: string;
  jobs?: number;
  /** Progress lines ("opmip: building from ... (log ...)"). */
  progress?: (line: string) => void;
  /** Only look in the cache: a missing build is a BuildError instead of a build (a VM's tests). */
  cachedOnly?: boolean;
}

/** The recipe's products from the cache, building them first when the cache lacks them. */
export async function buildFromSource(r: BuildRecipe, opts: BuildOptions): Promise<BuiltImplementation> {
  const t0 = Date.now();
  const source = resolve(opts.source);
  let info;
  try { info = await stat(source); } catch { throw new BuildError(`${r.name}: source ${source} does not exist (give an archive or a directory with --iut-src)`); }
  const srcHash = info.isDirectory() ? await sha256Tree(source) : await sha256File(source);
  const key = `${r.name}-${srcHash.slice(0, 16)}-${(await recipeHash(r)).slice(0, 8)}`;
  const cache = opts.cacheRoot ?? iutCacheRoot();
  const dir = join(cache, key);
  const log = `${dir}.log`;
  const bin = Object.fromEntries(r.products.map((p) => [p, join(dir, 'bin', p)]));
  if (existsSync(join(dir, 'built')) && Object.values(bin).every((p) => existsSync(p))) {
    return { bin, dir, log, built: false, seconds: (Date.now() - t0) / 1000 };
  }
  if (opts.cachedOnly === true) throw new BuildError(`${r.name}: not built from ${source} (no ${dir}): build it first, on the host (node scripts/setup.mjs --${r.name})`);
  const missing = r.requires.filter((q) => !existsSync(q.file));
  if (missing.length > 0) {
    throw new BuildError(`${r.name}: cannot build, missing ${missing.map((q) => `${q.file} (Debian package ${q.package})`).join(', ')}: apt-get install ${[...new Set(missing.map((q) => q.package))].join(' ')}`);
  }
  await mkdir(cache, { recursive: true });
  await removeAbandoned(cache, key);
  const scratch = `${dir}.tmp-${process.pid}`;
  await mkdir(join(scratch, 'src'), { recursive: true });
  await mkdir(join(scratch, 'build'));
  const out = createWriteStream(log);
  const closed = new Promise<void>((ok) => out.on('close', () => ok()));
  const say = (line: string) => out.write(`${line}\n`);
  try {
    opts.progress?.(`${r.name}: building from ${basename(source)} (log ${log})`);
    say(`# ${r.name} from ${source} (sha256 ${srcHash}), recipe ${r.recipeDir} v${r.version}, into ${dir}`);
    if (info.isDirectory()) await execa('cp', ['-a', `${source}/.`, join(scratch, 'src')]);
    else await execa('tar', ['-xf', source, '-C', join(scratch, 'src')]);
    const tree = await findRoot(join(scratch, 'src'), r.rootMarker);
    if (tree === undefined) throw new BuildError(`${r.name}: no ${r.rootMarker} in ${source}: not a ${r.name} source tree`);
    await applyEdits(tree, r.edits);
    say(`# applied ${r.edits.length} edits; make -j${opts.jobs ?? 2}`);
    const make = execa('make', [`-j${opts.jobs ?? 2}`, '-f', join(r.recipeDir, r.makefile), `SRC=${tree}`, `RECIPE=${r.recipeDir}`],
      { cwd: join(scratch, 'build'), all: true, reject: false, buffer: false });
    make.all!.pipe(out, { end: false });
    const res = await make;
    if (res.exitCode !== 0) throw new BuildError(`${r.name}: build failed (make exited ${res.exitCode ?? res.signal}); log: ${log}`);
    await mkdir(join(scratch, 'bin'));
    for (const p of r.products) await copyFile(join(scratch, 'build', p), join(scratch, 'bin', p));
    await rm(join(scratch, 'src'), { recursive: true, force: true });
    await rm(join(scratch, 'build'), { recursive: true, force: true });
    const seconds = (Date.now() - t0) / 1000;
    await writeFile(join(scratch, 'built'), `${new Date().toISOString()} ${seconds.toFixed(1)} s\n`);
    try {
      await rename(scratch, dir);
    } catch (err) {
      // Another run finished the same build first: its entry is as good as ours.
      if (!existsSync(join(dir, 'built'))) throw err;
    }
    say(`# built in ${seconds.toFixed(1)} s`);
    return { bin, dir, log, built: true, seconds };
  } catch (err) {
    say(`# FAILED: ${(err as Error).message}`);
    if (err instanceof BuildError) throw err;
    throw new BuildError(`${r.name}: build failed (${(err as Error).message.split('\n')[0]}); log: ${log}`);
  } finally {
    await rm(scratch, { recursive: true, force: true });
    out.end();
    await closed;
  }
}
