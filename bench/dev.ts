// The local preview as a user gets it: `resume-infra dev` with its own emulator.
// Measures, over several runs, the time from spawning `resume-infra dev` to the first page served
// (GET / answered 200, polled every 50 ms), then, on one running preview, the counter's round trip
// (POST /count from Node's fetch, sequential) and the page weight as Chromium loads it.
// Run: npx tsx bench/dev.ts [runs]   (default 5; needs moto_server and /usr/bin/chromium)
import { rm } from 'node:fs/promises';
import { freePort } from '../src/emulator.ts';
import { launchChromium, measurePageWeight, PAGE_WEIGHT_LIMIT_BYTES } from '../test/helpers/browser.ts';
import { makeDevProject, startDev, type DevProject, type DevServer } from '../test/helpers/dev.ts';
import { median, percentile } from './stats.ts';

const runs = Math.max(Number(process.argv[2] ?? 5), 1);
const COUNT_REQUESTS = 200;
const COUNT_WARMUP = 20;

function summary(values: readonly number[]): string {
  return `${(median(values) ?? 0).toFixed(1)} | ${Math.min(...values).toFixed(1)} | ${Math.max(...values).toFixed(1)}`;
}

/** Spawns dev and polls GET / until it answers 200; returns the preview and the milliseconds it took. */
async function startAndTimeFirstPage(project: DevProject): Promise<{ dev: DevServer; firstPageMs: number }> {
  const port = await freePort();
  const started = performance.now();
  let firstPageMs: number | undefined;
  let done = false;
  const poll = (async () => {
    while (!done && firstPageMs === undefined) {
      try {
        const response = await fetch(`http://127.0.0.1:${port}/`);
        await response.arrayBuffer();
        if (response.status === 200) firstPageMs = performance.now() - started;
      } catch {
        // not listening yet
      }
      if (firstPageMs === undefined) await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  try {
    const dev = await startDev(project, { port });
    await poll;
    return { dev, firstPageMs: firstPageMs ?? Number.NaN };
  } finally {
    done = true;
  }
}

async function timeCounter(dev: DevServer): Promise<number[]> {
  const url = new URL('/count', dev.url).href.replace('localhost', '127.0.0.1');
  const times: number[] = [];
  for (let i = 0; i < COUNT_WARMUP + COUNT_REQUESTS; i++) {
    const started = performance.now();
    const response = await fetch(url, { method: 'POST' });
    const body = (await response.json()) as { views?: number };
    if (response.status !== 200 || typeof body.views !== 'number') throw new Error(`POST /count answered ${response.status}`);
    if (i >= COUNT_WARMUP) times.push(performance.now() - started);
  }
  return times;
}

const firstPage: number[] = [];
const ready: number[] = [];
const stop: number[] = [];
let counterTimes: number[] = [];
let weight: Awaited<ReturnType<typeof measurePageWeight>> | undefined;

const browser = await launchChromium();
try {
  for (let run = 0; run < runs; run++) {
    const project = await makeDevProject('bench-preview');
    const { dev, firstPageMs } = await startAndTimeFirstPage(project);
    try {
      firstPage.push(firstPageMs);
      ready.push(dev.readyMs);
      if (run === runs - 1) {
        counterTimes = await timeCounter(dev);
        weight = await measurePageWeight(browser, dev.url);
      }
    } finally {
      const stopping = performance.now();
      const stopped = await dev.stop();
      stop.push(performance.now() - stopping);
      await rm(project.dir, { recursive: true, force: true });
      if (stopped.forced || stopped.code !== 130) console.error(`run ${run + 1}: dev stopped with code ${stopped.code}, signal ${stopped.signal}${stopped.forced ? ' after SIGKILL' : ''}`);
    }
    process.stderr.write(`run ${run + 1}/${runs}: first page after ${firstPageMs.toFixed(0)} ms\n`);
  }
} finally {
  await browser.close();
}

console.log(`node ${process.version}, ${runs} runs of \`resume-infra dev\` with its own emulator; ${COUNT_REQUESTS} sequential POST /count after ${COUNT_WARMUP} warm-up`);
console.log('| measure | median | min | max |\n|---|---:|---:|---:|');
console.log(`| spawn → first page served (GET / 200), ms | ${summary(firstPage)} |`);
console.log(`| spawn → "Preview ready" printed, ms | ${summary(ready)} |`);
console.log(`| SIGINT → exited, ms | ${summary(stop)} |`);
console.log(`| POST /count round trip, ms (p95 ${(percentile(counterTimes, 95) ?? 0).toFixed(1)}) | ${summary(counterTimes)} |`);
if (weight) {
  console.log(`\npage weight: ${weight.total} bytes (${(weight.total / 1024).toFixed(1)} KiB) of ${PAGE_WEIGHT_LIMIT_BYTES} allowed, decoded bodies of every response:`);
  for (const resource of weight.resources) console.log(`  ${new URL(resource.url).pathname.padEnd(16)} ${String(resource.bytes).padStart(6)} bytes`);
}
console.log(`first page per run, ms: ${firstPage.map((ms) => ms.toFixed(0)).join(', ')}`);
