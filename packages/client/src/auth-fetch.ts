// createAuthFetch: `fetch` with the user's access token, for an SPA behind a
// token handler (@cognito-bearer/bff) or holding its own tokens.
//
// What the API's answers mean here (the contract of every cognito-bearer adapter):
// - 401 invalid_token: refresh, and retry once if the request can be sent again;
//   a second 401 goes back to the caller, never round a loop;
// - 503 (and network errors): our servers' fault: back off with jitter, honour
//   Retry-After, retry a few times, never sign out;
// - 403: returned as is (a missing scope or group is not fixed by a new token);
// - 401 insufficient_user_authentication (RFC 9470 step-up): returned as is, and
//   one sign-in starts with the challenge's acr_values / max_age (`onStepUp`,
//   default: the token handler's login page, back to this page);
// - 401 session_expired from the token handler: the session is over: every tab
//   is told, and `onSessionExpired` runs (default: go to the sign-in page).
//
// signOut() is not an expiry: every tab forgets its token and runs
// `onSignedOut` (default: nothing more), calls fail with SignedOutError without
// asking for a token, and no tab goes to the sign-in page (which would go
// straight through Cognito's still-live managed-login session); this tab then
// goes to Cognito's /logout, which ends that session too.
//
// With `mode: "proxy"` (the token handler's proxy mode, the full BFF) there is
// no token in the browser at all: the token handler attaches it on the server.
// Requests to `apiOrigins` then carry the session cookie and, on every
// state-changing method, the anti-CSRF header; the answers mean the same, the
// token handler's own 401 (header `x-cb-session: expired`) being the expiry.
//
// Only requests to `apiOrigins` (default: the page's own origin) carry the token
// and get that treatment; a URL of any other origin (a pagination link, a URL
// from data) is a plain fetch, without the token.
import { backoffMs, retryAfterSeconds, sleep } from "./backoff.js";
import { SessionExpiredError, TokenUnavailableError } from "./errors.js";
import { allowedOrigins, baseUrl, resolveUrl } from "./origins.js";
import { canReplay, methodOf } from "./replay.js";
import { stepUpChallengeOf, stepUpLoginUrl, type StepUpChallenge } from "./step-up.js";
import { TokenSource, type Token } from "./token-source.js";

export interface AuthFetchOptions {
  /**
   * "token" (default): fetch an access token from the token handler (or `refresh`) and send it.
   * "proxy": the token handler's proxy mode attaches the token on the server; no token is fetched or sent, and
   * state-changing requests (all methods but GET, HEAD, OPTIONS) carry the anti-CSRF header instead.
   */
  mode?: "token" | "proxy" | undefined;
  /**
   * The origins that may receive the access token (scheme://host[:port], e.g.
   * "https://api.example.com"). Requests to any other origin, after the URL is
   * resolved against the page, are a plain fetch: no token, no refresh, no retry.
   * Default: the page's own origin (`location.origin`); required where there is
   * no page (Node).
   */
  apiOrigins?: string[] | undefined;
  /** The token handler's token endpoint (POST). Default "/auth/token". */
  tokenUrl?: string | undefined;
  /** The sign-in page, for the default onSessionExpired. Default "/auth/login". */
  loginUrl?: string | undefined;
  /** The token handler's sign-out endpoint, for signOut(). Default "/auth/logout". */
  logoutUrl?: string | undefined;
  /** Called (in every tab) when the session is over (the token handler refused to refresh). Default: go to `loginUrl?returnTo=<this page>`. */
  onSessionExpired?: (() => void) | undefined;
  /**
   * Called in every tab (this one included) when the user signs out, here or in
   * another tab: show a signed-out state. The token is forgotten already, and
   * calls fail with SignedOutError until the page is reloaded or a tab signs in
   * again. Default: nothing more (no navigation: going to the sign-in page would
   * sign the user straight back in while Cognito's session lives).
   */
  onSignedOut?: (() => void) | undefined;
  /**
   * Called once per page when an API asks for a stronger or more recent sign-in
   * (401 `insufficient_user_authentication`, RFC 9470), with its bounded
   * `acr_values` / `max_age`; the response is returned to the caller as well.
   * Default: go to `loginUrl?returnTo=<this page>&acr_values=…&max_age=…`.
   */
  onStepUp?: ((challenge: StepUpChallenge) => void) | undefined;
  /**
   * Your own refresh, instead of the token handler (an SPA holding Cognito's
   * tokens itself): resolve to the new access token and its lifetime; throw a
   * SessionExpiredError when the refresh token is refused.
   */
  refresh?: (() => Promise<{ accessToken: string; expiresIn: number }>) | undefined;
  /** The custom header the token handler requires on POSTs. Default { name: "X-CSRF", value: "1" }. */
  csrfHeader?: { name: string; value: string } | undefined;
  /** Refresh this long before the access token expires. Default 30. */
  refreshMarginSeconds?: number | undefined;
  /** Retry POST and PATCH requests too (after a refresh or a 503), when their body can be sent again. Default false. */
  retryNonIdempotent?: boolean | undefined;
  /** Retries after a 503 or a network error, per call. Default 3. */
  maxRetries?: number | undefined;
  /** First back-off step (then doubled, with jitter, up to maxDelayMs). Default 500. */
  baseDelayMs?: number | undefined;
  /** Default 10000. */
  maxDelayMs?: number | undefined;
  /** The fetch to wrap. Default globalThis.fetch. */
  fetch?: typeof fetch | undefined;
  /** The BroadcastChannel and Web Lock names shared by this origin's tabs. Default "cognito-bearer". */
  channelName?: string | undefined;
}

