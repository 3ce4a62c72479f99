/*
 * Processes of a bench run: forking them (every child dies with the bench: IPC disconnect, plus a
 * hard limit), waiting until they serve, stopping them, and reading their CPU time and RSS from
 * /proc (Linux) so the table can say where the CPU went.
 */
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/** A child outlives no bench: after this long it exits by itself whatever happens. */
const CHILD_HARD_LIMIT_MS = 25 * 60_000;

/** In a forked child: exit when the parent goes away (IPC closes), or after the hard limit. */
export function exitWithParent(): void {
  process.on('disconnect', () => process.exit(0));
  setTimeout(() => process.exit(3), CHILD_HARD_LIMIT_MS).unref();
}

export interface Proc {
  name: string;
  child: ChildProcess;
  pid: number;
}

/** Forks a bench module that answers {cmd: 'ready', url} over IPC once it serves. */
export function forkReady(name: string, modulePath: string, arg: unknown, execArgv: string[] = [], timeoutMs = 60_000): Promise<Proc & { url: string }> {
  // Production mode like our services (graphql-js skips its development checks): the floor is not handicapped.
  const child = fork(modulePath, [JSON.stringify(arg)], { env: { ...process.env, NODE_ENV: 'production' }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} did not start within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited during start-up (${code})`));
    });
    child.on('message', (msg: { cmd?: string; url?: string }) => {
      if (msg?.cmd !== 'ready' || !msg.url) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      resolve({ name, child, pid: child.pid!, url: msg.url });
    });
  });
}

/**
 * Forks one of our services from its production entry (dist/…/index.js) with its env. The
 * preloaded guard makes it exit when the bench goes away; it stops on SIGTERM like in production.
 */
export function forkService(name: string, entry: string, env: Record<string, string>, execArgv: string[] = []): Proc {
  const guard = path.join(__dirname, 'orphanGuard.js');
  // stdout is the access log (one line per request): written, as in production, but not printed.
  const child = fork(entry, [], { env, stdio: ['ignore', 'ignore', 'inherit', 'ipc'], execArgv: ['-r', guard, ...execArgv] });
  return { name, child, pid: child.pid! };
}

/** Polls GET <base>/health/ready until 200; fails fast if the process exits. */
export async function waitReady(proc: Proc, baseUrl: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.child.exitCode !== null || proc.child.signalCode !== null) throw new Error(`${proc.name} exited during start-up (${proc.child.exitCode ?? proc.child.signalCode})`);
    try {
      const r = await fetch(`${baseUrl}/health/ready`);
      if (r.status === 200) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`${proc.name} not ready within ${timeoutMs / 1000} s`);
}

/** SIGTERM (the services drain), SIGKILL after `graceMs`. */
export function stopProc(proc: Proc, graceMs = 5000): Promise<void> {
  const c = proc.child;
  if (c.exitCode !== null || c.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => c.kill('SIGKILL'), graceMs);
    c.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    c.kill('SIGTERM');
  });
}

/** Ports nothing listens on right now (bound on 127.0.0.1:0 together, then released). */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(Array.from({ length: n }, () => new Promise<net.Server>((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => resolve(s));
  })));
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

let clkTck = 0;
function ticksPerSecond(): number {
  if (!clkTck) {
    try {
      clkTck = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clkTck = 100;
    }
  }
  return clkTck;
}

/** User + system CPU seconds a process has used so far; NaN when it cannot be read. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / ticksPerSecond();
  } catch {
    return NaN;
  }
}

/** Resident set size in MiB; NaN when it cannot be read. */
export function rssMiB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** CPU seconds the whole machine spent busy (all cores), from /proc/stat. */
export function machineBusySeconds(): number {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const [user, nice, system, , , irq, softirq, steal] = f;
    return (user + nice + system + irq + softirq + (steal || 0)) / ticksPerSecond();
  } catch {
    return NaN;
  }
}

/** Percent of one core each process used between two snapshots, plus "other": the rest of the machine (other work on it). */
export class CpuMeter {
  private before = new Map<string, number>();
  private machineBefore = 0;
  private t0 = 0;

  constructor(private readonly pids: () => Map<string, number>) {}

  start(): void {
    this.before = new Map([...this.pids()].map(([n, pid]) => [n, cpuSeconds(pid)]));
    this.machineBefore = machineBusySeconds();
    this.t0 = performance.now();
  }

  stop(): Record<string, number> {
    const wall = (performance.now() - this.t0) / 1000;
    const out: Record<string, number> = {};
    let ours = 0;
    for (const [n, pid] of this.pids()) {
      const used = cpuSeconds(pid) - (this.before.get(n) ?? NaN);
      if (!Number.isFinite(used)) continue;
      out[n] = (100 * used) / wall;
      ours += used;
    }
    const machine = machineBusySeconds() - this.machineBefore;
    if (Number.isFinite(machine)) out.other = Math.max(0, (100 * (machine - ours)) / wall);
    return out;
  }
}
