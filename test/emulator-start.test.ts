// Starting the local emulator (src/emulator.ts), as `dev`, the demo and every test file do: a port
// taken between freePort and moto's bind is retried on another, and a start that fails stops what
// it started, so `dev` exits with the error instead of hanging on a stand-in left running.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { emulatorInstalled, EMULATOR_INSTALL_HINT, freePort, MOTO_PORT_ATTEMPTS, startEmulator } from '../src/emulator.ts';
import { BIN, descendants, isRunning, makeDevProject } from './helpers/dev.ts';
import './helpers/emulator.ts';

if (!emulatorInstalled()) throw new Error(`${EMULATOR_INSTALL_HINT} (these tests start it)`);

/** A port held by another program, as a port freePort returned can be by the time moto binds it. */
async function holdPort(): Promise<{ port: number; server: Server }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  assert.ok(address && typeof address === 'object');
  return { port: address.port, server };
}

/** This process's children that belong to an emulator: moto_server and the stand-in. */
function emulatorProcesses(): string[] {
  return descendants(process.pid)
    .filter((info) => isRunning(info.pid) && /moto_server|standin-process/.test(info.command))
    .map((info) => `${info.pid} ${info.command}`);
}

test('a moto_server port taken before moto binds it is retried on another, and the emulator answers', async () => {
  const held = await holdPort();
  try {
    const picked: number[] = [];
    const emulator = await startEmulator({
      pickMotoPort: async () => {
        const port = picked.length === 0 ? held.port : await freePort();
        picked.push(port);
        return port;
      },
    });
    try {
      assert.equal(picked[0], held.port);
      assert.equal(picked.length, 2, `one retry after the taken port, got ports ${picked.join(', ')}`);
      assert.equal(emulator.motoPort, picked[1]);
      const direct = await fetch(`${emulator.motoEndpoint}/moto-api/`);
      assert.equal(direct.status, 200);
      // The stand-in in front proxies to the moto that answered, not to the taken port.
      const viaStandIn = await fetch(`${emulator.endpoint}/`, { headers: { authorization: 'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/s3/aws4_request' } });
      assert.equal(viaStandIn.status, 200, await viaStandIn.text());
      assert.deepEqual(emulatorProcesses().length, 2, emulatorProcesses().join('\n'));
    } finally {
      await emulator.stop();
    }
    assert.deepEqual(emulatorProcesses(), []);
  } finally {
    held.server.close();
  }
});

test('a start that fails on every port names the ports and the next step, and leaves no process behind', async () => {
  const held = await holdPort();
  try {
    await assert.rejects(
      startEmulator({ pickMotoPort: async () => held.port }),
      (error: Error) => {
        assert.match(error.message, new RegExp(`^moto_server exited before answering, on ${MOTO_PORT_ATTEMPTS} ports in turn \\(${held.port}(, ${held.port})*\\); run \`moto_server -H 127\\.0\\.0\\.1 -p 5000\` by hand to see why$`));
        return true;
      },
    );
    // Before, the stand-in started beside a moto that failed was left running, and its pipe kept the
    // caller (`dev`) alive after it had printed the error.
    assert.deepEqual(emulatorProcesses(), []);
  } finally {
    held.server.close();
  }
});

test('dev whose emulator cannot start exits 1 with the error, promptly, and leaves no temporary config behind', async () => {
  // A moto_server that installs fine (`--help` works) but cannot serve: as if every port it is given is taken.
  const fakeBin = await mkdtemp(join(tmpdir(), 'resume-infra-fake-moto-'));
  const temp = await mkdtemp(join(tmpdir(), 'resume-infra-dev-tmp-'));
  const project = await makeDevProject('dev-no-emulator');
  try {
    await writeFile(
      join(fakeBin, 'moto_server'),
      '#!/bin/sh\nif [ "$1" = "--help" ]; then exit 0; fi\necho "Address already in use" >&2\nexit 1\n',
    );
    await chmod(join(fakeBin, 'moto_server'), 0o755);
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${fakeBin}${delimiter}${process.env.PATH ?? ''}`, TMPDIR: temp };
    delete env.AWS_ENDPOINT_URL;
    delete env.AWS_PROFILE;
    const started = performance.now();
    const child = spawn(process.execPath, [BIN, 'dev', '--port', String(await freePort())], { cwd: project.dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.once('exit', (c, s) => resolve([c, s])));
    clearTimeout(timer);
    const seconds = (performance.now() - started) / 1000;
    assert.equal(signal, null, `dev hung after the error and was killed after ${seconds.toFixed(1)} s\nstderr:\n${stderr}`);
    assert.equal(code, 1, stderr);
    assert.equal(stdout, '');
    assert.match(stderr, new RegExp(`moto_server exited before answering, on ${MOTO_PORT_ATTEMPTS} ports in turn`));
    assert.equal(stderr.trim().split('\n').length, 1, stderr);
    // Only what the test put there: the preview's config directory is gone.
    assert.deepEqual((await readdir(temp)).filter((name) => name.startsWith('resume-infra-dev-')), []);
  } finally {
    await rm(fakeBin, { recursive: true, force: true });
    await rm(temp, { recursive: true, force: true });
    await rm(project.dir, { recursive: true, force: true });
  }
});