export interface SignOutOptions {
  /**
   * Go to Cognito's logout URL once the token handler has ended the session,
   * which ends Cognito's managed-login session too (without it, the next
   * sign-in goes through without a password). Default true; false to go there
   * yourself (signOut resolves to the URL).
   */
  redirect?: boolean | undefined;
}

export interface AuthFetch {
  (input: Request | string | URL, init?: RequestInit): Promise<Response>;
  /**
   * Signs out at the token handler (POST logoutUrl), forgets the token in every
   * tab and runs onSignedOut in each, then (unless `redirect: false`) sends this
   * page to Cognito's logout URL. Resolves to that URL (undefined when the token
   * handler gave no http(s) URL); rejects with a TokenUnavailableError when the
   * token handler did not sign out (the user is still signed in).
   */
  signOut(options?: SignOutOptions): Promise<string | undefined>;
  /** Stop listening to other tabs. */
  close(): void;
}

export function createAuthFetch(options: AuthFetchOptions = {}): AuthFetch {
  const fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
  const mode = options.mode ?? "token";
  if (mode !== "token" && mode !== "proxy") throw new TypeError(`mode must be "token" or "proxy", got "${String(mode)}"`);
  if (mode === "proxy" && options.refresh !== undefined) throw new TypeError('refresh has no use with mode "proxy": the token handler holds the tokens');
  const apiOrigins = allowedOrigins(options.apiOrigins);
  const tokenUrl = options.tokenUrl ?? "/auth/token";
  const loginUrl = options.loginUrl ?? "/auth/login";
  const logoutUrl = options.logoutUrl ?? "/auth/logout";
  const csrf = options.csrfHeader ?? { name: "X-CSRF", value: "1" };
  const maxRetries = options.maxRetries ?? 3;
  const baseDelayMs = options.baseDelayMs ?? 500;
  const maxDelayMs = options.maxDelayMs ?? 10_000;
  const allowNonIdempotent = options.retryNonIdempotent ?? false;
  const onSessionExpired = options.onSessionExpired ?? (() => goToSignIn(loginUrl));
  const onStepUp = options.onStepUp ?? ((challenge: StepUpChallenge) => goToSignIn(loginUrl, challenge));
  // One sign-in per page: concurrent calls refused alike do not start several.
  let stepUpStarted = false;
  const wait = (attempt: number, retryAfter?: number, signal?: AbortSignal | null) => sleep(backoffMs(attempt, baseDelayMs, maxDelayMs, retryAfter), signal);

  /** POST tokenUrl, retrying its own faults; a 401 is the end of the session. */
  async function fromTokenHandler(): Promise<Token> {
    for (let attempt = 0; ; attempt++) {
      let res: Response;
      try {
        res = await fetchImpl(tokenUrl, { method: "POST", headers: { [csrf.name]: csrf.value }, credentials: "same-origin" });
      } catch (err) {
        if (attempt >= maxRetries) throw new TokenUnavailableError(`the token handler is unreachable (${(err as Error).message})`);
        await wait(attempt);
        continue;
      }
      if (res.status === 200) {
        const body = (await res.json()) as { access_token?: unknown; expires_in?: unknown };
        if (typeof body.access_token !== "string" || typeof body.expires_in !== "number") throw new TokenUnavailableError("the token handler's answer has no access token");
        return { accessToken: body.access_token, expiresAt: Date.now() + body.expires_in * 1000 };
      }
      await res.body?.cancel();
      if (res.status === 401) throw new SessionExpiredError();
      const retryAfter = retryAfterSeconds(res.headers.get("retry-after"));
      if ((res.status === 503 || res.status === 429 || res.status >= 500) && attempt < maxRetries) {
        await wait(attempt, retryAfter);
        continue;
      }
      throw new TokenUnavailableError(`the token handler answered ${res.status}`, retryAfter);
    }
  }

  async function fromCustomRefresh(): Promise<Token> {
    const { accessToken, expiresIn } = await options.refresh!();
    return { accessToken, expiresAt: Date.now() + expiresIn * 1000 };
  }

  const tokens = new TokenSource(
    options.refresh ? fromCustomRefresh : fromTokenHandler,
    (options.refreshMarginSeconds ?? 30) * 1000,
    options.channelName ?? "cognito-bearer",
    { onSessionExpired, onSignedOut: options.onSignedOut ?? (() => undefined) },
  );

  const api = async (input: Request | string | URL, init: RequestInit = {}): Promise<Response> => {
    const url = resolveUrl(input);
    // What is checked is what is sent: the resolved URL, not the caller's text.
    if (!(input instanceof Request) && url !== undefined) input = url.href;
    if (url === undefined || !apiOrigins.has(url.origin)) return fetchImpl(input, init);
    const signal = init.signal ?? (input instanceof Request ? input.signal : undefined);
    const replayable = canReplay(input, init, allowNonIdempotent);
    const unsafe = !SAFE_METHODS.has(methodOf(input, init));
    const send = (token: string | undefined, first: boolean): Promise<Response> => {
      const headers = new Headers(init.headers ?? (input instanceof Request ? input.headers : undefined));
      if (token !== undefined) headers.set("Authorization", `Bearer ${token}`);
      else if (unsafe) headers.set(csrf.name, csrf.value);
      // A Request's body is read by the first try: send clones while another try may follow.
      const target = input instanceof Request && (replayable || !first) ? input.clone() : input;
      return fetchImpl(target, { ...init, headers });
    };
    let refreshed = false;
    for (let attempt = 0; ; attempt++) {
      // Proxy mode: no token here; a signed-out tab still sends nothing.
      const token = mode === "proxy" ? tokens.assertSignedIn() : await tokens.get(signal);
      let res: Response;
      try {
        res = await send(token, attempt === 0);
      } catch (err) {
        if (signal?.aborted || !replayable || attempt >= maxRetries) throw err;
        await wait(attempt, undefined, signal);
        continue;
      }
      if (res.status === 401) {
        const challenge = stepUpChallengeOf(res.headers.get("www-authenticate"));
        if (challenge !== undefined) {
          if (!stepUpStarted) {
            stepUpStarted = true;
            onStepUp(challenge);
          }
          return res;
        }
        // Proxy mode: the token handler's own 401 (its session ended) is the expiry.
        if (token === undefined && res.headers.get("x-cb-session") === "expired") {
          await res.body?.cancel();
          tokens.expiredByServer();
        }
      }
      if (res.status === 401 && refusesToken(res)) {
        if (token !== undefined) tokens.invalidate(token);
        if (refreshed || !replayable) return res;
        refreshed = true;
        await res.body?.cancel();
        continue;
      }
      if (res.status === 503 && replayable && attempt < maxRetries) {
        await res.body?.cancel();
        await wait(attempt, retryAfterSeconds(res.headers.get("retry-after")), signal);
        continue;
      }
      return res;
    }
  };

  return Object.assign(api, {
    async signOut(signOutOptions: SignOutOptions = {}): Promise<string | undefined> {
      // The other tabs hear of it first: a refresh of theirs refused from now on is this sign-out, not an expiry.
      tokens.signingOut();
      const res = await fetchImpl(logoutUrl, { method: "POST", headers: { [csrf.name]: csrf.value }, credentials: "same-origin" });
      if (!res.ok) {
        await res.body?.cancel();
        throw new TokenUnavailableError(`sign-out answered ${res.status}`, retryAfterSeconds(res.headers.get("retry-after")));
      }
      const body = (await res.json().catch(() => ({}))) as { logoutUrl?: unknown };
      const cognitoLogoutUrl = webUrl(body.logoutUrl);
      tokens.signedOutHere();
      if (cognitoLogoutUrl !== undefined && signOutOptions.redirect !== false) {
        (globalThis as { location?: { assign(url: string): void } }).location?.assign(cognitoLogoutUrl);
      }
      return cognitoLogoutUrl;
    },
    close: () => tokens.close(),
  });
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** `value` as an absolute http(s) URL, or undefined (never a javascript: or data: URL to navigate to). */
function webUrl(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  try {
    const url = new URL(value, baseUrl());
    return url.protocol === "https:" || url.protocol === "http:" ? url.href : undefined;
  } catch {
    return undefined;
  }
}

/** A 401 for the token (invalid_token), not for missing credentials. */
function refusesToken(res: Response): boolean {
  const challenge = res.headers.get("www-authenticate");
  // Cross-origin APIs hide WWW-Authenticate unless they expose it: then any 401 to a request with a token is the token's.
  return challenge === null || /error="invalid_token"/.test(challenge);
}

function goToSignIn(loginUrl: string, stepUp?: StepUpChallenge): void {
  const location = (globalThis as { location?: { href: string; pathname: string; search: string; hash: string; assign(url: string): void } }).location;
  if (location === undefined) return;
  location.assign(stepUpLoginUrl(loginUrl, location.href, `${location.pathname}${location.search}${location.hash}`, stepUp ?? {}));
}
