// A generated site for the benchmarks: files of mixed kinds and sizes (1 KB–200 KB, log-uniform,
// so most are small and a few are large; about 37.5 KB on average), from a seeded PRNG, so every
// run and every machine has the same bytes. A site of N files is the first N files of any larger
// one. The sync benchmark's 1,000-file site is committed to a local git repository, so that a
// "fresh clone" (every mtime new, content the same) is a real `git clone`; the growth benchmark
// writes 10, 1,000 and 10,000 files (about 375 MB) to plain directories.
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { run } from './exec.ts';

export const SITE_FILES = 1000;
const MIN_BYTES = 1024;
const MAX_BYTES = 200 * 1024;
const SEED = 0x5eed_2024;
/** Bump when the generator changes, so a cached site is rebuilt. */
const GENERATOR_VERSION = 1;

/** mulberry32: small, fast, and the same on every platform. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Kind {
  dir: string;
  ext: string;
  text: boolean;
  /** Share of the files, out of 100. */
  share: number;
  /** Names carry a content hash, as a bundler's output does. */
  fingerprinted: boolean;
}

const KINDS: Kind[] = [
  { dir: 'pages', ext: 'html', text: true, share: 15, fingerprinted: false },
  { dir: 'assets/css', ext: 'css', text: true, share: 10, fingerprinted: true },
  { dir: 'assets/js', ext: 'js', text: true, share: 20, fingerprinted: true },
  { dir: 'data', ext: 'json', text: true, share: 10, fingerprinted: false },
  { dir: 'assets/icons', ext: 'svg', text: true, share: 10, fingerprinted: false },
  { dir: 'assets/img', ext: 'png', text: false, share: 20, fingerprinted: true },
  { dir: 'assets/img', ext: 'jpg', text: false, share: 10, fingerprinted: true },
  { dir: 'assets/fonts', ext: 'woff2', text: false, share: 5, fingerprinted: true },
];

const WORDS = 'resume experience skills project lead engineer cloud design build ship measure team deliver platform data system'.split(' ');

function textBody(random: () => number, size: number): Buffer {
  const parts: string[] = [];
  let length = 0;
  while (length < size) {
    const word = WORDS[Math.floor(random() * WORDS.length)] ?? 'x';
    const piece = random() < 0.08 ? `${word}\n` : `${word} `;
    parts.push(piece);
    length += piece.length;
  }
  return Buffer.from(parts.join('').slice(0, size));
}

function binaryBody(random: () => number, size: number): Buffer {
  const body = Buffer.alloc(size);
  for (let offset = 0; offset + 4 <= size; offset += 4) body.writeUInt32LE(Math.floor(random() * 4294967296), offset);
  for (let offset = size - (size % 4); offset < size; offset++) body[offset] = Math.floor(random() * 256);
  return body;
}

export interface GeneratedSite {
  files: Array<{ path: string; size: number }>;
  bytes: number;
}

function plan(count: number): Array<{ path: string; size: number; kind: Kind }> {
  const random = prng(SEED);
  const files: Array<{ path: string; size: number; kind: Kind }> = [
    { path: 'index.html', size: 12 * 1024, kind: KINDS[0] as Kind },
    { path: '404.html', size: 2 * 1024, kind: KINDS[0] as Kind },
  ].slice(0, count);
  const total = KINDS.reduce((sum, kind) => sum + kind.share, 0);
  for (let index = files.length; index < count; index++) {
    let pick = random() * total;
    const kind = KINDS.find((candidate) => (pick -= candidate.share) < 0) ?? (KINDS[0] as Kind);
    const size = Math.round(MIN_BYTES * Math.pow(MAX_BYTES / MIN_BYTES, random()));
    const hash = Math.floor(random() * 0xffffffff).toString(16).padStart(8, '0');
    const name = kind.fingerprinted ? `file-${String(index).padStart(4, '0')}.${hash}.${kind.ext}` : `file-${String(index).padStart(4, '0')}.${kind.ext}`;
    files.push({ path: `${kind.dir}/${name}`, size, kind });
  }
  return files;
}

const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'bench', GIT_AUTHOR_EMAIL: 'bench@example.invalid', GIT_COMMITTER_NAME: 'bench', GIT_COMMITTER_EMAIL: 'bench@example.invalid',
  GIT_AUTHOR_DATE: '2024-01-01T00:00:00Z', GIT_COMMITTER_DATE: '2024-01-01T00:00:00Z', GIT_CONFIG_NOSYSTEM: '1',
};

async function git(args: string[], cwd: string): Promise<void> {
  const result = await run('git', ['-c', 'init.defaultBranch=main', '-c', 'core.autocrlf=false', ...args], { cwd, env: GIT_ENV });
  if (result.code !== 0) throw new Error(`git ${args.join(' ')} failed: ${result.stderr.trim()}`);
}

function summaryOf(files: ReadonlyArray<{ path: string; size: number }>): GeneratedSite {
  return { files: files.map(({ path, size }) => ({ path, size })), bytes: files.reduce((sum, file) => sum + file.size, 0) };
}

/** Whether `marker` says the site next to it was written by this generator version with these files. */
async function upToDate(marker: string, count: number): Promise<boolean> {
  return existsSync(marker) && (await readFile(marker, 'utf8')) === `${GENERATOR_VERSION} ${count}`;
}

async function writeFiles(dir: string, files: ReturnType<typeof plan>): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const random = prng(SEED ^ 0xb0d1e5);
  for (const file of files) {
    const path = join(dir, file.path);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, file.kind.text ? textBody(random, file.size) : binaryBody(random, file.size));
  }
}

/** Writes a site of `count` files into `dir` (no git), unless the same one is already there. */
export async function generateSite(dir: string, count: number): Promise<GeneratedSite> {
  const files = plan(count);
  const marker = `${dir}.bench-site-version`;
  if (await upToDate(marker, count)) return summaryOf(files);
  await rm(marker, { force: true });
  await writeFiles(dir, files);
  await writeFile(marker, `${GENERATOR_VERSION} ${count}`);
  return summaryOf(files);
}

/** Writes the site into `repoDir` and commits it, unless the same generator version is already there. */
export async function generateSiteRepo(repoDir: string, count = SITE_FILES): Promise<GeneratedSite> {
  const files = plan(count);
  const marker = join(repoDir, '.git', 'bench-site-version');
  if (await upToDate(marker, count)) return summaryOf(files);
  await writeFiles(repoDir, files);
  await git(['init', '-q'], repoDir);
  await git(['add', '-A'], repoDir);
  await git(['commit', '-q', '-m', 'generated site'], repoDir);
  await writeFile(marker, `${GENERATOR_VERSION} ${count}`);
  return summaryOf(files);
}

/** A fresh `git clone` of the site into `dir`: the same content, every mtime new. */
export async function cloneSite(repoDir: string, dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await git(['clone', '-q', '--no-hardlinks', repoDir, dir], dirname(dir));
  // The tool would sync .git too if it were inside siteDir; a deployed site has no .git.
  await rm(join(dir, '.git'), { recursive: true, force: true });
}
