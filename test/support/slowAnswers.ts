import http from 'node:http';

/**
 * An HTTP proxy in front of a real subgraph that forwards every request at once but holds back
 * the answer to a POST for `delayMs`: the subgraph does (and commits) the work in time, its caller
 * hears of it too late. GETs (health checks) pass straight through.
 */
export class SlowAnswers {
  delayMs = 0;
  /** How many more POST answers are held back (then they pass at once again). */
  remaining = Infinity;
  /** POSTs the proxy has received. */
  received = 0;
  /** POSTs the backend has answered (whether or not the answer reached the caller yet). */
  answered = 0;
  private server: http.Server | null = null;
  private readonly waiters: { n: number; what: 'received' | 'answered'; resolve: () => void }[] = [];

  constructor(private readonly target: { host: string; port: number }) {}

  async start(port = 0): Promise<this> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (req.method === 'POST') this.note('received');
        const hold = req.method === 'POST' && this.remaining > 0 ? this.delayMs : 0;
        if (hold > 0) this.remaining--;
        const out = http.request({ host: this.target.host, port: this.target.port, path: req.url, method: req.method, headers: req.headers }, (r) => {
          const body: Buffer[] = [];
          r.on('data', (c: Buffer) => body.push(c));
          r.on('end', () => {
            if (req.method === 'POST') this.note('answered');
            setTimeout(() => {
              if (res.destroyed) return;
              res.writeHead(r.statusCode ?? 502, r.headers);
              res.end(Buffer.concat(body));
            }, hold);
          });
        });
        out.on('error', () => res.destroy());
        out.end(Buffer.concat(chunks));
      });
      req.on('error', () => undefined);
      res.on('error', () => undefined);
    });
    await new Promise<void>((r) => this.server!.listen(port, '127.0.0.1', () => r()));
    return this;
  }

  /** Resolves once the backend has answered `n` POSTs in all. */
  answeredAtLeast(n: number): Promise<void> {
    return this.atLeast('answered', n);
  }

  /** Resolves once the proxy has received `n` POSTs in all. */
  receivedAtLeast(n: number): Promise<void> {
    return this.atLeast('received', n);
  }

  private atLeast(what: 'received' | 'answered', n: number): Promise<void> {
    if (this[what] >= n) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ n, what, resolve }));
  }

  private note(what: 'received' | 'answered'): void {
    this[what]++;
    for (const w of this.waiters.splice(0)) {
      if (this[w.what] >= w.n) w.resolve();
      else this.waiters.push(w);
    }
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (!s) return;
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
}
