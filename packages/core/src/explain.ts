// verifier.explain(token): why a token is accepted or refused, check by check,
// for development and support. The verdict is verify()'s own (explain runs it
// first), so the two always agree; the checks around it say what was expected
// and what was found. The report holds the decoded header and claims, never
// the signature or the whole token.
import { callerKindOf, type CallerKind, type CognitoAccessTokenClaims, type CognitoAuth } from "./auth.js";
import type { AuthError, RejectReason } from "./errors.js";
import { describeIssuer } from "./issuer-forms.js";
import type { UsableJwk } from "./jwks-fetch.js";
import type { IssuerPolicy, ResolvedOptions } from "./options.js";
import type { AnyOrAll } from "./requirements.js";
import { decodeBase64Url } from "./base64url.js";
import { runtime } from "#runtime";

export type ExplainCheckName =
  | "size"
  | "structure"
  | "header"
  | "algorithm"
  | "issuer"
  | "key"
  | "signature"
  | "token_use"
  | "client_id"
  | "audience"
  | "caller"
  | "expiry"
  | "not_before"
  | "issued_at"
  | "claims"
  | "revocation"
  | "scopes"
  | "groups";

export interface ExplainCheck {
  check: ExplainCheckName;
  /** "unknown": could not be told (the signing keys are unavailable); "skipped": not applicable, or not reached. */
  outcome: "pass" | "fail" | "unknown" | "skipped";
  expected?: unknown;
  found?: unknown;
  detail?: string;
}

export interface ExplainReport {
  /** verify()'s verdict: "valid" (200), "refused" (400/401/403) or "unavailable" (503). */
  verdict: "valid" | "refused" | "unavailable";
  status: 200 | 400 | 401 | 403 | 503;
  /** Why, when refused or unavailable: one of the documented RejectReasons. */
  reason?: RejectReason;
  description?: string;
  /** The decoded JOSE header and claims (never the signature), when they decode. */
  header?: Record<string, unknown>;
  claims?: Record<string, unknown>;
  /** What the token's `iss` is: which form, Region and pool, and whether this verifier accepts it. */
  issuer?: { iss: unknown; form: "regional" | "global" | "other"; region?: string; userPoolId?: string; accepted: boolean };
  /** The verifier's clock (seconds since the epoch) and the skew it tolerates. */
  clock: { now: number; graceSeconds: number };
  /** Who the token is for, by its claims: a signed-in "user", or a machine "client" (client-credentials). */
  kind?: CallerKind;
  checks: ExplainCheck[];
}

/** What explain() needs of the verifier. */
export interface ExplainContext {
  options: ResolvedOptions;
  verify(token: string): Promise<CognitoAuth>;
  /** The cached key of a key set, by kid. */
  cachedKey(jwksUri: string, kid: string): UsableJwk | undefined;
  /** The kids a key set holds, or undefined when it was never fetched. */
  cachedKids(jwksUri: string): string[] | undefined;
}

const CHECK_OF_REASON: Partial<Record<RejectReason, ExplainCheckName>> = {
  token_too_large: "size",
  malformed_token: "structure",
  unsupported_header: "header",
  algorithm_not_allowed: "algorithm",
  issuer_not_accepted: "issuer",
  unknown_key: "key",
  jwks_unavailable: "key",
  invalid_signature: "signature",
  wrong_token_use: "token_use",
  client_not_accepted: "client_id",
  audience: "audience",
  expired: "expiry",
  not_yet_valid: "not_before",
  issued_in_future: "issued_at",
  invalid_claims: "claims",
  revoked: "revocation",
  not_revocable: "revocation",
  revocation_check_failed: "revocation",
  insufficient_scope: "scopes",
  insufficient_group: "groups",
};

const EMBEDDED_KEY_HEADERS = ["crit", "jwk", "jku", "x5u", "x5c", "x5t", "x5t#S256"];

