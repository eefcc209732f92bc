// Runs the real binary on a pseudo-terminal (util-linux `script`), so stdin is a TTY and the
// tool asks its questions; answers one question when it appears.
import { spawn } from 'node:child_process';
import { BIN } from './dev.ts';

export interface TerminalRun {
  code: number;
  /** Everything the terminal showed: stdout, stderr and the echoed answer. */
  screen: string;
}

function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** Runs `resume-infra <args>` in a terminal; when `question` shows, types `answer` and Enter. */
export function runInTerminal(args: string[], reply?: { question: string; answer: string }, env: Record<string, string> = {}): Promise<TerminalRun> {
  const command = [process.execPath, BIN, ...args].map(shellQuote).join(' ');
  return new Promise((resolve, reject) => {
    // -q: no banner; -e: the command's exit code; -c: the command; /dev/null: no typescript file.
    const child = spawn('script', ['-qec', command, '/dev/null'], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let screen = '';
    let answered = false;
    const onData = (chunk: Buffer) => {
      screen += chunk.toString();
      if (reply && !answered && screen.includes(reply.question)) {
        answered = true;
        child.stdin.write(`${reply.answer}\r`);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('error', reject);
    child.once('close', (code) => {
      resolve({ code: code ?? 1, screen });
    });
  });
}
