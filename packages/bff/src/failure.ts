// What a failure that is not the user's becomes: Cognito's fault, the store's
// or the verifier's is a 503 with Retry-After (the session kept, the SPA
// retries); Cognito refusing our app client, or handing us a token our own
// verifier refuses, is a 500 and a configuration event (never a mass sign-out).
import { isAuthError } from "@cognito-bearer/core";
import { CognitoFailure } from "./cognito-client.js";
import type { HandlerContext } from "./context.js";

export const RETRY_AFTER = "5";

export type FailureKind =
  | { status: 500; error: "server_error" }
  | { status: 503; error: "temporarily_unavailable"; retryAfter: string };

/** Classifies `err`, emitting the operator's event. */
export function classifyFailure(context: HandlerContext, err: unknown, operation: "callback" | "refresh"): FailureKind {
  const { emit } = context;
  if (err instanceof CognitoFailure && err.kind === "misconfigured") {
    emit({ type: "configuration_error", operation, detail: err.detail });
    return { status: 500, error: "server_error" };
  }
  if (isAuthError(err)) {
    if (err.status === 503) {
      emit({ type: "verifier_unavailable", operation, detail: `the access token from Cognito could not be checked (${err.reason})` });
      return { status: 503, error: "temporarily_unavailable", retryAfter: RETRY_AFTER };
    }
    // Cognito handed us an access token our own verifier refuses: the pool or client settings disagree.
    emit({ type: "configuration_error", operation, detail: `the access token from Cognito was refused (${err.reason})` });
    return { status: 500, error: "server_error" };
  }
  if (err instanceof CognitoFailure) {
    emit({ type: "cognito_unavailable", operation, detail: err.detail });
    return { status: 503, error: "temporarily_unavailable", retryAfter: err.retryAfter !== undefined ? String(Math.ceil(err.retryAfter)) : RETRY_AFTER };
  }
  emit({ type: "store_unavailable", detail: err instanceof Error ? err.message : String(err) });
  return { status: 503, error: "temporarily_unavailable", retryAfter: RETRY_AFTER };
}
