// src/project/project.ts, startOpening: cli/main.ts loads the command's modules once it resolves,
// and evaluating them holds the event loop for tens of milliseconds. A request whose socket is
// still connecting then waits for the loading to end; so when startOpening resolves, STS's
// request and the first reads' must already be written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { mkdtemp, writeFile } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openProject, startOpening } from '../src/project/project.ts';
import type { Io } from '../src/ui/io.ts';
import { ACCOUNT, useEmulator } from './helpers/emulator.ts';

const emulator = await useEmulator();

test('when startOpening resolves, the STS request and the state read are written on connected sockets', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'open-project-'));
  const config = join(dir, 'resume-infra.json');
  await writeFile(config, JSON.stringify({ project: 'open-test', region: 'eu-west-1', siteDir: dir }));
  const sockets: Socket[] = [];
  const onSocket = (message: unknown) => {
    const { socket } = message as { socket?: Socket };
    if (socket) sockets.push(socket);
  };
  subscribe('net.client.socket', onSocket);
  const options = { config, endpointUrl: emulator.endpoint };
  const io: Io = { out: () => undefined, err: () => undefined, errIsTTY: false };
  try {
    await startOpening(options, io, (project) => project.store.prefetch(project.config.project));
    const seen = sockets.map((socket) => ({ connecting: socket.connecting, bytesWritten: socket.bytesWritten }));
    assert.ok(seen.length >= 1, 'the STS request has a socket');
    for (const socket of seen) {
      assert.equal(socket.connecting, false, JSON.stringify(seen));
      assert.ok(socket.bytesWritten > 0, JSON.stringify(seen));
    }
    const project = await openProject(options, io);
    assert.equal(project.account, ACCOUNT);
  } finally {
    unsubscribe('net.client.socket', onSocket);
  }
});
