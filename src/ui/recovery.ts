// The commands the tool prints for the user to run next (unlock, "run up first"): they carry the
// global options this run was given, so that, pasted as printed, they act on the same state.
import type { GlobalOptions } from './io.ts';

export const DEFAULT_CONFIG = './resume-infra.json';

/** Quotes a word for a POSIX shell when it needs it. */
function shellWord(word: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/** `npx resume-infra [-c …] [--region …] [--profile …] [--endpoint-url …] <args>`. */
export function cliCommand(options: Pick<GlobalOptions, 'config' | 'region' | 'profile' | 'endpointUrl'>, ...args: string[]): string {
  const words = ['npx', 'resume-infra'];
  if (options.config !== DEFAULT_CONFIG) words.push('-c', options.config);
  if (options.region !== undefined) words.push('--region', options.region);
  if (options.profile !== undefined) words.push('--profile', options.profile);
  if (options.endpointUrl !== undefined) words.push('--endpoint-url', options.endpointUrl);
  return [...words, ...args].map(shellWord).join(' ');
}

/** Builds a printed command from its arguments; the project's, carrying this run's options. */
export type CommandHint = (...args: string[]) => string;

export const plainHint: CommandHint = (...args) => cliCommand({ config: DEFAULT_CONFIG }, ...args);
