/*
 * Parent side of the load generator: forks bench/loadWorker.ts (its own process, so the load
 * never shares an event loop with what it measures), sends it jobs, and checks a sample of the
 * requests itself before a timed run, so a scenario whose answers are errors fails loudly instead
 * of measuring error handling.
 */
import path from 'node:path';
import { forkReady, stopProc, type Proc } from './procs';
import { bodyIsSuccess, type LoadJob, type LoadRequest, type LoadResult } from './loadWorker';

export class LoadGenerator {
  private proc: Proc | null = null;
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (r: LoadResult) => void; reject: (e: Error) => void }>();

  get pid(): number | null {
    return this.proc?.pid ?? null;
  }

  async start(): Promise<void> {
    this.proc = await forkReady('load generator', path.join(__dirname, 'loadWorker.js'), {});
    this.proc.child.on('message', (msg: { cmd: string; result?: LoadResult; id?: number; message?: string }) => {
      const id = msg.result?.id ?? msg.id ?? 0;
      const w = this.waiting.get(id);
      if (!w) return;
      this.waiting.delete(id);
      if (msg.cmd === 'result' && msg.result) w.resolve(msg.result);
      else w.reject(new Error(`load generator: ${msg.message ?? 'failed'}`));
    });
    this.proc.child.on('exit', (code) => {
      for (const w of this.waiting.values()) w.reject(new Error(`load generator exited (${code})`));
      this.waiting.clear();
    });
  }

  run(job: Omit<LoadJob, 'id'>): Promise<LoadResult> {
    const proc = this.proc;
    if (!proc) return Promise.reject(new Error('load generator not started'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      proc.child.send({ ...job, id });
    });
  }

  async stop(): Promise<void> {
    if (this.proc) await stopProc(this.proc, 2000);
  }
}

/**
 * Sends each distinct request once (undici via global fetch) and throws unless every answer is
 * HTTP 2xx with a successful GraphQL body. The message names the status and error codes only.
 */
export async function verifySample(url: string, requests: LoadRequest[]): Promise<void> {
  for (const q of requests.slice(0, 8)) {
    const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...q.headers }, body: q.body });
    const text = await r.text();
    if (r.status >= 200 && r.status < 300 && bodyIsSuccess(text)) continue;
    let codes = '';
    try {
      const j = JSON.parse(text) as { errors?: { extensions?: { code?: string } }[] };
      codes = (j.errors ?? []).map((e) => e.extensions?.code ?? '?').join(',');
      if (!codes && text.includes('"error":{')) codes = [...text.matchAll(/"error":\{"code":"([A-Z_]+)"/g)].map((m) => m[1]).slice(0, 5).join(',');
    } catch {
      codes = 'not JSON';
    }
    throw new Error(`sample request failed: HTTP ${r.status}, errors [${codes}]`);
  }
}