export async function explainToken(context: ExplainContext, token: string): Promise<ExplainReport> {
  const { options } = context;
  // The verdict first: it may fetch the JWKS (an unknown kid), which the key check then sees.
  let auth: CognitoAuth | undefined;
  let error: AuthError | undefined;
  try {
    auth = await context.verify(token);
  } catch (err) {
    error = err as AuthError;
  }
  const now = Date.now() / 1000;
  const decoded = decode(token);
  const policy = decoded?.claims && options.issuers.find((candidate) => candidate.issuer === decoded.claims!.iss);
  const grace = policy?.graceSeconds ?? options.issuers[0].graceSeconds;
  const checks = diagnose(context, token, decoded, policy, now, grace, auth);
  // The one check that needs crypto: asynchronous, so that it is the same on Node and Web Crypto.
  const signature = checks.find((check) => check.check === "signature");
  if (signature !== undefined && decoded?.claims !== undefined) Object.assign(signature, await signatureOutcome(decoded, signatureKey(context, decoded, policy)));

  if (error !== undefined) {
    // verify()'s reason is the check that failed, whatever the diagnosis found.
    const failed = CHECK_OF_REASON[error.reason];
    const check = checks.find((candidate) => candidate.check === failed);
    if (check !== undefined) {
      check.outcome = error.status === 503 ? "unknown" : "fail";
      check.detail = check.detail ?? error.message;
    }
  }
  const status = (auth !== undefined ? 200 : error!.status) as ExplainReport["status"];
  return {
    verdict: auth !== undefined ? "valid" : status === 503 ? "unavailable" : "refused",
    status,
    ...(error === undefined ? {} : { reason: error.reason, description: error.message }),
    ...(decoded === undefined ? {} : { header: decoded.header, claims: decoded.claims }),
    ...(decoded?.claims === undefined ? {} : { issuer: { iss: decoded.claims.iss, ...describeIssuer(String(decoded.claims.iss)), accepted: policy !== undefined } }),
    clock: { now: Math.floor(now), graceSeconds: grace },
    ...(kindOf(decoded?.claims) === undefined ? {} : { kind: kindOf(decoded?.claims) }),
    checks,
  };
}

interface Decoded {
  header: Record<string, unknown>;
  claims?: Record<string, unknown>;
  signingInput: string;
  signature: string;
}

function decode(token: string): Decoded | undefined {
  const parts = token.split(".");
  if (parts.length !== 3) return undefined;
  const json = (part: string) => {
    const value = JSON.parse(new TextDecoder().decode(decodeBase64Url(part))) as unknown;
    if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error("not an object");
    return value as Record<string, unknown>;
  };
  try {
    const header = json(parts[0]);
    let claims: Record<string, unknown> | undefined;
    try {
      claims = json(parts[1]);
    } catch {
      claims = undefined;
    }
    return { header, claims, signingInput: `${parts[0]}.${parts[1]}`, signature: parts[2] };
  } catch {
    return undefined;
  }
}

