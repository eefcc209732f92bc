// Loaded into a CLI process by bench/floor.ts (NODE_OPTIONS=--import=<this file's URL>): when the
// process exits, appends its pid and the CPU time it used, user and system, in microseconds
// (process.cpuUsage()), to the file named by BENCH_CPU_FILE.
import { appendFileSync } from 'node:fs';

const file = process.env.BENCH_CPU_FILE;
if (file) {
  process.on('exit', () => {
    const { user, system } = process.cpuUsage();
    appendFileSync(file, `${process.pid} ${user} ${system}\n`);
  });
}
