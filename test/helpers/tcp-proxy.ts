import { createConnection, createServer, type Socket } from "node:net";

export interface TcpProxy {
  host: string;
  port: number;
  /**
   * Makes every open connection go silent, as a NAT box or a 4G link that drops state does:
   * nothing is forwarded any more and nothing is closed. New connections still work.
   */
  freezeOpenConnections(): void;
  close(): Promise<void>;
}

/** A TCP forwarder to target, for tests that need a connection to die without a word. */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const pairs = new Set<{ client: Socket; upstream: Socket; frozen: boolean }>();
  const server = createServer((client) => {
    const upstream = createConnection(target);
    const pair = { client, upstream, frozen: false };
    pairs.add(pair);
    const forward = (from: Socket, to: Socket) =>
      from.on("data", (data) => {
        if (!pair.frozen) to.write(data);
      });
    forward(client, upstream);
    forward(upstream, client);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    // The watcher's side closing always ends the pair; the server's side closing is passed on
    // only while the connection is not frozen (a frozen one tells the watcher nothing).
    client.on("error", end).on("close", end);
    upstream
      .on("error", () => {
        if (!pair.frozen) end();
      })
      .on("close", () => {
        if (!pair.frozen) end();
      });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    host: "127.0.0.1",
    port,
    freezeOpenConnections: () => {
      for (const pair of pairs) pair.frozen = true;
    },
    close: async () => {
      for (const { client, upstream } of pairs) {
        client.destroy();
        upstream.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
