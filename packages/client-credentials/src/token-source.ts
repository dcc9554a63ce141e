// createClientCredentials: a machine-to-machine access token for as many calls
// as its lifetime allows. Cognito bills every client_credentials request, so
// the source asks only when it must:
//   - the token is kept in memory and used until its refresh window (the last
//     max(60 s, 10%) of its lifetime, at most half of it);
//   - in that window the current token is still handed out while one refresh
//     runs in the background; a failed refresh keeps the old token until it expires;
//   - concurrent callers share one request (single flight);
//   - with sharedCache, instances share the token through Redis (shared-cache.ts);
//   - transient failures are retried with back-off (retry.ts); once every retry
//     is spent with no valid token, callers get the error (never an empty token),
//     and for failureCooldownMs no new request is made.
import { ClientCredentialsError } from "./errors.js";
import { resolveOptions, type ClientCredentialsOptions } from "./options.js";
import { withRetries } from "./retry.js";
import { SharedTokenCache } from "./shared-cache.js";
import { basicAuthorization, requestToken, type Token } from "./token-request.js";

export interface ClientCredentialsStats {
  /** Requests this source made to the token endpoint (retries included): what Cognito bills. */
  tokenRequests: number;
  /** Tokens taken from the shared cache instead of the endpoint. */
  sharedCacheHits: number;
}

export interface ClientCredentialsSource {
  /** A valid access token: cached, or fetched once for all concurrent callers. Rejects with ClientCredentialsError, never resolves without a token. */
  getToken(): Promise<string>;
  /**
   * A token other than `rejected` (one an API answered 401 `invalid_token` to):
   * a new one is fetched unless another caller already replaced it.
   */
  refresh(rejected?: string): Promise<string>;
  /** The client id (not secret) and the token endpoint, for logs. */
  readonly clientId: string;
  readonly tokenEndpoint: string;
  readonly stats: Readonly<ClientCredentialsStats>;
  /** Stops pending back-off waits (their callers reject); the source refuses further calls. Leaves the Redis client open. */
  close(): void;
}

/** How close to expiry a token is still sent: less than this and the API may see it expired. */
const EXPIRY_MARGIN_MS = 5_000;
const SHARED_POLL_MS = 50;

