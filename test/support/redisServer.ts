import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePorts } from './ports';

/**
 * A private redis-server on a free port with extra arguments (requirepass, ACL users, TLS, or
 * persistence: none unless asked), that can crash (kill -9) and restart on the same port and
 * directory; stopped (SIGKILL of the process it started) and its directory removed afterwards.
 */
export class RedisServerFixture {
  private proc: ChildProcess | null = null;
  readonly dir = mkdtempSync(join(tmpdir(), 'smk-redis-'));
  port = 0;
  private argv: string[] = [];
  private cliArgs: string[] = [];

  /** `args(port)`: the server's arguments; with `tls`, the port is the TLS port and the plain one is off. */
  async start(args: (port: number) => string[], opts: { tls?: boolean; cliArgs?: string[] } = {}): Promise<this> {
    [this.port] = await freePorts(1);
    const listen = opts.tls ? ['--port', '0', '--tls-port', String(this.port)] : ['--port', String(this.port)];
    // Later arguments win, so `args` may turn persistence on (--appendonly yes).
    this.argv = [...listen, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.dir, ...args(this.port)];
    this.cliArgs = opts.cliArgs ?? [];
    return this.launch();
  }

  /** kill -9: the process dies without a chance to flush anything; its directory (AOF) stays. */
  async crash(): Promise<void> {
    const p = this.proc;
    this.proc = null;
    if (p && p.exitCode === null) await new Promise((r) => { p.once('exit', r); p.kill('SIGKILL'); });
  }

  /** Starts the server again on the same port and directory (it replays its AOF before answering PING). */
  async restart(): Promise<this> {
    if (this.proc) throw new Error('redis-server is still running');
    return this.launch();
  }

  private async launch(): Promise<this> {
    this.proc = spawn('redis-server', this.argv, { stdio: 'ignore' });
    // Up to 5 s: an AOF replay answers LOADING until it is done.
    for (let i = 0; i < 100; i++) {
      const cli = spawnSync('redis-cli', ['-p', String(this.port), ...this.cliArgs, 'ping'], { encoding: 'utf8' });
      // Any answer (PONG, NOAUTH…) means it listens.
      if (/PONG|NOAUTH|WRONGPASS/.test(`${cli.stdout}${cli.stderr}`)) return this;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('redis-server did not start');
  }

  async stop(): Promise<void> {
    const p = this.proc;
    this.proc = null;
    if (p && p.exitCode === null) await new Promise((r) => { p.once('exit', r); p.kill('SIGKILL'); });
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** True when the installed redis-server was built with TLS: it then tries (and here fails) to load the certificate. */
export function redisHasTls(): boolean {
  const r = spawnSync('redis-server', ['--port', '0', '--tls-port', '0', '--tls-cert-file', '/nonexistent', '--tls-key-file', '/nonexistent'], { encoding: 'utf8', timeout: 5000 });
  return !/Bad directive/i.test(`${r.stdout}${r.stderr}`);
}
