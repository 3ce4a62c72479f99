/*
 * Forked by ownRedis.ts: runs the bench's private redis-server (arguments from argv) and kills it
 * when the bench goes away (its IPC channel closes: the bench ended, crashed or was killed), on
 * SIGTERM, or after the same hard limit as the services, so no run leaves a redis-server behind.
 */
import { spawn } from 'node:child_process';

const server = spawn('redis-server', process.argv.slice(2), { stdio: 'ignore' });
let exitCode: number | null = null;
// Exits once the server has been reaped (not before: an unreaped child would stay a zombie).
const end = (code: number) => {
  exitCode = code;
  if (server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
  else process.exit(code);
};
server.once('error', () => process.exit(1));
server.once('exit', (code) => process.exit(exitCode ?? code ?? 1));
process.on('disconnect', () => end(0));
process.on('SIGTERM', () => end(0));
setTimeout(() => end(3), 25 * 60_000).unref();
