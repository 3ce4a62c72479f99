import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePorts, isListening } from './ports';

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

  /**
   * Starts the nodes. A node's cluster bus listens on port + 10000, which a free-port probe does
   * not check, and a port found free can be taken by another process before redis-server binds
   * it: so the ports are chosen with their bus ports free too, and a node that does not come up
   * (its process exited, or no PONG) makes the whole set start again on other ports.
   */
  async start(): Promise<this> {
    this.dir = mkdtempSync(join(tmpdir(), 'smk-cluster-'));
    for (let attempt = 0; ; attempt++) {
      this.ports = await clusterPorts(3);
      this.procs = this.ports.map((port) =>
        spawn('redis-server', [
          '--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes',
          '--cluster-config-file', join(this.dir, `nodes-${port}.conf`), '--save', '', '--appendonly', 'no',
          '--dir', this.dir, '--cluster-node-timeout', '2000',
          ...(this.opts.password ? ['--requirepass', this.opts.password, '--masterauth', this.opts.password] : []),
        ], { stdio: 'ignore' }),
      );
      if (await this.allAnswer()) break;
      await this.killAll();
      if (attempt === 2) throw new Error(`cluster nodes did not start on ports ${this.ports.join(', ')}`);
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

  /** Every node answers PING (within 5 s), and none has exited. */
  private async allAnswer(): Promise<boolean> {
    for (const [i, port] of this.ports.entries()) {
      let up = false;
      for (let t = 0; t < 100 && this.procs[i].exitCode === null; t++) {
        if (spawnSync('redis-cli', ['-p', String(port), ...this.auth, 'ping']).stdout?.toString().includes('PONG')) {
          up = true;
          break;
        }
        await new Promise((r) => setTimeout(r, 50));
      }
      if (!up) return false;
    }
    return true;
  }

  private async killAll(): Promise<void> {
    await Promise.all(this.procs.map((p) => new Promise((r) => { if (p.exitCode !== null) return r(null); p.once('exit', r); p.kill('SIGKILL'); })));
    this.procs = [];
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

/** Free ports whose cluster bus ports (port + 10000) are free and valid too. */
async function clusterPorts(n: number): Promise<number[]> {
  const out: number[] = [];
  while (out.length < n) {
    for (const p of await freePorts(n)) {
      if (out.length < n && p + 10000 <= 65535 && !out.includes(p) && !(await isListening(p + 10000))) out.push(p);
    }
  }
  return out;
}
