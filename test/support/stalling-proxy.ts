// A TCP relay in front of a real redis-server that can stall: while stalled,
// no byte passes in either direction on the connections chosen, and nothing is
// closed (no RST, no FIN): a network that hangs, as a partition or a frozen
// peer does, rather than one that fails. New connections made meanwhile are
// accepted and held too. resume() delivers what was held, in order, and the
// connections carry on as if nothing happened.
import { connect, createServer, type Socket } from "node:net";

export interface StallingProxy {
  readonly port: number;
  /** `redis://127.0.0.1:<port>` of the relay. */
  readonly url: string;
  /**
   * From now on, hold every byte of every connection (new ones included), or only of the connections whose
   * client has sent `sent` (e.g. "SUBSCRIBE": a subscriber's connection). Resolves to how many are stalled.
   */
  stall(options?: { sent?: string }): number;
  /** Deliver what was held, in order, and stop stalling. */
  resume(): void;
  close(): Promise<void>;
}

interface Pair {
  client: Socket;
  server: Socket;
  /** The start of what the client sent (enough to recognise a subscriber). */
  sent: string;
  /** Held bytes, each to its destination; undefined while flowing. */
  held: { toServer: Buffer[]; toClient: Buffer[] } | undefined;
}

const REMEMBERED = 64 * 1024;

export async function startStallingProxy(redisPort: number): Promise<StallingProxy> {
  const pairs = new Set<Pair>();
  /** Every connection stalls, new ones too. */
  let stallAll = false;

  const relay = createServer((client) => {
    const server = connect(redisPort, "127.0.0.1");
    const pair: Pair = { client, server, sent: "", held: stallAll ? { toServer: [], toClient: [] } : undefined };
    pairs.add(pair);
    const drop = () => {
      pairs.delete(pair);
      client.destroy();
      server.destroy();
    };
    client.on("error", drop).on("close", drop);
    server.on("error", drop).on("close", drop);
    client.on("data", (chunk: Buffer) => {
      if (pair.sent.length < REMEMBERED) pair.sent += chunk.toString("latin1").slice(0, REMEMBERED - pair.sent.length);
      if (pair.held !== undefined) pair.held.toServer.push(chunk);
      else server.write(chunk);
    });
    server.on("data", (chunk: Buffer) => {
      if (pair.held !== undefined) pair.held.toClient.push(chunk);
      else client.write(chunk);
    });
  });
  await new Promise<void>((resolve) => relay.listen(0, "127.0.0.1", resolve));
  const { port } = relay.address() as { port: number };

  const resume = () => {
    stallAll = false;
    for (const pair of pairs) {
      const held = pair.held;
      pair.held = undefined;
      if (held === undefined) continue;
      for (const chunk of held.toServer) pair.server.write(chunk);
      for (const chunk of held.toClient) pair.client.write(chunk);
    }
  };

  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    stall(options = {}) {
      if (options.sent === undefined) stallAll = true;
      let count = 0;
      for (const pair of pairs) {
        if (options.sent !== undefined && !pair.sent.toUpperCase().includes(options.sent.toUpperCase())) continue;
        pair.held ??= { toServer: [], toClient: [] };
        count++;
      }
      return count;
    },
    resume,
    async close() {
      resume();
      for (const pair of pairs) {
        pair.client.destroy();
        pair.server.destroy();
      }
      pairs.clear();
      await new Promise<void>((resolve) => relay.close(() => resolve()));
    },
  };
}
