// Progress on stderr: a live line per resource with elapsed time on a terminal, plain lines otherwise.
import type { ProgressEvent } from './engine.ts';

export interface ProgressSink {
  write(text: string): void;
  isTTY: boolean;
}

const PAST = { create: 'created', update: 'updated', replace: 'replaced', delete: 'deleted', noop: 'checked' } as const;
const PRESENT = { create: 'creating', update: 'updating', replace: 'replacing', delete: 'deleting', noop: 'checking' } as const;
const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

export class ProgressReporter {
  private readonly active = new Map<string, { event: ProgressEvent; startedAt: number }>();
  private drawnLines = 0;
  private timer: NodeJS.Timeout | undefined;
  private frame = 0;

  constructor(private readonly sink: ProgressSink) {}

  readonly onProgress = (event: ProgressEvent): void => {
    if (!this.sink.isTTY) {
      this.plain(event);
      return;
    }
    if (event.phase === 'start') this.active.set(event.resource, { event, startedAt: performance.now() - event.elapsedMs });
    else if (event.phase === 'note') {
      const entry = this.active.get(event.resource);
      if (entry) entry.event = event;
    } else {
      this.active.delete(event.resource);
      this.clear();
      this.sink.write(`${this.finalLine(event)}\n`);
    }
    this.draw();
    if (this.active.size > 0 && !this.timer) {
      this.timer = setInterval(() => this.draw(), 100);
      this.timer.unref();
    }
    if (this.active.size === 0) this.stop();
  };

  /** A one-off line (e.g. "state bucket created"), kept above the live lines. */
  info(message: string): void {
    if (this.sink.isTTY) this.clear();
    this.sink.write(`${message}\n`);
    if (this.sink.isTTY) this.draw();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.clear();
  }

  private finalLine(event: ProgressEvent): string {
    if (event.phase === 'failed') return `✗ ${PRESENT[event.action]} ${event.title} ${event.label} failed after ${seconds(event.elapsedMs)}: ${event.message ?? ''}`;
    return `✓ ${PAST[event.action]} ${event.title} ${event.label} (${seconds(event.elapsedMs)})`;
  }

  private plain(event: ProgressEvent): void {
    const what = `${event.title} ${event.label}`;
    if (event.phase === 'start') this.sink.write(`${PRESENT[event.action]} ${what}…\n`);
    else if (event.phase === 'note') this.sink.write(`  ${what}: ${event.message ?? ''} (${seconds(event.elapsedMs)})\n`);
    else this.sink.write(`${this.finalLine(event)}\n`);
  }

  private clear(): void {
    if (this.drawnLines > 0) this.sink.write(`\x1b[${this.drawnLines}A\x1b[J`);
    this.drawnLines = 0;
  }

  private draw(): void {
    this.clear();
    this.frame = (this.frame + 1) % SPINNER.length;
    const now = performance.now();
    for (const { event, startedAt } of this.active.values()) {
      const note = event.phase === 'note' && event.message ? ` — ${event.message}` : '';
      this.sink.write(`${SPINNER[this.frame]} ${PRESENT[event.action]} ${event.title} ${event.label} ${seconds(now - startedAt)}${note}\n`);
    }
    this.drawnLines = this.active.size;
  }
}
