// How the list and the session store reach Redis: one server (`url`), a Redis
// Cluster (`cluster.rootNodes`), or a node-redis client of yours (`client`,
// standalone or cluster), over TLS with your CA when the URLs are rediss://.
//
// Both callers speak to Redis through one small interface (RedisClientLike:
// `sendCommand(args)`, isReady, connect, destroy, …). A cluster client routes a
// command by its first key (`sendCommand(firstKey, isReadonly, args)`), so it is
// wrapped in an adapter that finds the key in the args: for EVAL the first of
// KEYS. Every script of this package touches keys of one hash tag (one slot).
//
// Pub/sub on a cluster: classic PUBLISH (the revocation write script and the
// heartbeats) reaches every node of the cluster, replicas included, so the
// subscriber is a plain connection to any one node (ClusterSubscriber). When
// that node fails (a primary killed, before or after its failover) the
// subscriber reports the loss ('reconnecting'), connects to another node it
// knows (the cluster's current topology, then the root nodes), subscribes again
// and only then reports 'ready', exactly the events of a standalone client that
// the revocation list reloads on.
import { EventEmitter } from "node:events";
import { OptionsError } from "@cognito-bearer/core";
import { createClient, createCluster } from "redis";
import { assertRedisUrl } from "./redis-url.js";
import type { RedisClientLike } from "./revocation-list.js";

/** TLS for rediss:// URLs: the CA (PEM) that signed the servers' certificates, when it is not a public one. */
export interface RedisTlsOptions {
  ca?: string | Buffer | ReadonlyArray<string | Buffer> | undefined;
  /** The name the certificate must hold, when it differs from the host connected to. */
  servername?: string | undefined;
}

/** A Redis Cluster: the nodes to discover it from (any of them; a few, so that one down does not matter). */
export interface RedisClusterConnectionOptions {
  rootNodes: ReadonlyArray<{ url: string }>;
}

/** What a node-redis cluster client (createCluster() of the redis package) offers that this package uses. */
export interface RedisClusterClientLike {
  readonly isOpen: boolean;
  readonly isReady: boolean;
  connect(): Promise<unknown>;
  sendCommand(firstKey: string | undefined, isReadonly: boolean | undefined, args: string[]): Promise<unknown>;
  on(event: string, listener: (...args: any[]) => void): unknown;
  off(event: string, listener: (...args: any[]) => void): unknown;
  destroy(): void;
  readonly masters?: ReadonlyArray<{ host: string; port: number }>;
  readonly replicas?: ReadonlyArray<{ host: string; port: number }>;
  readonly _options?: { rootNodes?: ReadonlyArray<Record<string, any>>; defaults?: Record<string, any> };
}

/** The connection options shared by createRedisRevocationList() and createRedisSessionStore(). */
export interface RedisConnectionOptions {
  /** `redis://…` or `rediss://…` URL of one Redis server. */
  url?: string | undefined;
  /** Or a Redis Cluster (the package creates, and closes, a node-redis cluster client). */
  cluster?: RedisClusterConnectionOptions | undefined;
  /** Or your node-redis client: createClient() or createCluster(); left open by close(). */
  client?: RedisClientLike | RedisClusterClientLike | undefined;
  /** For rediss:// URLs (url or the cluster's nodes): the CA to trust. */
  tls?: RedisTlsOptions | undefined;
}

export const CONNECTION_KEYS = ["url", "cluster", "client", "tls"];

