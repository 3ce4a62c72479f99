import net from 'node:net';

export interface BlackHole {
  port: number;
  /** A GraphQL endpoint URL on it (what a gateway would be configured with). */
  url: string;
  /** Drops the held connections and closes the port. */
  stop(): Promise<void>;
}

/** A peer that accepts connections and never answers (a hung service), on `port` (0: a free one). */
export async function startBlackHole(port = 0): Promise<BlackHole> {
  const held = new Set<net.Socket>();
  const server = net.createServer((sock) => {
    held.add(sock);
    sock.on('error', () => undefined);
    sock.on('close', () => held.delete(sock));
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
  const bound = (server.address() as net.AddressInfo).port;
  return {
    port: bound,
    url: `http://127.0.0.1:${bound}/graphql`,
    async stop() {
      for (const s of held) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}
