// Waves on a run's critical path: the longest chain of requests in which each one started only
// after the one before it had its answer. Requests in flight together are one wave; a read that
// needs another's answer starts the next. With a fixed delay per request, a run takes at least
// its number of waves times that delay, whatever its total request count.
import type { TimelineEntry } from './proxy.ts';

/** Answers this close to a request's start (ms) count as before it: the clock is the proxy's own. */
const TOLERANCE_MS = 0.01;

/** The length of the longest chain of requests each starting after the previous one ended (0 for none). */
export function criticalWaves(timeline: ReadonlyArray<Pick<TimelineEntry, 'start' | 'end'>>): number {
  const byStart = timeline.map((entry) => ({ start: entry.start, end: entry.end, depth: 0 })).sort((a, b) => a.start - b.start);
  const byEnd = [...byStart].sort((a, b) => a.end - b.end);
  // Walking the requests by start: every request that ended before this one started also started
  // before it, so it is scored already; the chain through the deepest of those is the longest.
  let ended = 0;
  let deepestEnded = 0;
  let longest = 0;
  for (const request of byStart) {
    for (let next = byEnd[ended]; next !== undefined && next.end <= request.start + TOLERANCE_MS; next = byEnd[++ended]) {
      deepestEnded = Math.max(deepestEnded, next.depth);
    }
    request.depth = deepestEnded + 1;
    longest = Math.max(longest, request.depth);
  }
  return longest;
}
