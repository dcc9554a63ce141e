// @ts-check
// What the examples share: reading the environment, reporting a bad
// configuration in one line, the revocation list, and listening / shutting
// down. The routes themselves live in each example's server.js.
import { createMemoryRevocationList } from "@cognito-bearer/core";
import { mountMetrics } from "./metrics.mjs";

/** Environment variable for each option of the verifier, to name it in errors. */
const ENV_FOR_OPTION = {
  userPoolId: "COGNITO_USER_POOL_ID",
  clientId: "COGNITO_CLIENT_ID",
  issuer: "COGNITO_ISSUER",
  jwksUri: "COGNITO_JWKS_URI",
};

/**
 * Print one line on stderr and exit with status 1.
 * @param {unknown} message
 * @returns {never}
 */
export function fail(message) {
  process.stderr.write(`${String(message).split("\n")[0]}\n`);
  process.exit(1);
}

/** Where a URL's userinfo starts and ends (its last `@`), or undefined without one. */
function userinfoOf(/** @type {string} */ url) {
  const at = url.lastIndexOf("@");
  const from = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.exec(url)?.[0].length ?? 0;
  return at < from ? undefined : { from, at };
}

/**
 * A URL fit for a message: its credentials masked (`redis://***@host:6379/0`),
 * since COGNITO_REDIS_URL may carry Redis's password. Everything from the `//`
 * to the last `@` goes, so a password with an unescaped `@`, `/` or `#` (a URL
 * that does not parse) is hidden too.
 * @param {string} url
 */
export function redactUrl(url) {
  const userinfo = userinfoOf(url);
  return userinfo === undefined ? url : `${url.slice(0, userinfo.from)}***${url.slice(userinfo.at)}`;
}

/**
 * `text` (an error from Redis or its client) with the URL, and its password
 * wherever it appears, masked.
 * @param {string} text
 * @param {string} url
 */
function withoutCredentials(text, url) {
  let masked = text.split(url).join(redactUrl(url));
  const userinfo = userinfoOf(url);
  if (userinfo === undefined) return masked;
  const credentials = url.slice(userinfo.from, userinfo.at);
  const colon = credentials.indexOf(":");
  if (colon === -1) return masked; // a user name alone: nothing secret
  const password = credentials.slice(colon + 1);
  let decoded = password;
  try {
    decoded = decodeURIComponent(password);
  } catch {
    // Not percent-encoded: the raw form is the one to mask.
  }
  for (const secret of [credentials, password, decoded]) if (secret.length >= 3) masked = masked.split(secret).join("***");
  return masked;
}

/**
 * Reads PORT, HOST and the COGNITO_* variables; exits with a one-line message
 * naming the variable when one is missing or invalid.
 * @param {NodeJS.ProcessEnv} [env]
 */
export function configFromEnv(env = process.env) {
  // An empty variable counts as unset, so `COGNITO_ISSUER= pnpm start` works.
  const get = (/** @type {string} */ name) => env[name]?.trim() || undefined;

  const portText = get("PORT") ?? "3000";
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) fail(`PORT must be an integer from 0 to 65535, got "${portText}"`);

  const userPoolId = get("COGNITO_USER_POOL_ID") ?? fail("COGNITO_USER_POOL_ID is required (e.g. eu-west-1_AbCdEf123)");
  const clientIds = (get("COGNITO_CLIENT_ID") ?? "").split(",").map((id) => id.trim()).filter(Boolean);
  if (clientIds.length === 0) fail("COGNITO_CLIENT_ID is required (the app client id, or several separated by commas)");

  const { redisUrl, redisCluster, redisMode, redisMaxStalenessSeconds } = redisFromEnv(env);
  const metricsFlag = get("COGNITO_METRICS") ?? "0";
  if (metricsFlag !== "0" && metricsFlag !== "1") fail(`COGNITO_METRICS must be 1 (Prometheus text at GET /metrics) or 0, got "${metricsFlag}"`);

  return {
    port,
    host: get("HOST") ?? "127.0.0.1",
    /** COGNITO_REDIS_URL: the revocation list in Redis (shared by instances); unset: in memory. */
    redisUrl,
    /** COGNITO_REDIS_CLUSTER=1: COGNITO_REDIS_URL lists nodes of a Redis Cluster. */
    redisCluster,
    /** COGNITO_METRICS=1: withMetrics() (metrics.mjs) turns metrics on, listen() serves GET /metrics. */
    metricsEnabled: metricsFlag === "1",
    /** COGNITO_REDIS_MODE: how the list's mirror is kept current ("subscribe" or "catch-up"); unset: the example's own. */
    redisMode,
    /** COGNITO_REDIS_MAX_STALENESS_SECONDS: the list's maxStalenessSeconds; unset: its default. */
    redisMaxStalenessSeconds,
    /** Options for createVerifier() / cognitoAuth() of @cognito-bearer/*. */
    cognito: { userPoolId, clientId: clientIds, issuer: get("COGNITO_ISSUER"), jwksUri: get("COGNITO_JWKS_URI"), onEvent: logJwksFailure },
  };
}

