// Outcome events for logs and metrics. They carry reasons and timings, never
// the token, and are only built when an `onEvent` hook is configured.
import type { AuthErrorCode, RejectReason } from "./errors.js";

export interface VerifiedEvent {
  type: "verified";
  /** True when the verified-token cache answered (no signature check). */
  cached: boolean;
  durationMs: number;
  sub: string;
  clientId: string;
  issuer: string;
}

export interface RejectedEvent {
  type: "rejected";
  reason: RejectReason;
  status: number;
  code: AuthErrorCode | null;
  durationMs: number;
}

export interface JwksFetchEvent {
  type: "jwks_fetch";
  jwksUri: string;
  /** Why the JWKS was fetched. */
  trigger: "cold" | "unknown_kid" | "refresh" | "warmup";
  ok: boolean;
  durationMs: number;
  /** Number of usable keys, when ok. */
  keys?: number;
  /** A short, safe description of the failure. */
  error?: string;
  /** The HTTP status of a failed fetch, when the endpoint answered (403/404: that issuer form is not served for the pool). */
  status?: number;
}

export type VerifyEvent = VerifiedEvent | RejectedEvent | JwksFetchEvent;

export type EventSink = ((event: VerifyEvent) => void) | undefined;

/** Deliver an event; a throwing hook must not turn into a failed request. */
export function emit(sink: EventSink, event: VerifyEvent): void {
  if (sink === undefined) return;
  try {
    sink(event);
  } catch {
    // The hook is the user's logger or metrics: its failure is not the request's.
  }
}