/** Throws an OptionsError (never quoting a URL) unless exactly one of url, cluster and client is given, and well formed. */
export function assertConnectionOptions(options: RedisConnectionOptions, caller: string): void {
  const { url, cluster, client, tls } = options;
  const given = [url, cluster, client].filter((value) => value !== undefined).length;
  if (given !== 1) throw new OptionsError(`${caller} needs one of url, cluster or client`);
  if (url !== undefined) assertRedisUrl(url);
  if (cluster !== undefined) {
    const roots = (cluster as Partial<RedisClusterConnectionOptions> | null)?.rootNodes;
    if (!Array.isArray(roots) || roots.length === 0) throw new OptionsError("cluster.rootNodes must be a non-empty array of { url }");
    for (const root of roots) assertRedisUrl((root as { url?: unknown } | null)?.url);
    const schemes = new Set(roots.map((root) => root.url.slice(0, root.url.indexOf(":")).toLowerCase()));
    if (schemes.size > 1) throw new OptionsError("cluster.rootNodes must all be redis:// or all rediss:// URLs");
  }
  if (client !== undefined && typeof (client as { sendCommand?: unknown } | null)?.sendCommand !== "function") {
    throw new OptionsError("client must be a node-redis client (createClient() or createCluster() of the redis package)");
  }
  if (client !== undefined && !isCluster(client) && typeof (client as RedisClientLike).duplicate !== "function") {
    throw new OptionsError("client must be a node-redis client (createClient() or createCluster() of the redis package)");
  }
  if (tls !== undefined) {
    if (tls === null || typeof tls !== "object") throw new OptionsError("tls must be an object ({ ca })");
    const urls = url !== undefined ? [url] : (cluster?.rootNodes.map((root) => root.url) ?? []);
    if (client !== undefined) throw new OptionsError("tls applies to url or cluster; configure TLS on your own client");
    if (urls.some((u) => !/^rediss:/i.test(u))) throw new OptionsError("tls needs rediss:// URLs");
    const ca = tls.ca;
    const pem = (value: unknown) => typeof value === "string" || Buffer.isBuffer(value);
    if (ca !== undefined && !pem(ca) && !(Array.isArray(ca) && ca.every(pem))) throw new OptionsError("tls.ca must be a PEM string or Buffer (or an array of them)");
    if (tls.servername !== undefined && typeof tls.servername !== "string") throw new OptionsError("tls.servername must be a string");
  }
}

/** A node-redis cluster client (it routes by key: sendCommand takes the first key first)? */
export function isCluster(client: unknown): client is RedisClusterClientLike {
  const value = client as { masters?: unknown; slots?: unknown; duplicate?: unknown; nodeClient?: unknown } | null;
  return value !== null && typeof value === "object" && typeof value.nodeClient === "function" && "masters" in value;
}

export interface Connection {
  /** Where commands go: the client given, or one this package created. */
  commands: RedisClientLike;
  /** A new connection for subscribing (the caller closes it). */
  subscriber(): RedisClientLike;
}

export interface ConnectionSettings {
  timeoutMs: number;
  /** Our own connections rejecting at once while disconnected; the session store and the list both want it. */
  reconnectStrategy: (retries: number) => number;
}

/** Opens (lazily: nothing connects before connect()) what the options describe. */
export function openConnection(options: RedisConnectionOptions, settings: ConnectionSettings): Connection {
  const socketTls = tlsSocketOptions(options.tls);
  const socket = { connectTimeout: settings.timeoutMs, reconnectStrategy: settings.reconnectStrategy, ...socketTls };
  if (options.url !== undefined) {
    const commands = createClient({ url: options.url, disableOfflineQueue: true, socket }) as unknown as RedisClientLike;
    return { commands, subscriber: () => commands.duplicate() };
  }
  if (options.cluster !== undefined) {
    const roots = options.cluster.rootNodes.map((root) => root.url);
    const first = new URL(roots[0]);
    const credentials = {
      ...(first.username ? { username: decodeURIComponent(first.username) } : {}),
      ...(first.password ? { password: decodeURIComponent(first.password) } : {}),
    };
    const tls = /^rediss:/i.test(roots[0]) ? { tls: true as const, ...socketTls } : {};
    // node-redis waits out a node's reconnection delay even after destroy(): keep it short (a dead node is replaced by discovery).
    const nodeSocket = { ...socket, reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 500) };
    const cluster = createCluster({
      rootNodes: roots.map((url) => ({ url })),
      defaults: { ...credentials, disableOfflineQueue: true, socket: { ...nodeSocket, ...tls } },
    }) as unknown as RedisClusterClientLike;
    return clusterConnection(cluster, { ...credentials, socket: { ...nodeSocket, ...tls } }, settings);
  }
  const client = options.client!;
  if (isCluster(client)) {
    const defaults = client._options?.defaults ?? {};
    return clusterConnection(client, { ...defaults, socket: { ...defaults.socket, connectTimeout: settings.timeoutMs } }, settings);
  }
  return { commands: client, subscriber: () => client.duplicate() };
}

