// The demo SPA: plain JavaScript and @cognito-bearer/client, no build step.
import { createAuthFetch, SessionExpiredError, SignedOutError, TokenUnavailableError } from "/vendor/client/index.js";

const $ = (id) => document.querySelector(`[data-testid="${id}"]`);
const demo = await fetch("/demo/config").then((res) => (res.ok ? res.json() : {}), () => ({}));
let tokenCalls = 0;
let expiresAt;
/** This tab's own sign-out is under way (the other tabs hear of it through the client). */
let signingOutHere = false;

function log(text, kind = "") {
  const item = document.createElement("li");
  item.textContent = `${new Date().toLocaleTimeString()}  ${text}`;
  item.className = kind;
  $("log").prepend(item);
}

// Count the calls to the token handler, to watch refreshes happen.
const countingFetch = (input, init) => {
  if (String(input).endsWith("/auth/token")) {
    tokenCalls++;
    $("token-calls").textContent = String(tokenCalls);
  }
  return fetch(input, init);
};

// Proxy mode (BFF_MODE=proxy): no token in this page at all; the API is under /api/ on this origin.
const apiPrefix = demo.apiPrefix ?? "";
const api = createAuthFetch({
  mode: demo.mode === "proxy" ? "proxy" : "token",
  fetch: countingFetch,
  refreshMarginSeconds: demo.clientMarginSeconds ?? 30,
  // One retry (honouring Retry-After), so that an outage shows on the page within seconds.
  maxRetries: 1,
  onSessionExpired: () => {
    log("401 session_expired from the token handler: going to sign-in", "bad");
    setTimeout(() => location.assign("/auth/login?returnTo=/"), 300);
  },
  // A sign-out, here or in another tab: show it, and stay signed out (no trip to sign-in, which would sign the user straight back in).
  onSignedOut: () => {
    showSignedOut();
    if (!signingOutHere) log("signed out in another tab: this one stays signed out until you sign in again", "warn");
  },
});

function showSignedOut() {
  $("session").textContent = "signed out";
  $("session").dataset.state = "signed-out";
  expiresAt = undefined;
  $("sign-in").hidden = false;
}

async function call(path) {
  try {
    const res = await api(`${apiPrefix}${path}`);
    const text = await res.text();
    const body = text.length > 100 ? `${text.slice(0, 100)}…` : text;
    const kind = res.ok ? "ok" : res.status === 503 ? "warn" : "bad";
    log(`GET ${apiPrefix}${path} → ${res.status} ${body}`, kind);
    return res.status;
  } catch (err) {
    if (err instanceof SessionExpiredError) log(`GET ${apiPrefix}${path} → session expired`, "bad");
    else if (err instanceof SignedOutError) log(`GET ${path} → signed out: sign in again`, "bad");
    else if (err instanceof TokenUnavailableError) log(`GET ${path} → no token: ${err.message} (still signed in)`, "warn");
    else log(`GET ${path} → ${err.name}: ${err.message}`, "bad");
    return err.name;
  }
}

async function refreshSession() {
  const session = await fetch("/auth/session").then((res) => res.json(), () => undefined);
  if (session === undefined) return;
  $("session").textContent = session.authenticated ? `signed in as ${session.username}` : "signed out";
  $("session").dataset.state = session.authenticated ? "signed-in" : "signed-out";
  expiresAt = session.authenticated ? session.expiresAt : undefined;
  $("sign-in").hidden = session.authenticated;
}

setInterval(() => {
  $("expiry").textContent = expiresAt ? `expires in ${Math.max(0, Math.round(expiresAt - Date.now() / 1000))} s` : "—";
}, 500);
setInterval(refreshSession, 2000);
await refreshSession();

for (const button of document.querySelectorAll("[data-path]")) button.addEventListener("click", () => call(button.dataset.path));
$("call-ten").addEventListener("click", async () => {
  const statuses = await Promise.all(Array.from({ length: 10 }, () => call("/me")));
  log(`10 calls at once: ${statuses.join(", ")}`);
});

let jwksDown = false;
$("jwks-toggle").addEventListener("click", async () => {
  jwksDown = !jwksDown;
  await fetch("/demo/jwks", { method: "POST", headers: { "content-type": "application/json", "x-csrf": "1" }, body: JSON.stringify({ down: jwksDown }) });
  $("jwks-toggle").textContent = jwksDown ? "Turn the JWKS on" : "Turn the JWKS off";
  log(jwksDown ? "JWKS off, and Cognito signs with a new key: new tokens cannot be checked (503, never a sign-out)" : "JWKS on again", "warn");
});
$("global-sign-out").addEventListener("click", async () => {
  await fetch("/demo/global-sign-out", { method: "POST", headers: { "x-csrf": "1" } });
  log("the refresh token was revoked at Cognito: the next refresh ends the session", "warn");
});
$("sign-out").addEventListener("click", async () => {
  signingOutHere = true;
  try {
    // The client goes to Cognito's /logout by itself; the demo goes there 300 ms later, so that the line below can be read.
    const logoutUrl = await api.signOut({ redirect: false });
    log("signed out: the access tokens already handed out are refused from now on; ending Cognito's session too", "ok");
    if (logoutUrl) setTimeout(() => location.assign(logoutUrl), 300);
  } catch (err) {
    signingOutHere = false;
    log(`sign-out failed: ${err.message}`, "bad");
  }
});
