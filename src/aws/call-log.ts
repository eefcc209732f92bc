export interface CallLogEntry {
  seq: number;
  service: string;
  operation: string;
  /** Bucket/key, table, function… never a parameter value. */
  target?: string;
  ms: number;
  /** `ok`, or the error's name. */
  outcome: string;
  attempts?: number;
  mutating: boolean;
}

const READ_ONLY_PREFIXES = ['Get', 'List', 'Describe', 'Head'];

/** Whether an operation can change anything in AWS. */
export function isMutating(operation: string): boolean {
  return !READ_ONLY_PREFIXES.some((prefix) => operation.startsWith(prefix));
}

export function formatCall(entry: CallLogEntry): string {
  const target = entry.target ? ` ${entry.target}` : '';
  const attempts = entry.attempts && entry.attempts > 1 ? ` (${entry.attempts} attempts)` : '';
  return `aws ${entry.service}.${entry.operation}${target} ${entry.ms}ms ${entry.outcome}${attempts}`;
}

export class CallLog {
  readonly entries: CallLogEntry[] = [];

  record(entry: Omit<CallLogEntry, 'seq' | 'mutating'>): CallLogEntry {
    const full: CallLogEntry = { ...entry, seq: this.entries.length + 1, mutating: isMutating(entry.operation) };
    this.entries.push(full);
    return full;
  }

  mutating(): CallLogEntry[] {
    return this.entries.filter((entry) => entry.mutating);
  }
}
