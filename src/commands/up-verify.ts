// `up --verify`: up, then verify the live site; when a check fails, roll the site back to the
// previous release, verify again, and exit 1. Any CI gets the deploy workflow's safety net in one
// command. With --json the four steps make one document: up's, plus `verify`, `rollback` and
// `verifyAfterRollback`.
import { EXIT_ERROR, EXIT_OK, type GlobalOptions, type Io } from '../ui/io.ts';
import { jsonDocument } from '../ui/render.ts';
import { rollback } from './rollback.ts';
import { up } from './up.ts';
import { verify } from './verify.ts';

/** Runs `step` with stdout captured (for --json) and returns its exit code and its one JSON document. */
async function captured(io: Io, step: (io: Io) => Promise<number>): Promise<{ code: number; document: Record<string, unknown> | undefined }> {
  let text = '';
  const code = await step({ ...io, out: (chunk) => { text += chunk; } });
  let document: Record<string, unknown> | undefined;
  try {
    document = text.trim() ? JSON.parse(text) as Record<string, unknown> : undefined;
  } catch {
    document = undefined;
  }
  return { code, document };
}

export interface UpVerifyOptions {
  /** The site verify checks; default: the site URL in the state. */
  verifyUrl?: string;
}

export async function upVerify(upVerifyOptions: UpVerifyOptions, options: GlobalOptions, io: Io): Promise<number> {
  const target = { url: upVerifyOptions.verifyUrl };
  if (!options.json) {
    const upCode = await up(options, io);
    if (upCode !== EXIT_OK) return upCode;
    if (await verify(target, options, io) === EXIT_OK) return EXIT_OK;
    io.err('verify failed: rolling the site back to the previous release\n');
    await rollback(undefined, options, io);
    const again = await verify(target, options, io);
    io.err(`the deploy failed verify; ${again === EXIT_OK ? 'the previous release is live and passes verify' : 'the previous release fails verify too'}\n`);
    return EXIT_ERROR;
  }
  const upRun = await captured(io, (stepIo) => up(options, stepIo));
  const document: Record<string, unknown> = { ...(upRun.document ?? { command: 'up', ok: false }) };
  const finish = (ok: boolean): number => {
    io.out(jsonDocument({ ...document, ok }));
    return ok ? EXIT_OK : EXIT_ERROR;
  };
  if (upRun.code !== EXIT_OK) return finish(false);
  const verifyRun = await captured(io, (stepIo) => verify(target, options, stepIo));
  document.verify = verifyRun.document;
  if (verifyRun.code === EXIT_OK) return finish(true);
  io.err('verify failed: rolling the site back to the previous release\n');
  let rollbackRun: Awaited<ReturnType<typeof captured>>;
  try {
    rollbackRun = await captured(io, (stepIo) => rollback(undefined, options, stepIo));
  } catch (error) {
    // E.g. no release before the live one: the document still says what happened.
    document.rollback = { ok: false, error: error instanceof Error ? error.message : String(error) };
    return finish(false);
  }
  document.rollback = rollbackRun.document;
  if (rollbackRun.code === EXIT_OK) document.verifyAfterRollback = (await captured(io, (stepIo) => verify(target, options, stepIo))).document;
  return finish(false);
}
