import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePorts } from './ports';

/**
 * A real 3-master Redis Cluster on free ports, started from the installed redis-server and torn
 * down afterwards: proves the hash-tag layout works unchanged on a cluster.
 */
export class RedisClusterFixture {
  private procs: ChildProcess[] = [];
  private dir = '';
  ports: number[] = [];

  /** `password`: every node demands it (requirepass, and masterauth between nodes). */
  constructor(private readonly opts: { password?: string } = {}) {}

  private get auth(): string[] {
    return this.opts.password ? ['-a', this.opts.password, '--no-auth-warning'] : [];
  }

  static available(): boolean {
    return spawnSync('redis-server', ['--version']).status === 0 && spawnSync('redis-cli', ['--version']).status === 0;
  }

  async start(): Promise<this> {
    this.dir = mkdtempSync(join(tmpdir(), 'smk-cluster-'));
    this.ports = await freePorts(3);
    for (const port of this.ports) {
      const p = spawn('redis-server', [
        '--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes',
        '--cluster-config-file', join(this.dir, `nodes-${port}.conf`), '--save', '', '--appendonly', 'no',
        '--dir', this.dir, '--cluster-node-timeout', '2000',
        ...(this.opts.password ? ['--requirepass', this.opts.password, '--masterauth', this.opts.password] : []),
      ], { stdio: 'ignore' });
      this.procs.push(p);
    }
    for (const port of this.ports) {
      for (let i = 0; i < 100; i++) {
        if (spawnSync('redis-cli', ['-p', String(port), ...this.auth, 'ping']).stdout?.toString().includes('PONG')) break;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    const create = spawnSync('redis-cli', [...this.auth, '--cluster', 'create', ...this.ports.map((p) => `127.0.0.1:${p}`), '--cluster-yes'], { encoding: 'utf8' });
    if (create.status !== 0) throw new Error(`cluster create failed: ${create.stderr || create.stdout}`);
    for (let i = 0; i < 100; i++) {
      const info = spawnSync('redis-cli', ['-p', String(this.ports[0]), ...this.auth, 'cluster', 'info'], { encoding: 'utf8' }).stdout;
      if (info.includes('cluster_state:ok')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    return this;
  }

  get nodesSpec(): string {
    return this.ports.map((p) => `127.0.0.1:${p}`).join(',');
  }

  async stop(): Promise<void> {
    await Promise.all(this.procs.map((p) => new Promise((r) => { if (p.exitCode !== null) return r(null); p.once('exit', r); p.kill('SIGKILL'); })));
    this.procs = [];
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }
}
