import net from 'node:net';

/**
 * A TCP proxy that can hold back the answers: while held, bytes from the target are buffered, not
 * passed on, so a test can keep requests in flight for as long as it needs and release them at once.
 */
export class HoldProxy {
  private server: net.Server | null = null;
  private held = true;
  private readonly sockets = new Set<net.Socket>();
  private readonly waiting: { client: net.Socket; chunk: Buffer }[] = [];
  /** HTTP answers that arrived from the target while held (each starts with a status line). */
  heldAnswers = 0;
  /** Connections accepted so far. */
  connections = 0;
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  async start(): Promise<this> {
    this.server = net.createServer((client) => {
      this.connections++;
      const upstream = net.connect(this.target);
      this.sockets.add(client).add(upstream);
      client.pipe(upstream);
      upstream.on('data', (chunk: Buffer) => {
        if (!this.held) return void client.write(chunk);
        this.heldAnswers += chunk.toString('latin1').split('HTTP/1.1 ').length - 1;
        this.waiting.push({ client, chunk });
      });
      const close = () => {
        client.destroy();
        upstream.destroy();
        this.sockets.delete(client);
        this.sockets.delete(upstream);
      };
      client.on('error', close).on('close', close);
      upstream.on('error', close).on('end', () => (this.held ? undefined : client.end()));
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', () => r()));
    this.port = (this.server.address() as net.AddressInfo).port;
    return this;
  }

  /** Passes on everything held and everything that comes after. */
  release(): void {
    this.held = false;
    for (const { client, chunk } of this.waiting.splice(0)) client.write(chunk);
  }

  /** Holds back answers again (from the next byte on). */
  hold(): void {
    this.held = true;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/graphql`;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = null;
    for (const sock of this.sockets) sock.destroy();
    this.sockets.clear();
    if (s) await new Promise<void>((r) => s.close(() => r()));
  }
}