function diagnose(
  context: ExplainContext,
  token: string,
  decoded: Decoded | undefined,
  policy: IssuerPolicy | undefined,
  now: number,
  grace: number,
  auth: CognitoAuth | undefined,
): ExplainCheck[] {
  const { options } = context;
  const checks: ExplainCheck[] = [];
  const add = (check: ExplainCheck) => checks.push(check);
  const parts = token.split(".").length;

  add({ check: "size", outcome: token.length <= options.maxTokenLength ? "pass" : "fail", expected: `at most ${options.maxTokenLength} characters`, found: token.length });
  add({
    check: "structure",
    outcome: decoded?.claims !== undefined ? "pass" : "fail",
    expected: "a JWS: three base64url parts, a JSON header and JSON claims",
    found: `${parts} part${parts === 1 ? "" : "s"}`,
    ...(parts === 5 ? { detail: "five parts: an encrypted token (JWE), such as a Cognito refresh token; send the access token" } : {}),
  });
  if (decoded?.claims === undefined) return [...checks, ...skipped(["header", "algorithm", "issuer", "key", "signature", "token_use", "client_id", "audience", "caller", "expiry", "not_before", "issued_at", "claims", "revocation", "scopes", "groups"])];
  const { header, claims } = decoded;

  const embedded = EMBEDDED_KEY_HEADERS.filter((name) => name in header);
  add({ check: "header", outcome: embedded.length === 0 && typeof header.kid === "string" ? "pass" : "fail", expected: "a kid, and no crit or embedded key (jwk, jku, x5u, x5c, x5t)", found: { kid: header.kid, ...(embedded.length ? { embedded } : {}) } });
  add({ check: "algorithm", outcome: options.algorithms.has(String(header.alg)) ? "pass" : "fail", expected: [...options.algorithms], found: header.alg });

  const accepted = options.issuers.map((candidate) => candidate.issuer);
  const seen = describeIssuer(String(claims.iss));
  add({
    check: "issuer",
    outcome: policy !== undefined ? "pass" : "fail",
    expected: accepted,
    found: claims.iss,
    ...(policy === undefined && seen.form !== "other" ? { detail: issuerHint(seen, options.issuers) } : {}),
  });

  const kid = typeof header.kid === "string" ? header.kid : undefined;
  const kids = policy && context.cachedKids(policy.jwksUri);
  const jwk = policy && kid !== undefined ? context.cachedKey(policy.jwksUri, kid) : undefined;
  add({
    check: "key",
    outcome: policy === undefined ? "skipped" : kids === undefined ? "unknown" : jwk !== undefined ? "pass" : "fail",
    expected: kids === undefined ? "a kid of the issuer's JWKS (not fetched: unreachable?)" : `one of ${kids.join(", ")}`,
    found: kid,
    ...(policy ? { detail: `JWKS ${policy.jwksCandidates.join(" or ")}` } : {}),
  });
  add({ check: "signature", outcome: "skipped", detail: "no key to check it with" }); // filled in by explainToken

  add({
    check: "token_use",
    outcome: claims.token_use === "access" ? "pass" : "fail",
    expected: "access",
    found: claims.token_use,
    ...(claims.token_use === "id" ? { detail: "this is an ID token: send the access token to APIs" } : {}),
  });
  const clientIds = policy ? [...policy.clientIds] : [...new Set(options.issuers.flatMap((candidate) => [...candidate.clientIds]))];
  add({
    check: "client_id",
    outcome: typeof claims.client_id === "string" && clientIds.includes(claims.client_id) ? "pass" : "fail",
    expected: clientIds,
    found: claims.client_id,
    ...(claims.client_id === undefined && claims.aud !== undefined ? { detail: "no client_id, but an aud: ID tokens carry aud; Cognito access tokens carry client_id" } : {}),
  });
  const audiences = policy?.audiences;
  add(
    audiences === undefined
      ? { check: "audience", outcome: "skipped", detail: "no audience required by the verifier: aud is not read", found: claims.aud }
      : {
          check: "audience",
          outcome: [claims.aud].flat().some((aud) => typeof aud === "string" && audiences.has(aud)) ? "pass" : "fail",
          expected: [...audiences],
          found: claims.aud,
          ...(claims.aud === undefined ? { detail: "no aud: Cognito sets it only when the client asked for a resource (managed login, Essentials or Plus)" } : {}),
        },
  );
  const kind = kindOf(claims);
  add({
    check: "caller",
    outcome: kind === undefined ? "fail" : "pass",
    expected: "a user (username) or a machine client (client-credentials: sub = client_id, no username)",
    found: kind ?? { username: typeof claims.username, subIsClientId: claims.sub === claims.client_id },
    ...(kind === "client" ? { detail: "a machine client's token: no user, no groups, no origin_jti" } : {}),
  });
  add(timeCheck("expiry", claims.exp, (exp) => now < exp + grace, "after now − grace", now));
  add(claims.nbf === undefined ? { check: "not_before", outcome: "skipped", detail: "no nbf claim" } : timeCheck("not_before", claims.nbf, (nbf) => nbf <= now + grace, "at or before now + grace", now));
  add(claims.iat === undefined ? { check: "issued_at", outcome: "skipped", detail: "no iat claim" } : timeCheck("issued_at", claims.iat, (iat) => iat <= now + grace, "at or before now + grace", now));
  add({ check: "claims", outcome: typeof claims.sub === "string" ? "pass" : "fail", expected: "Cognito's claim types (sub, scope, cognito:groups, …)", found: { sub: typeof claims.sub } });

  const hasList = options.revocations !== undefined || options.isRevoked !== undefined;
  add({ check: "revocation", outcome: hasList ? (auth !== undefined ? "pass" : "skipped") : "skipped", ...(hasList ? {} : { detail: "no revocation list configured" }) });
  const scopes = typeof claims.scope === "string" ? claims.scope.split(" ").filter(Boolean) : [];
  const groups = Array.isArray(claims["cognito:groups"]) ? (claims["cognito:groups"] as unknown[]) : [];
  add(requirementCheck("scopes", policy?.scopes, scopes, auth));
  add(requirementCheck("groups", policy?.groups, groups, auth));
  return checks;
}

