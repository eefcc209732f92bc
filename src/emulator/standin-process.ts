// The stand-in as its own process: `node --import tsx src/emulator/standin-process.ts <moto endpoint>
// <port> <account>`. startEmulator runs it apart from the caller, so a caller blocked in a
// synchronous child process (a test's spawnSync of the CLI) never blocks the emulator too.
// Prints `listening <port>` once it answers; exits when its parent goes (stdin closes) or on SIGTERM.
import { startStandIn } from './standin.ts';

const [motoEndpoint, port, account] = process.argv.slice(2);
if (!motoEndpoint) {
  process.stderr.write('usage: standin-process.ts <moto endpoint> [port] [account]\n');
  process.exit(2);
}
const standIn = await startStandIn(motoEndpoint, { port: port ? Number(port) : 0, ...(account ? { account } : {}) });
const stop = (): void => {
  void standIn.stop().finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.resume();
process.stdout.write(`listening ${standIn.port}\n`);
