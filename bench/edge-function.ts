// The viewer-request function's size (CloudFront's limit: 10,240 bytes) and its run time per
// request in node:vm, for the settings a site has: no domain; an apex domain with its www
// redirect; the most redirect names the config allows (9). Run with `npx tsx bench/edge-function.ts`.
import { buildFunctionCode, MAX_FUNCTION_BYTES, type EdgeSettings } from '../src/edge/code.ts';
import { runViewerRequest, viewerRequestEvent } from '../src/edge/runtime.ts';
import { percentile } from './stats.ts';

const RELEASE = 'a3f09c1d2b4e5f60';
const RUNS = 500;
const cases: Array<[string, EdgeSettings]> = [
  ['no domain', { domain: null, redirectFrom: [], release: RELEASE }],
  ['apex domain, www redirect', { domain: 'example.com', redirectFrom: ['www.example.com'], release: RELEASE }],
  ['9 redirect names', { domain: 'example.com', redirectFrom: Array.from({ length: 9 }, (_, i) => `name-${i}.example.com`), release: RELEASE }],
];

for (const [title, settings] of cases) {
  const code = buildFunctionCode(settings);
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const event = viewerRequestEvent({ uri: i % 2 === 0 ? '/about/' : '/css/site.css', headers: { host: 'example.com' } });
    const started = performance.now();
    await runViewerRequest(code, event);
    times.push(performance.now() - started);
  }
  const bytes = Buffer.byteLength(code);
  console.log(`${title}: ${bytes.toLocaleString('en')} bytes (${((bytes / MAX_FUNCTION_BYTES) * 100).toFixed(0)}% of ${MAX_FUNCTION_BYTES.toLocaleString('en')}); vm run p50 ${(percentile(times, 50) ?? 0).toFixed(2)} ms, p95 ${(percentile(times, 95) ?? 0).toFixed(2)} ms over ${RUNS}`);
}