/**
 * COGNITO_REDIS_URL (one redis:// or rediss:// URL, or with COGNITO_REDIS_CLUSTER=1 several comma-separated
 * node URLs of a Redis Cluster), COGNITO_REDIS_CLUSTER (1 or 0), COGNITO_REDIS_MODE (subscribe or catch-up) and
 * COGNITO_REDIS_MAX_STALENESS_SECONDS (a positive number); exits with one line naming the variable, never
 * showing a password.
 * @param {NodeJS.ProcessEnv} [env]
 * @returns {{ redisUrl: string | undefined, redisCluster: boolean, redisMode: "subscribe" | "catch-up" | undefined, redisMaxStalenessSeconds: number | undefined }}
 */
export function redisFromEnv(env = process.env) {
  const redisUrl = env.COGNITO_REDIS_URL?.trim() || undefined;
  const flag = env.COGNITO_REDIS_CLUSTER?.trim() || "0";
  if (flag !== "0" && flag !== "1") fail(`COGNITO_REDIS_CLUSTER must be 1 (Redis Cluster) or 0, got "${flag}"`);
  const redisCluster = flag === "1";
  const mode = env.COGNITO_REDIS_MODE?.trim() || undefined;
  if (mode !== undefined && mode !== "subscribe" && mode !== "catch-up") fail(`COGNITO_REDIS_MODE must be subscribe or catch-up, got "${mode}"`);
  const redisMode = /** @type {"subscribe" | "catch-up" | undefined} */ (mode);
  const staleness = env.COGNITO_REDIS_MAX_STALENESS_SECONDS?.trim() || undefined;
  const redisMaxStalenessSeconds = staleness === undefined ? undefined : Number(staleness);
  if (redisMaxStalenessSeconds !== undefined && !(Number.isFinite(redisMaxStalenessSeconds) && redisMaxStalenessSeconds > 0)) {
    fail(`COGNITO_REDIS_MAX_STALENESS_SECONDS must be a positive number of seconds, got "${staleness}"`);
  }
  if (redisUrl === undefined) {
    if (redisCluster) fail("COGNITO_REDIS_CLUSTER=1 needs COGNITO_REDIS_URL (the cluster's node URLs, separated by commas)");
    return { redisUrl, redisCluster, redisMode, redisMaxStalenessSeconds };
  }
  const urls = redisUrls(redisUrl);
  for (const url of urls) {
    if (!/^rediss?:\/\/\S+$/.test(url)) fail(`COGNITO_REDIS_URL must be a redis:// or rediss:// URL${redisCluster ? " (or several, separated by commas)" : ""}, got "${redactUrl(url)}"`);
  }
  if (urls.length > 1 && !redisCluster) fail("COGNITO_REDIS_URL lists several URLs: set COGNITO_REDIS_CLUSTER=1 for a Redis Cluster, or give one URL");
  if (new Set(urls.map((url) => url.slice(0, url.indexOf(":")).toLowerCase())).size > 1) fail("COGNITO_REDIS_URL mixes redis:// and rediss:// URLs");
  return { redisUrl, redisCluster, redisMode, redisMaxStalenessSeconds };
}

/** @param {string} redisUrl */
function redisUrls(redisUrl) {
  return redisUrl.split(",").map((url) => url.trim()).filter(Boolean);
}

/**
 * The connection options of @cognito-bearer/redis for COGNITO_REDIS_URL: `{ url }`, or `{ cluster: { rootNodes } }`.
 * @param {{ redisUrl: string, redisCluster?: boolean }} config
 */
