// What a command may touch of the outside world, so tests can run commands in-process.
import type { CallLogEntry } from '../aws/call-log.ts';

export interface Io {
  /** Results: human text, or the one JSON document with --json. */
  out(text: string): void;
  /** Progress, warnings, --verbose call lines. */
  err(text: string): void;
  errIsTTY: boolean;
  /**
   * Asks a yes/no question on the terminal; true when the answer is one of `accept` (default
   * `["yes"]`, ignoring case). Undefined when there is no terminal to ask.
   */
  confirm?(question: string, accept?: readonly string[]): Promise<boolean>;
  /** Sees every AWS call (tests read the call log through this). */
  onCall?(entry: CallLogEntry): void;
  /** Registers cleanup to run on Ctrl-C; returns a function that unregisters it. */
  onInterrupt?(cleanup: () => Promise<void>): () => void;
}

export interface GlobalOptions {
  config: string;
  region?: string;
  profile?: string;
  endpointUrl?: string;
  json?: boolean;
  yes?: boolean;
  verbose?: boolean;
  /** `up --allow-data-loss`: the table or the secret may be replaced. */
  allowDataLoss?: boolean;
}

/** Exit codes of the CLI contract. */
export const EXIT_OK = 0;
export const EXIT_ERROR = 1;
export const EXIT_PLAN_CHANGES = 2;