export function createClientCredentials(options: ClientCredentialsOptions): ClientCredentialsSource {
  const resolved = resolveOptions(options);
  const { clientId, tokenEndpoint, failureCooldownMs } = resolved;
  const authorization = basicAuthorization(clientId, resolved.clientSecret);
  const shared = resolved.sharedCache && new SharedTokenCache(resolved.sharedCache, resolved, resolved.clientSecret);
  const stats: ClientCredentialsStats = { tokenRequests: 0, sharedCacheHits: 0 };

  let current: Token | undefined;
  let inflight: Promise<Token> | undefined;
  let rejectedToken: string | undefined;
  let lastError: ClientCredentialsError | undefined;
  let failedUntil = 0;
  let closed = false;
  const pendingSleeps = new Set<() => void>();

  const closedError = () => new ClientCredentialsError("temporarily_unavailable", "cognito-bearer: the client-credentials source was closed", undefined, 0);

  const sleep = (ms: number) =>
    new Promise<void>((resolve, reject) => {
      if (closed) return reject(closedError());
      const cancel = () => {
        clearTimeout(timer);
        reject(closedError());
      };
      const timer = setTimeout(() => {
        pendingSleeps.delete(cancel);
        resolve();
      }, ms);
      pendingSleeps.add(cancel);
    });

  const lifetime = (token: Token) => token.expiresAt - token.issuedAt;
  const refreshWindowMs = (token: Token) => {
    const wanted = resolved.refreshBeforeExpirySeconds !== undefined ? resolved.refreshBeforeExpirySeconds * 1000 : Math.max(60_000, lifetime(token) * 0.1);
    return Math.min(wanted, lifetime(token) / 2);
  };
  const isFresh = (token: Token, now = Date.now()) => token.accessToken !== rejectedToken && now < token.expiresAt - refreshWindowMs(token);
  const isUsable = (token: Token, now = Date.now()) =>
    token.accessToken !== rejectedToken && now < token.expiresAt - Math.min(EXPIRY_MARGIN_MS, lifetime(token) / 10);

  const fromEndpoint = () =>
    withRetries(
      () => {
        if (closed) throw closedError();
        stats.tokenRequests++;
        return requestToken(resolved, authorization);
      },
      resolved.retry,
      sleep,
    );

  /** The fleet's token: from Redis when another instance has a fresh one, else fetched under the lock by one instance. */
  async function fromSharedCache(cache: SharedTokenCache): Promise<Token> {
    const deadline = Date.now() + resolved.sharedCache!.lockTimeoutMs;
    for (;;) {
      const stored = await cache.read();
      if (stored !== undefined && isFresh(stored)) {
        stats.sharedCacheHits++;
        return stored;
      }
      const lock = await cache.lock();
      if (lock === "unavailable") return fromEndpoint();
      if (lock !== "busy") {
        try {
          // Another instance may have stored a token between our read and our lock.
          const again = await cache.read();
          if (again !== undefined && isFresh(again)) {
            stats.sharedCacheHits++;
            return again;
          }
          const token = await fromEndpoint();
          await cache.write(token);
          return token;
        } finally {
          await lock();
        }
      }
      // Another instance is refreshing: keep using the current token meanwhile, or wait for the new one.
      if (stored !== undefined && isUsable(stored)) {
        stats.sharedCacheHits++;
        return stored;
      }
      // The lock holder may have died: after the lock's lifetime, ask ourselves.
      if (Date.now() >= deadline) return fromEndpoint();
      await sleep(SHARED_POLL_MS + Math.random() * SHARED_POLL_MS);
    }
  }

  function refreshOnce(): Promise<Token> {
    if (inflight !== undefined) return inflight;
    if (Date.now() < failedUntil && lastError !== undefined) return Promise.reject(lastError);
    const attempt = shared === undefined ? fromEndpoint() : fromSharedCache(shared);
    const flight = attempt.then(
      (token) => {
        current = token;
        lastError = undefined;
        return token;
      },
      (err: unknown) => {
        lastError = err instanceof ClientCredentialsError ? err : new ClientCredentialsError("temporarily_unavailable", "cognito-bearer: no token", undefined, 0, { cause: err });
        failedUntil = Date.now() + failureCooldownMs;
        throw lastError;
      },
    );
    inflight = flight.finally(() => {
      inflight = undefined;
    });
    return inflight;
  }

  async function getToken(): Promise<string> {
    if (closed) throw closedError();
    const now = Date.now();
    if (current !== undefined && isFresh(current, now)) return current.accessToken;
    if (current !== undefined && isUsable(current, now)) {
      // Refresh in the background; a failure is kept in lastError and the current token serves until it expires.
      refreshOnce().catch(() => undefined);
      return current.accessToken;
    }
    return (await refreshOnce()).accessToken;
  }

  async function refresh(rejected?: string): Promise<string> {
    if (closed) throw closedError();
    if (rejected !== undefined) {
      if (current !== undefined && current.accessToken !== rejected && isUsable(current)) return current.accessToken;
      rejectedToken = rejected;
      if (current?.accessToken === rejected) current = undefined;
      // A refusal is news, not a repeated failure: it lifts the cool-down.
      failedUntil = 0;
      if (shared !== undefined) await shared.forget(rejected);
    } else {
      current = undefined;
      failedUntil = 0;
    }
    return (await refreshOnce()).accessToken;
  }

  return {
    getToken,
    refresh,
    clientId,
    tokenEndpoint,
    get stats() {
      return { ...stats };
    },
    close() {
      closed = true;
      for (const cancel of pendingSleeps) cancel();
      pendingSleeps.clear();
    },
  };
}