export function redisConnection({ redisUrl, redisCluster }) {
  return redisCluster ? { cluster: { rootNodes: redisUrls(redisUrl).map((url) => ({ url })) } } : { url: redisUrl };
}

/**
 * The verifier's onEvent hook: a failed JWKS fetch is logged, because it is
 * why clients get 503 (a wrong COGNITO_JWKS_URI, Cognito unreachable). The
 * event names the URL and the cause, never a token.
 * @param {import("@cognito-bearer/core").VerifyEvent} event
 */
export function logJwksFailure(event) {
  if (event.type === "jwks_fetch" && !event.ok) {
    console.error(`jwks_fetch failed (${event.trigger}, ${Math.round(event.durationMs)} ms): ${event.jwksUri}: ${event.error}`);
  }
}

/**
 * The revocation list: in Redis when COGNITO_REDIS_URL is set (every instance
 * on that Redis refuses a token revoked on any of them), else in memory. With
 * Redis, resolves once the list is loaded, or exits naming the variable. No
 * message shows the URL's password. `mode` is the example's own way to keep
 * the list current ("subscribe" for a server, "catch-up" for a Lambda
 * function); COGNITO_REDIS_MODE overrides it.
 * With metrics on (withMetrics()), the list's entries, staleness and outbox are reported.
 * @param {{ redisUrl: string | undefined, redisCluster?: boolean, redisMode?: "subscribe" | "catch-up", redisMaxStalenessSeconds?: number, metrics?: import("./metrics.mjs").ExampleMetrics }} config
 * @param {{ mode?: "subscribe" | "catch-up" }} [defaults]
 * @returns {Promise<import("@cognito-bearer/core").RevocationList>}
 */
export async function revocationsFromEnv({ redisUrl, redisCluster = false, redisMode, redisMaxStalenessSeconds, metrics }, defaults = {}) {
  const telemetry = metrics?.telemetry;
  if (redisUrl === undefined) {
    const list = createMemoryRevocationList();
    telemetry?.observeRevocationList(list);
    return list;
  }
  const urls = redisUrls(redisUrl);
  const shown = urls.map(redactUrl).join(",");
  /** @param {string} text */
  const masked = (text) => urls.reduce((result, url) => withoutCredentials(result, url), text);
  const { createRedisRevocationList } = await import("@cognito-bearer/redis");
  /** @type {string | undefined} */
  let lastError;
  let list;
  try {
    list = createRedisRevocationList({
      ...redisConnection({ redisUrl, redisCluster }),
      mode: redisMode ?? defaults.mode ?? "subscribe",
      ...(redisMaxStalenessSeconds === undefined ? {} : { maxStalenessSeconds: redisMaxStalenessSeconds }),
      onEvent: (event) => {
        telemetry?.onRevocationEvent(event);
        if (event.type === "outbox_stalled") {
          console.error(`revocation list: ${event.entries} sign-out(s) not yet in Redis after ${event.oldestAgeSeconds} s: enforced on this instance only until Redis answers`);
        } else if (event.type === "outbox_abandoned") {
          console.error(`revocation list: closed with ${event.entries} sign-out(s) never stored in Redis: other instances do not enforce them`);
        } else if (event.type === "error" || event.type === "unavailable") {
          lastError = masked(event.error);
          console.error(`revocation list: Redis: ${lastError}`);
        }
      },
    });
  } catch (err) {
    // An unparsable URL: Node's error would print it whole (its `input`).
    const message = err instanceof Error ? err.message : String(err);
    return fail(`COGNITO_REDIS_URL ${shown} is refused: ${masked(message.replace(/^cognito-bearer: /, ""))}`);
  }
  try {
    await list.ready({ timeoutMs: 10_000 });
  } catch {
    return fail(`COGNITO_REDIS_URL ${shown}: Redis did not answer within 10 s${lastError ? ` (${lastError})` : ""}`);
  }
  telemetry?.observeRevocationList(list);
  return list;
}

