// The sign-in transaction (state, nonce, PKCE verifier, where to return),
// between /login and /callback, kept by the browser in a sealed cookie rather
// than in the store: an anonymous /login then costs the server nothing, so a
// flood of them cannot fill Redis or evict sessions and revocations.
//
// Each sign-in has its own cookie, named after its state: two sign-ins in two
// tabs do not overwrite each other, and a callback with a wrong state finds no
// cookie and consumes nothing. The cookie's name is sealed with it (associated
// data), and its expiry is inside the sealed payload, not only in Max-Age.
import { timingSafeEqual } from "node:crypto";
import type { Sealer } from "@cognito-bearer/core/adapter";
import { clearCookie, parseCookies, setCookie } from "./cookies.js";
import { randomToken } from "./pkce.js";

export interface Transaction {
  state: string;
  nonce: string;
  codeVerifier: string;
  returnTo: string;
  /** When the sign-in must have completed (ms since the epoch). */
  expiresAt: number;
}

/** Sign-ins in progress kept per browser: the oldest beyond this are dropped (each cookie is up to ~3 KB). */
export const MAX_PENDING_SIGN_INS = 3;
/** What the sign-in cookies of one browser may add up to, the new one included. */
export const MAX_PENDING_BYTES = 6000;
/** How much of the state names the cookie: 96 bits, unguessable, and short. */
const NAME_STATE_CHARS = 16;
const STATE = /^[A-Za-z0-9_-]{43}$/;

export interface TransactionCookies {
  /** A new transaction, and the Set-Cookie lines that store it (and drop the oldest beyond MAX_PENDING_SIGN_INS). */
  start(returnTo: string, cookieHeader: string | undefined): { transaction: Transaction; setCookies: string[] };
  /** The transaction of `state`, if this browser holds it and it has not expired; `clear` removes its cookie. */
  take(cookieHeader: string | undefined, state: string | null): { transaction: Transaction | undefined; clear: string | undefined };
}

export function createTransactionCookies(options: { prefix: string; sealer: Sealer; lifetimeMs: number; secure: boolean }): TransactionCookies {
  const { prefix, sealer, lifetimeMs, secure } = options;
  const nameOf = (state: string) => `${prefix}${state.slice(0, NAME_STATE_CHARS)}`;
  const open = (name: string, value: string) => sealer.open(value, `transaction:${name}`) as Transaction | undefined;

  return {
    start(returnTo, cookieHeader) {
      const now = Date.now();
      const transaction: Transaction = { state: randomToken(), nonce: randomToken(), codeVerifier: randomToken(), returnTo, expiresAt: now + lifetimeMs };
      const name = nameOf(transaction.state);
      const setCookies = [setCookie(name, sealer.seal(transaction, `transaction:${name}`), { sameSite: "Lax", maxAgeSeconds: lifetimeMs / 1000, secure })];
      // Keep the newest few sign-ins of this browser; the rest (and any that no longer open) are cleared.
      const pending = [...parseCookies(cookieHeader)]
        .filter(([cookieName]) => cookieName.startsWith(prefix))
        .map(([cookieName, value]) => ({ name: cookieName, size: cookieName.length + value.length + 1, expiresAt: open(cookieName, value)?.expiresAt ?? 0 }))
        .sort((a, b) => b.expiresAt - a.expiresAt);
      // ...and within a size budget: some proxies refuse a Cookie header over 8 KB.
      let kept = 0;
      let bytes = setCookies[0].length;
      for (const entry of pending) {
        bytes += entry.size;
        if (kept < MAX_PENDING_SIGN_INS - 1 && entry.expiresAt > now && bytes <= MAX_PENDING_BYTES) kept++;
        else setCookies.push(clearCookie(entry.name, secure));
      }
      return { transaction, setCookies };
    },
    take(cookieHeader, state) {
      if (state === null || !STATE.test(state)) return { transaction: undefined, clear: undefined };
      const name = nameOf(state);
      const value = parseCookies(cookieHeader).get(name);
      if (value === undefined) return { transaction: undefined, clear: undefined };
      const transaction = open(name, value);
      const clear = clearCookie(name, secure);
      if (transaction === undefined || transaction.expiresAt <= Date.now() || !sameText(transaction.state, state)) return { transaction: undefined, clear };
      return { transaction, clear };
    },
  };
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
