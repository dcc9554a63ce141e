// A Redis command that hangs (a paused or partitioned server) must not hang a
// request or a revoke: it rejects after a deadline instead.

/** The deadline passed: its own class so that telemetry can name it (`error.type: "timeout"`) without reading the message. */
export class RedisTimeoutError extends Error {}

export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RedisTimeoutError(`no answer from Redis within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
