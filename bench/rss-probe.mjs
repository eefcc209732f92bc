// Loaded into a CLI process by the growth benchmark (NODE_OPTIONS=--import=<this file's URL>):
// when the process exits, appends its pid and peak resident set size in KiB
// (process.resourceUsage().maxRSS) to the file named by BENCH_RSS_FILE. One line a process, so a
// node child the CLI might start reports too; the harness takes the largest.
import { appendFileSync } from 'node:fs';

const file = process.env.BENCH_RSS_FILE;
if (file) {
  process.on('exit', () => {
    appendFileSync(file, `${process.pid} ${process.resourceUsage().maxRSS}\n`);
  });
}
