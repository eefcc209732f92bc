// `deploy-lambda`: bundle and zip the counter, upload it only when its SHA-256 differs from the
// deployed CodeSha256, wait until the function is updated, and record the new hash in the state.
import { LambdaClient, UpdateFunctionCodeCommand } from '@aws-sdk/client-lambda';
import { UserError } from '../errors.ts';
import { cachedLambdaZip } from '../lambda/bundle.ts';
import { findFunction, waitFunctionUpdated } from '../resources/function.ts';
import { EXIT_OK, type GlobalOptions, type Io } from '../ui/io.ts';
import { openProject, withLockedState } from '../project/project.ts';
import { jsonDocument } from '../ui/render.ts';

export async function deployLambda(options: GlobalOptions, io: Io): Promise<number> {
  const started = performance.now();
  // Bundling needs no AWS: do it while the project opens. Not the per-process lambdaZip() of the
  // function resource: `dev` calls this after the handler source changed, in a process whose `up`
  // has already built the old code. The on-disk cache hashes the sources again on every call.
  const [project, zip] = await Promise.all([openProject(options, io), cachedLambdaZip()]);
  const functionName = project.names.function;
  const notDeployed = () => new UserError(`function ${functionName} does not exist in ${project.account} ${project.region}; run \`${project.hint('up')}\` first`);
  const result = await withLockedState(project, 'deploy-lambda', io, async (state) => {
    const current = await findFunction(project.aws, functionName);
    if (!current) throw notDeployed();
    const previous = current.codeSha256;
    if (previous === zip.sha256) {
      await state.record('function', current);
      return { uploaded: false, previous, deployed: current.codeSha256 };
    }
    // A function cannot be updated again until its LastUpdateStatus is Successful.
    if (current.lastUpdateStatus === 'InProgress') await waitFunctionUpdated(project.aws, functionName);
    await project.aws.client(LambdaClient).send(new UpdateFunctionCodeCommand({ FunctionName: functionName, ZipFile: zip.zip }));
    await waitFunctionUpdated(project.aws, functionName);
    const updated = await findFunction(project.aws, functionName);
    if (!updated) throw new Error(`updating Lambda function (${functionName}): it vanished during the code update`);
    if (updated.codeSha256 !== zip.sha256) {
      throw new Error(`updating Lambda function (${functionName}): deployed CodeSha256 ${updated.codeSha256 ?? '(none)'} does not match the uploaded zip's ${zip.sha256}`);
    }
    await state.record('function', updated);
    return { uploaded: true, previous, deployed: updated.codeSha256 };
  });
  const seconds = Number(((performance.now() - started) / 1000).toFixed(1));
  if (options.json) {
    io.out(jsonDocument({
      command: 'deploy-lambda',
      ok: true,
      function: functionName,
      uploaded: result.uploaded,
      bytes: zip.bytes,
      codeSha256: result.deployed,
      previousCodeSha256: result.previous,
      buildMs: zip.buildMs,
      seconds,
    }));
  } else if (result.uploaded) {
    io.out(`Uploaded ${zip.bytes} bytes to ${functionName} (built in ${zip.buildMs} ms): CodeSha256 ${result.previous ?? '(none)'} -> ${result.deployed ?? '(none)'} (${seconds}s)\n`);
  } else {
    io.out(`No change: deployed code matches ${zip.sha256} (${functionName}, ${zip.bytes} bytes). Nothing uploaded. (${seconds}s)\n`);
  }
  return EXIT_OK;
}
