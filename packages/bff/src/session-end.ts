// Ending a session: the access tokens it handed out stop working at the API
// (its revocation list: by origin_jti, and by jti for app clients that issue
// no origin_jti), its refresh token is revoked at Cognito (which, with token
// revocation on, ends the whole sign-in), and it is deleted.
import type { CognitoAuth } from "@cognito-bearer/core";
import { CognitoFailure } from "./cognito-client.js";
import type { HandlerContext } from "./context.js";
import type { StoredSession } from "./session-store.js";

/**
 * Records the session's handed-out access tokens in the revocation list. Resolves to "stored", or to "queued" when
 * the list applied them locally but could not store them yet (a Redis list's outbox: an error with `queued: true`;
 * they reach the other instances once Redis answers), or undefined without a list. Rejects when the list did not
 * even apply them.
 */
export async function revokeHandedOut(context: HandlerContext, session: StoredSession): Promise<"stored" | "queued" | undefined> {
  const list = context.o.revocations;
  if (list === undefined) return undefined;
  let outcome: "stored" | "queued" = "stored";
  const record = async (revoke: Promise<void>) => {
    try {
      await revoke;
    } catch (err) {
      if ((err as { queued?: unknown } | null)?.queued !== true) throw err;
      outcome = "queued";
    }
  };
  const nowSeconds = Date.now() / 1000;
  for (const originJti of session.originJtis) await record(list.revokeSession({ claims: { origin_jti: originJti } } as unknown as CognitoAuth));
  // With an origin_jti every token of the sign-in is covered already.
  if (session.originJtis.length > 0) return outcome;
  for (const { jti, exp } of session.accessTokenIds) {
    if (exp > nowSeconds) await record(list.revokeToken({ claims: { jti, exp } } as unknown as CognitoAuth));
  }
  return outcome;
}

/** Revokes the refresh token at Cognito; false (and an event) when Cognito could not be told. */
export async function revokeAtCognito(context: HandlerContext, session: StoredSession): Promise<boolean> {
  if (session.refreshToken === "") return true;
  try {
    await context.cognito.revoke(session.refreshToken);
    return true;
  } catch (err) {
    if (err instanceof CognitoFailure) context.emit({ type: err.kind === "misconfigured" ? "configuration_error" : "cognito_unavailable", operation: "revoke", detail: err.detail });
    return false;
  }
}

/**
 * Ends a session for good, best effort at each step: for a session being
 * replaced (a new sign-in) or refused by the API's list. The deletion happens
 * whatever Cognito and the list say; only this server ever held its refresh token.
 */
export async function endSession(context: HandlerContext, id: string, session: StoredSession): Promise<{ cognitoRevoked: boolean; apiRevoked: boolean }> {
  let apiRevoked = true;
  try {
    // "queued": applied here, and on its way to the other instances: recorded.
    await revokeHandedOut(context, session);
  } catch (err) {
    apiRevoked = false;
    context.emit({ type: "store_unavailable", detail: `the revocation list did not record the end of a session (${err instanceof Error ? err.message : String(err)})` });
  }
  const cognitoRevoked = await revokeAtCognito(context, session);
  await context.o.sessions.delete(id);
  return { cognitoRevoked, apiRevoked };
}