/**
 * POST /logout: revokes the caller's sign-in (its origin_jti: this token and
 * every refresh of it), or this token alone when its app client has token
 * revocation off (no origin_jti). Resolves to [status, body, headers]:
 * - 204: the revocation is recorded (in Redis: every instance refuses the token);
 * - 202 `{ "revocation": "queued", … }`: Redis is unreachable, so the
 *   revocation is applied on this instance now and queued; it reaches the other
 *   instances as soon as Redis answers (the list's outbox). The sign-out is
 *   accepted: a retry is welcome but not needed;
 * - 503: not even queued (the list is closed): retry.
 * The route authenticates with a verifier that does not consult the list (see
 * `signOutVerifier`), so a retry with the same, now revoked, token is done
 * again (202 or 204), never a 401.
 * @param {import("@cognito-bearer/core").RevocationList} revocations
 * @param {import("@cognito-bearer/core").CognitoAuth} auth
 * @returns {Promise<[number, object | undefined, Record<string, string>]>}
 */
export async function logout(revocations, auth) {
  try {
    if (typeof auth.claims.origin_jti === "string") await revocations.revokeSession(auth);
    else await revocations.revokeToken(auth);
    return [204, undefined, {}];
  } catch (err) {
    console.error(`logout: ${err instanceof Error ? err.message : String(err)}`);
    if (/** @type {{ queued?: unknown }} */ (err)?.queued === true) {
      return [
        202,
        { revocation: "queued", description: "Signed out on this instance; the other instances refuse the token as soon as the shared revocation list is reachable again" },
        {},
      ];
    }
    return [503, { error: "temporarily_unavailable", error_description: "The sign-out could not be recorded; retry" }, { "Retry-After": "5" }];
  }
}

/**
 * The verifier for POST /logout: the same options without the revocation
 * list. The token's signature, issuer, client and expiry are checked as
 * anywhere else; only "already revoked" is not a refusal here, since signing
 * out again is what a client retrying a 202 (or a lost 204) does.
 * @template V
 * @param {(options: any) => V} createVerifier
 * @param {{ cognito: object }} config
 * @returns {V}
 */
export function signOutVerifier(createVerifier, config) {
  return orExit(() => createVerifier(config.cognito));
}

/**
 * Runs `create` (which builds the verifier or middleware); exits with one line
 * naming the environment variable if the options are refused.
 * @template T
 * @param {() => T} create
 * @returns {T}
 */
export function orExit(create) {
  try {
    return create();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    // core's OptionsError: "cognito-bearer: issuer must be an absolute http(s) URL, got …"
    const text = message
      .replace(/^cognito-bearer: /, "")
      .replace(/^(userPoolId|clientId|issuer|jwksUri)\b/, (option) => ENV_FOR_OPTION[/** @type {keyof ENV_FOR_OPTION} */ (option)])
      .replace(/\bset issuer\b/, "set COGNITO_ISSUER");
    return fail(text);
  }
}

/**
 * Listens on HOST:PORT, logs one line, and closes the server on SIGINT/SIGTERM,
 * then the revocation list (a Redis list first delivers the sign-outs waiting
 * in its outbox, within its closeTimeoutMs).
 * With metrics on (withMetrics()), GET /metrics answers Prometheus's scrapes.
 * @param {import("node:http").Server} server
 * @param {{ host: string, port: number, metrics?: import("./metrics.mjs").ExampleMetrics }} config
 * @param {{ close(): Promise<void> }} [revocations]
 */
export function listen(server, { host, port, metrics }, revocations) {
  if (metrics !== undefined) mountMetrics(server, metrics);
  server.once("error", (/** @type {NodeJS.ErrnoException} */ err) => {
    if (err.code === "EADDRINUSE") fail(`PORT ${port} is already in use on ${host}`);
    if (err.code === "EACCES") fail(`PORT ${port} needs more privileges on ${host} (EACCES)`);
    fail(`HOST ${host} cannot be listened on: ${err.code ?? err.message}`);
  });
  server.listen(port, host, () => {
    const address = server.address();
    const actualPort = typeof address === "object" && address ? address.port : port;
    console.log(`listening on http://${host.includes(":") ? `[${host}]` : host}:${actualPort}`);
  });
  const shutdown = () => {
    // Requests still in flight get a moment to finish, and the list's outbox (at most 5 s, its closeTimeoutMs) its delivery.
    const closeList = () => Promise.resolve(revocations?.close()).finally(() => process.exit(0));
    server.close(() => void closeList());
    server.closeIdleConnections();
    setTimeout(() => void closeList(), 2000).unref();
    setTimeout(() => process.exit(0), 7500).unref();
  };
  process.once("SIGINT", shutdown);
  process.once("SIGTERM", shutdown);
}
