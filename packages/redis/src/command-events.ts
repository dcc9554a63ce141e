// The `onCommand` hook of the revocation list and the session store: after
// each Redis command (a script call counts as one), what it was, how long it
// took and whether it failed, for telemetry (@cognito-bearer/otel turns these
// into CLIENT spans). Never a key (session keys are hashes of session ids, and
// still name a session), an argument, a reply or a credential: an event is
// built from a fixed set of names, the server's host and port, and a class of
// failure, never an error's message.
//
// Without a hook the runner is the bare timeout, chosen once: the commands pay
// nothing for the feature (not even a clock read).
import type { RedisConnectionOptions } from "./connection.js";
import { RedisTimeoutError, withTimeout } from "./timeout.js";

export interface RedisCommandEvent {
  /** The Redis command sent: EVAL (a script), HMGET, SET, DEL, ZSCAN, CONFIG. */
  command: string;
  /**
   * What it was for, one of a fixed set: session.get, session.create, session.replace, session.touch,
   * session.delete, session.lock, session.renew, session.release; revocation.write, revocation.write_batch,
   * revocation.position, revocation.load, revocation.read, revocation.heartbeat, revocation.eviction_policy.
   */
  operation: string;
  /** From sending the command to its answer or failure (the deadline included). */
  durationMs: number;
  /**
   * undefined when Redis answered; otherwise a class of failure: "timeout" (no answer within
   * `commandTimeoutMs`), "unreachable" (not connected), Redis's error code (e.g. "ERR", "NOSCRIPT",
   * "NOPERM"), or the error's class name (e.g. "SocketClosedUnexpectedlyError").
   */
  error: string | undefined;
  /** The server of `url` (its host and port, never its credentials); undefined for a cluster or a client of yours we cannot read. */
  server: RedisServer | undefined;
}

export interface RedisServer {
  address: string;
  port: number;
}

/** Runs one command within the deadline (and, with a hook, reports it). */
export type CommandRunner = <T>(command: string, operation: string, call: () => Promise<T>) => Promise<T>;

/** The error a command not sent because Redis is not connected rejects with (the session store's). */
export class RedisUnreachableError extends Error {}

export function commandRunner(timeoutMs: number, onCommand: ((event: RedisCommandEvent) => void) | undefined, server: RedisServer | undefined): CommandRunner {
  if (onCommand === undefined) return (_command, _operation, call) => withTimeout(call(), timeoutMs);
  return async (command, operation, call) => {
    const started = performance.now();
    let error: string | undefined;
    try {
      return await withTimeout(call(), timeoutMs);
    } catch (err) {
      error = errorTypeOf(err);
      throw err;
    } finally {
      try {
        onCommand({ command, operation, durationMs: performance.now() - started, error, server });
      } catch {
        // The hook is the user's telemetry: its failure is not the command's.
      }
    }
  };
}

/** A low-cardinality class of a command's failure; never its message (it may quote a script or a key). */
export function errorTypeOf(err: unknown): string {
  if (err instanceof RedisTimeoutError) return "timeout";
  if (err instanceof RedisUnreachableError) return "unreachable";
  if (!(err instanceof Error)) return "unknown";
  // node-redis's ErrorReply and its subclasses: Redis's own error code leads the message ("ERR …", "NOSCRIPT …").
  const code = /^([A-Z][A-Z_]{1,31})(?:\s|$)/.exec(err.message)?.[1];
  if (code !== undefined && /ErrorReply|SimpleError|BlobError/.test(err.constructor.name)) return code;
  const name = err.constructor.name;
  return name !== "" && name !== "Error" ? name : err.name || "Error";
}

/** The one server the options name (host and port only), or undefined: a cluster has many; a client of yours, if it says. */
export function serverOf(options: RedisConnectionOptions): RedisServer | undefined {
  if (options.url !== undefined) return parse(options.url);
  const given = options.client as { options?: { url?: unknown; socket?: { host?: unknown; port?: unknown } } } | undefined;
  const clientOptions = given?.options;
  if (typeof clientOptions?.url === "string") return parse(clientOptions.url);
  const socket = clientOptions?.socket;
  if (typeof socket?.host === "string") return { address: socket.host, port: typeof socket.port === "number" ? socket.port : 6379 };
  return undefined;
}

function parse(url: string): RedisServer | undefined {
  try {
    const parsed = new URL(url);
    return { address: parsed.hostname.replace(/^\[|\]$/g, ""), port: Number(parsed.port || 6379) };
  } catch {
    return undefined;
  }
}