function tlsSocketOptions(tls: RedisTlsOptions | undefined): Record<string, unknown> {
  if (tls === undefined) return {};
  return { tls: true, ...(tls.ca !== undefined ? { ca: tls.ca } : {}), ...(tls.servername !== undefined ? { servername: tls.servername } : {}) };
}

function clusterConnection(cluster: RedisClusterClientLike, nodeOptions: Record<string, any>, settings: ConnectionSettings): Connection {
  const commands = clusterCommands(cluster);
  const nodes = (): { host: string; port: number }[] => {
    const known = [...(cluster.masters ?? []), ...(cluster.replicas ?? [])].map(({ host, port }) => ({ host, port }));
    for (const root of cluster._options?.rootNodes ?? []) {
      if (typeof root.url === "string") {
        const parsed = new URL(root.url);
        known.push({ host: parsed.hostname.replace(/^\[|\]$/g, ""), port: Number(parsed.port || 6379) });
      } else if (root.socket?.host !== undefined) known.push({ host: root.socket.host, port: root.socket.port ?? 6379 });
    }
    return known;
  };
  return { commands, subscriber: () => new ClusterSubscriber(nodes, nodeOptions, settings.timeoutMs) as unknown as RedisClientLike };
}

/**
 * The cluster client behind the standalone interface: each command routed by its first key. Unlike a standalone
 * client, a cluster client whose first discovery fails (no root node answers) gives up; connect() here tries
 * again, with back-off, until it succeeds or the client is destroyed, reporting each failure as 'error'.
 */
function clusterCommands(cluster: RedisClusterClientLike): RedisClientLike {
  let destroyed = false;
  let connecting: Promise<unknown> | undefined;
  const connect = async (): Promise<unknown> => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await cluster.connect();
      } catch (err) {
        if (destroyed) throw err;
        cluster.on("error", noop); // the cluster may hold no listener of ours for this one
        (cluster as unknown as EventEmitter).emit("error", err);
        cluster.off("error", noop);
        await new Promise((resolve) => setTimeout(resolve, Math.min(100 * 2 ** attempt, 2000)).unref());
        if (destroyed) throw err;
      }
    }
  };
  return {
    get isOpen() {
      return cluster.isOpen;
    },
    get isReady() {
      return cluster.isReady;
    },
    connect: () => (connecting ??= connect()),
    sendCommand: (args: string[]) => cluster.sendCommand(firstKey(args), undefined, args),
    on: (event, listener) => cluster.on(event, listener),
    off: (event, listener) => cluster.off(event, listener),
    destroy: () => {
      destroyed = true;
      try {
        cluster.destroy();
      } catch {
        // never connected: nothing to close
      }
    },
    duplicate: () => {
      throw new Error("cognito-bearer: a cluster connection is not duplicated; use subscriber()");
    },
    subscribe: () => Promise.reject(new Error("cognito-bearer: subscribe on a cluster goes through subscriber()")),
  };
}

/** The key a command is routed by: the first of KEYS for EVAL/EVALSHA, none for key-less commands, else the first argument. */
export function firstKey(args: readonly string[]): string | undefined {
  const name = args[0]?.toUpperCase();
  if (name === "EVAL" || name === "EVALSHA" || name === "FCALL") return Number(args[2]) > 0 ? args[3] : undefined;
  if (name === "CONFIG" || name === "PING" || name === "INFO" || name === "CLUSTER") return undefined;
  return args[1];
}

/**
 * A subscription on any one node of a cluster that moves to another node when its node fails. Emits what the
 * revocation list listens to on a standalone subscriber: 'reconnecting' when the connection is lost, 'ready'
 * once connected again and subscribed again, 'error' for failures.
 */
