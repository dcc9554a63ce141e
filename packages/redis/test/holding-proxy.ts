// A TCP relay in front of a real redis-server that can hold back Redis's
// answers on one connection: a network that delays, not a fake Redis. Every
// byte reaches the server as sent, and the server runs every command at once;
// only the replies on the held connection wait in the relay until `release()`.
// That makes "Redis has read the list, but the client has not got the answer
// yet" a state a test can stand in for as long as it needs.
import { createServer, connect, type Socket } from "node:net";

export interface HoldingProxy {
  /** `redis://127.0.0.1:<port>` of the relay. */
  readonly url: string;
  /** The next connection whose client sends `command` has Redis's replies held from then on (the reply to that command included). */
  holdRepliesAfter(command: string): void;
  /** Resolves once the held replies contain `text` (so the command that produced it has run on the server). */
  heldContains(text: string, timeoutMs?: number): Promise<void>;
  /** Delivers the held replies and stops holding. */
  release(): void;
  close(): Promise<void>;
}

interface Pair {
  client: Socket;
  server: Socket;
  held: Buffer[] | undefined;
}

export async function startHoldingProxy(redisPort: number): Promise<HoldingProxy> {
  const pairs = new Set<Pair>();
  let armed: string | undefined;
  let holding: Pair | undefined;
  const waiters = new Set<() => void>();

  const relay = createServer((client) => {
    const server = connect(redisPort, "127.0.0.1");
    const pair: Pair = { client, server, held: undefined };
    pairs.add(pair);
    const drop = () => {
      pairs.delete(pair);
      client.destroy();
      server.destroy();
    };
    client.on("error", drop).on("close", drop);
    server.on("error", drop).on("close", drop);
    client.on("data", (chunk: Buffer) => {
      if (armed !== undefined && chunk.includes(armed)) {
        armed = undefined;
        pair.held = [];
        holding = pair;
      }
      server.write(chunk);
    });
    server.on("data", (chunk: Buffer) => {
      if (pair.held === undefined) {
        client.write(chunk);
        return;
      }
      pair.held.push(chunk);
      for (const waiter of waiters) waiter();
    });
  });
  await new Promise<void>((resolve) => relay.listen(0, "127.0.0.1", resolve));
  const { port } = relay.address() as { port: number };

  const release = () => {
    const pair = holding;
    holding = undefined;
    armed = undefined;
    if (pair?.held === undefined) return;
    const chunks = pair.held;
    pair.held = undefined;
    for (const chunk of chunks) pair.client.write(chunk);
  };

  return {
    url: `redis://127.0.0.1:${port}`,
    holdRepliesAfter(command) {
      armed = command;
    },
    heldContains(text, timeoutMs = 5000) {
      const found = () => holding?.held !== undefined && Buffer.concat(holding.held).includes(text);
      if (found()) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const waiter = () => {
          if (!found()) return;
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`the held replies did not contain ${JSON.stringify(text)} within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
    release,
    async close() {
      release();
      for (const pair of pairs) {
        pair.client.destroy();
        pair.server.destroy();
      }
      pairs.clear();
      await new Promise<void>((resolve) => relay.close(() => resolve()));
    },
  };
}
