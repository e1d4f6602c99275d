// Writes a report directory: index.html, junit.xml, results.json, and (optionally) copies of the
// captures and logs under files/ so that the page's links work wherever the directory goes.
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { basename, isAbsolute, join, relative } from 'node:path';
import { reportHtml } from './html.js';
import { junitXml } from './junit.js';
import { resultsJson } from './results-json.js';
import type { RunResult } from './types.js';

export interface WriteReportOptions {
  /** Copy captures and logs into DIR/files (default true); otherwise link them relative to DIR. */
  copyFiles?: boolean;
}

export interface WrittenReport { dir: string; html: string; junit: string; json: string }

export async function writeReport(dir: string, result: RunResult, opts: WriteReportOptions = {}): Promise<WrittenReport> {
  await mkdir(dir, { recursive: true });
  const copy = opts.copyFiles ?? true;
  const relink = async (path: string, i: number): Promise<string> => {
    if (!copy) return isAbsolute(path) ? relative(dir, path) : path;
    await mkdir(join(dir, 'files'), { recursive: true });
    const name = `${i}-${basename(path)}`;
    await copyFile(path, join(dir, 'files', name));
    return `files/${name}`;
  };
  let n = 0;
  const cases = [];
  for (const c of result.cases) {
    const captures = [], logs = [];
    for (const f of c.captures) captures.push({ ...f, path: await relink(f.path, n++) });
    for (const f of c.logs) logs.push({ ...f, path: await relink(f.path, n++) });
    cases.push({ ...c, captures, logs });
  }
  const out: RunResult = { run: result.run, cases, ...(result.robustness !== undefined ? { robustness: result.robustness } : {}) };
  const paths = { dir, html: join(dir, 'index.html'), junit: join(dir, 'junit.xml'), json: join(dir, 'results.json') };
  await writeFile(paths.html, reportHtml(out));
  await writeFile(paths.junit, junitXml(out));
  await writeFile(paths.json, resultsJson(out));
  return paths;
}
