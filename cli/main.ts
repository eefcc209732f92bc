// The commander program: parse, call one command, map errors to exit codes. Commands are
// imported lazily so `--help` and `--version` never load the AWS SDK.
import { createInterface } from 'node:readline/promises';
import { Command, CommanderError, Help, Option } from 'commander';
import { UserError } from '../src/errors.ts';
import { PACKAGE_VERSION } from '../src/paths.ts';
import { EXIT_ERROR, type GlobalOptions, type Io } from '../src/ui/io.ts';


/** Global options that only some commands read; each command's --help lists those that apply to it. */
const ONLY_FOR: Readonly<Record<string, readonly string[]>> = {
  yes: ['up', 'ci-setup', 'destroy'],
  json: ['up', 'plan', 'verify', 'deploy-lambda', 'deploy-site', 'releases', 'rollback', 'invalidate', 'status', 'destroy', 'unlock', 'ci-setup'],
  version: [],
};

function appliesTo(option: Option, command: string): boolean {
  const only = ONLY_FOR[option.attributeName()];
  return only === undefined || only.includes(command);
}

function buildProgram(io: Io, setExit: (code: number) => void): Command {
  const program = new Command('resume-infra')
    .description('Stand up and maintain a personal resume site on AWS with plain SDK calls')
    .version(PACKAGE_VERSION, '-V, --version')
    .option('-c, --config <file>', 'config file', './resume-infra.json')
    .option('--region <region>', 'AWS region (default: the config, then the SDK chain)')
    .option('--profile <name>', 'AWS profile from ~/.aws/config')
    .addOption(new Option('--endpoint-url <url>', 'send every AWS call here (a local emulator)').env('AWS_ENDPOINT_URL'))
    .option('--json', 'print one JSON document on stdout; progress goes to stderr')
    .option('-y, --yes', 'apply without asking (up, ci-setup, destroy)')
    .option('--verbose', 'print every AWS call on stderr')
    .configureHelp({
      showGlobalOptions: true,
      visibleGlobalOptions(this: Help, command: Command): Option[] {
        return Help.prototype.visibleGlobalOptions.call(this, command).filter((option) => appliesTo(option, command.name()));
      },
    })
    .showHelpAfterError('(run resume-infra --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.out(text), writeErr: (text) => io.err(text) });

  const globals = (): GlobalOptions => program.opts<GlobalOptions>();
  const run = (load: () => Promise<number>) => async () => setExit(await load());
  // For the commands that load every AWS client: the STS call (and for `up` and `plan` the first
  // reads: the state, the hosted zone) starts before the command's modules load, and goes on while
  // they do. Loading waits until those requests are on their way (evaluating modules holds the
  // event loop).
  const startOpening = async (options: GlobalOptions, firstReads: boolean) => {
    const [{ startOpening: start }, reads] = await Promise.all([
      import('../src/project/project.ts'),
      firstReads ? import('../src/project/first-reads.ts') : undefined,
    ]);
    await start(options, io, reads?.startFirstReads);
  };

  program.command('up').description('show the plan and ask (unless --yes), then create or update every resource, deploy the function, publish the site as a release')
    .option('--allow-data-loss', 'let up replace or delete the DynamoDB table or the SSM secret, deleting the counts or the key they hold')
    .option('--verify', 'then run verify; when a check fails, roll the site back to the previous release, verify again and exit 1')
    .option('--verify-url <url>', 'with --verify: the site to check (default: the site URL in the state)')
    .action(async (commandOptions: { allowDataLoss?: boolean; verify?: boolean; verifyUrl?: string }) => {
      const { verify, verifyUrl, ...upOptions } = commandOptions;
      if (verifyUrl !== undefined && !verify) throw new UserError('--verify-url is used only with --verify; add --verify');
      const options = { ...globals(), ...upOptions };
      // (--verify runs up with an io of its own, so it opens the project itself.)
      if (!verify) await startOpening(options, true);
      setExit(verify ? await (await import('../src/commands/up-verify.ts')).upVerify({ verifyUrl }, options, io) : await (await import('../src/commands/up.ts')).up(options, io));
    });
  program.command('plan').description('show what up would change; exit 0 = no changes, 2 = changes')
    .action(run(async () => {
      const options = globals();
      await startOpening(options, true);
      return (await import('../src/commands/plan.ts')).plan(options, io);
    }));
  program.command('deploy-lambda').description('bundle and zip the counter; upload it only when its SHA-256 differs from the deployed code')
    .action(run(async () => (await import('../src/commands/deploy-lambda.ts')).deployLambda(globals(), io)));
  program.command('deploy-site').description('publish the site directory as a new release (unchanged files copied in S3) and switch to it; no invalidation')
    .action(run(async () => (await import('../src/commands/deploy-site.ts')).deploySite(globals(), io)));
  program.command('releases').description('list the site\'s releases: id, time, files, size, git commit, which one is live')
    .action(run(async () => (await import('../src/commands/releases.ts')).releases(globals(), io)));
  program.command('rollback').description('switch the site to the release before the live one, or to the named one (one function update, no upload)')
    .argument('[id]', 'a release id, or a unique prefix of one, as `releases` lists them')
    .action(async (id: string | undefined) => setExit(await (await import('../src/commands/rollback.ts')).rollback(id, globals(), io)));
  program.command('invalidate').description('create a CloudFront invalidation (default /*)').argument('[paths...]', 'paths starting with /')
    .option('--wait', 'wait until the invalidation has completed')
    .action(async (paths: string[], commandOptions: { wait?: boolean }) => setExit(await (await import('../src/commands/invalidate.ts')).invalidate(paths, commandOptions, globals(), io)));
  program.command('dev').description('local preview on the emulator: the site from its bucket, /count from the built zip (no AWS account)')
    .option('--port <port>', 'port to serve on', '8080')
    .action(async (commandOptions: { port?: string }) => setExit(await (await import('../src/commands/dev.ts')).dev(commandOptions, globals(), io)));
  program.command('verify').description('check the deployed site (or --url, e.g. the dev preview) end to end; GET requests only; exit 1 when a check fails')
    .option('--url <url>', 'the site to check (default: the site URL in the state)')
    .action(async (commandOptions: { url?: string }) => setExit(await (await import('../src/commands/verify.ts')).verify(commandOptions, globals(), io)));
  program.command('status').description('show the recorded resources and outputs')
    .action(run(async () => (await import('../src/commands/status.ts')).status(globals(), io)));
  program.command('destroy').description('delete everything this project made (asks first unless --yes)')
    .action(run(async () => {
      const options = globals();
      await startOpening(options, false);
      return (await import('../src/commands/destroy.ts')).destroy(options, io);
    }));
  program.command('unlock').description('remove a stale state lock, like terraform force-unlock').argument('<lock-id>', 'the id printed by the run that holds the lock')
    .action(async (lockId: string) => setExit(await (await import('../src/commands/unlock.ts')).unlock(lockId, globals(), io)));
  program.command('ci-setup').description('create the GitHub OIDC provider and a deploy role only that repository and branch may assume (asks first, as up does)')
    .requiredOption('--repo <owner/name>', 'the GitHub repository whose workflow deploys, e.g. jane/resume')
    .option('--branch <name>', 'the branch whose pushes may deploy', 'main')
    .action(async (flags: { repo: string; branch: string }) => setExit(await (await import('../src/commands/ci-setup.ts')).ciSetup(flags, globals(), io)));
  return program;
}

/** Runs the CLI and returns the exit code. The one top-level catch lives here. */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  let exitCode = 0;
  const program = buildProgram(io, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : EXIT_ERROR;
    const { explainAwsError } = await import('../src/project/project.ts');
    const explained = explainAwsError(error, program.opts<GlobalOptions>().endpointUrl);
    if (explained instanceof UserError) {
      io.err(`error: ${explained.message}\n`);
      return EXIT_ERROR;
    }
    const stack = explained instanceof Error ? (explained.stack ?? explained.message) : String(explained);
    io.err(`resume-infra hit a bug; please report it with this output:\n${stack}\n`);
    return EXIT_ERROR;
  }
}

/** The real terminal: stdout/stderr, a confirmation prompt when stdin is a TTY, and Ctrl-C cleanup. */
export function processIo(): Io {
  const cleanups = new Set<() => Promise<void>>();
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) process.exit(130);
    interrupted = true;
    process.stderr.write(`\n${signal}: stopping and releasing the state lock…\n`);
    void Promise.allSettled([...cleanups].map((cleanup) => cleanup())).then(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    errIsTTY: process.stderr.isTTY === true,
    ...(process.stdin.isTTY
      ? {
          confirm: async (question: string, accept: readonly string[] = ['yes']) => {
            const readline = createInterface({ input: process.stdin, output: process.stderr });
            try {
              return accept.includes((await readline.question(`${question} `)).trim().toLowerCase());
            } finally {
              readline.close();
            }
          },
        }
      : {}),
    onInterrupt: (cleanup) => {
      cleanups.add(cleanup);
      return () => cleanups.delete(cleanup);
    },
  };
}

export async function runFromProcess(): Promise<void> {
  process.exitCode = await main(process.argv.slice(2), processIo());
}
