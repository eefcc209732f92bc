// The account id each set of credentials answered STS with last time, so that a run can start
// reading the state (whose bucket name holds the account id) while STS is still answering.
// A guess only: the project opened with it is used for reads, and handed to a command only once
// STS has confirmed the account (src/project/project.ts). A wrong or stale entry costs one more
// round trip, never a wrong answer.
//
// An access key id belongs to one account for its whole life, so it keys the entry, with the
// endpoint (an emulator answers for its own account). Keys are SHA-256 hashes: the file holds no
// credential. Best effort: a missing, unreadable or corrupt file is an empty cache, and a failed
// write is ignored (a read-only install just asks STS first every time).
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CACHE_DIR } from '../paths.ts';

export const ACCOUNT_CACHE_FILE = join(CACHE_DIR, 'accounts.json');
/** Entries kept: temporary credentials (SSO, assumed roles) bring a new key id every session. */
const MAX_ENTRIES = 50;
const ACCOUNT_ID = /^\d{12}$/;

type Entries = Record<string, string>;

export function accountCacheKey(endpoint: string | undefined, accessKeyId: string): string {
  return createHash('sha256').update(`${endpoint ?? 'aws'}\n${accessKeyId}`).digest('hex');
}

function readEntries(): Entries {
  try {
    const parsed: unknown = JSON.parse(readFileSync(ACCOUNT_CACHE_FILE, 'utf8'));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return {};
    return Object.fromEntries(Object.entries(parsed).filter((entry): entry is [string, string] => typeof entry[1] === 'string' && ACCOUNT_ID.test(entry[1])));
  } catch {
    return {};
  }
}

export function cachedAccount(key: string): string | undefined {
  return readEntries()[key];
}

export function rememberAccount(key: string, account: string): void {
  const entries = readEntries();
  if (entries[key] === account) return;
  delete entries[key];
  // Insertion order is age: the newest goes last and the oldest drop off the front.
  const kept = Object.entries(entries).slice(-(MAX_ENTRIES - 1));
  const next = Object.fromEntries([...kept, [key, account]]);
  const temporary = `${ACCOUNT_CACHE_FILE}.${process.pid}.tmp`;
  try {
    mkdirSync(CACHE_DIR, { recursive: true });
    writeFileSync(temporary, `${JSON.stringify(next)}\n`);
    renameSync(temporary, ACCOUNT_CACHE_FILE);
  } catch {
    // A cache: without it the next run asks STS first, as before.
  }
}