class ClusterSubscriber extends EventEmitter {
  #client: SubscriberClient | undefined;
  readonly #listeners = new Map<string, (message: string) => void>();
  #open = false;
  #ready = false;
  /** Which known node to try next: a random start spreads the instances over the nodes. */
  #attempt = Math.floor(Math.random() * 1024);
  /** Failed connection attempts in a row (the back-off). */
  #failures = 0;
  #generation = 0;
  #timer: NodeJS.Timeout | undefined;
  #connected: Promise<void> | undefined;

  constructor(
    private readonly nodes: () => { host: string; port: number }[],
    private readonly nodeOptions: Record<string, any>,
    private readonly timeoutMs: number,
  ) {
    super();
  }

  get isOpen(): boolean {
    return this.#open;
  }
  get isReady(): boolean {
    return this.#ready;
  }

  /** Resolves once connected to some node (trying every known node in turn, with back-off, until destroy()). */
  connect(): Promise<void> {
    if (this.#open) return this.#connected ?? Promise.resolve();
    this.#open = true;
    this.#connected = new Promise<void>((resolve) => this.#attach(resolve));
    return this.#connected;
  }

  async subscribe(channel: string, listener: (message: string) => void): Promise<void> {
    this.#listeners.set(channel, listener);
    const client = this.#client;
    // Not connected now: the next connection subscribes before it reports 'ready'.
    if (client === undefined || !this.#ready) return;
    await client.subscribe(channel, listener);
  }

  sendCommand(): Promise<unknown> {
    return Promise.reject(new Error("cognito-bearer: the cluster subscriber sends no commands"));
  }
  duplicate(): never {
    throw new Error("cognito-bearer: the cluster subscriber is not duplicated");
  }

  destroy(): void {
    this.#open = false;
    this.#ready = false;
    this.#generation++;
    clearTimeout(this.#timer);
    const client = this.#client;
    this.#client = undefined;
    try {
      client?.destroy();
    } catch {
      // never connected
    }
  }

  #attach(onConnected?: () => void): void {
    if (!this.#open) return;
    const generation = ++this.#generation;
    const nodes = unique(this.nodes());
    const node = nodes[this.#attempt % Math.max(1, nodes.length)];
    this.#attempt++;
    const retry = () => {
      if (generation !== this.#generation || !this.#open) return;
      this.#failures++;
      // Every known node once at once, then with back-off.
      const pause = this.#failures < nodes.length ? 0 : Math.min(50 * 2 ** Math.min(this.#failures - nodes.length, 5), 1000);
      this.#timer = setTimeout(() => this.#attach(onConnected), pause);
      this.#timer.unref();
    };
    if (node === undefined) return retry();
    const client = createClient({
      ...this.nodeOptions,
      disableOfflineQueue: true,
      socket: { ...this.nodeOptions.socket, host: node.host, port: node.port, connectTimeout: this.timeoutMs, reconnectStrategy: false },
    }) as unknown as SubscriberClient;
    this.#client = client;
    let lost = false;
    const onLost = () => {
      if (lost || generation !== this.#generation) return;
      lost = true;
      const wasReady = this.#ready;
      this.#ready = false;
      try {
        client.destroy();
      } catch {
        // already closed
      }
      if (wasReady) this.emit("reconnecting");
      retry();
    };
    client.on("error", (err: unknown) => {
      if (generation === this.#generation) this.emit("error", err);
      onLost();
    });
    client.on("end", onLost);
    void (async () => {
      try {
        await client.connect();
        for (const [channel, listener] of this.#listeners) await client.subscribe(channel, listener);
      } catch {
        return onLost();
      }
      if (lost || generation !== this.#generation) return;
      this.#failures = 0;
      this.#ready = true;
      onConnected?.();
      onConnected = undefined;
      this.emit("ready");
    })();
  }
}

/** The standalone node-redis client the subscriber uses. */
interface SubscriberClient {
  connect(): Promise<unknown>;
  subscribe(channel: string, listener: (message: string) => void): Promise<void>;
  on(event: string, listener: (...args: any[]) => void): unknown;
  destroy(): void;
}

function noop(): void {}

function unique(nodes: { host: string; port: number }[]): { host: string; port: number }[] {
  const seen = new Set<string>();
  return nodes.filter((node) => {
    const key = `${node.host}:${node.port}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