function kindOf(claims: Record<string, unknown> | undefined): CallerKind | undefined {
  return claims === undefined ? undefined : callerKindOf(claims as Pick<CognitoAccessTokenClaims, "sub" | "client_id" | "username">);
}

function skipped(names: ExplainCheckName[]): ExplainCheck[] {
  return names.map((check) => ({ check, outcome: "skipped", detail: "the token does not decode" }));
}

function signatureKey(context: ExplainContext, decoded: Decoded, policy: IssuerPolicy | undefined): UsableJwk | undefined {
  const kid = decoded.header.kid;
  return policy !== undefined && typeof kid === "string" ? context.cachedKey(policy.jwksUri, kid) : undefined;
}

async function signatureOutcome(decoded: Decoded, jwk: UsableJwk | undefined): Promise<Omit<ExplainCheck, "check">> {
  if (jwk === undefined) return { outcome: "skipped", detail: "no key to check it with" };
  try {
    const ok = await runtime.verifySignature(jwk, String(decoded.header.alg), decoded.signingInput, decodeBase64Url(decoded.signature));
    return { outcome: ok ? "pass" : "fail", detail: ok ? `valid for key ${jwk.kid}` : `not made by key ${jwk.kid}` };
  } catch {
    return { outcome: "fail", detail: "the signature cannot be checked with this key and algorithm" };
  }
}

function timeCheck(check: ExplainCheckName, value: unknown, ok: (seconds: number) => boolean, expected: string, now: number): ExplainCheck {
  if (typeof value !== "number" || !Number.isFinite(value)) return { check, outcome: "fail", expected: `a number of seconds, ${expected}`, found: value };
  const delta = Math.round(value - now);
  return { check, outcome: ok(value) ? "pass" : "fail", expected, found: `${value} (${new Date(value * 1000).toISOString()}, ${delta >= 0 ? "in" : ""} ${Math.abs(delta)} s${delta < 0 ? " ago" : ""})`.replace("  ", " ") };
}

function requirementCheck(check: "scopes" | "groups", required: AnyOrAll | undefined, found: unknown[], auth: CognitoAuth | undefined): ExplainCheck {
  if (required === undefined) return { check, outcome: "skipped", detail: `no ${check} required by the verifier`, found };
  const names = [...required.names];
  const has = (name: string) => found.includes(name);
  const ok = required.mode === "allOf" ? names.every(has) : names.some(has);
  return { check, outcome: ok || auth !== undefined ? "pass" : "fail", expected: { [required.mode]: names }, found };
}

function issuerHint(seen: ReturnType<typeof describeIssuer>, issuers: readonly IssuerPolicy[]): string {
  const pool = issuers.find((candidate) => candidate.userPoolId === seen.userPoolId);
  if (pool === undefined) return `a token of user pool ${seen.userPoolId}, which this verifier is not configured for`;
  if (seen.form === "regional") return `a token of this pool issued in ${seen.region}: add it to replicaRegions if the pool is replicated there`;
  return `the ${seen.form} form of another Region (${seen.region})`;
}
