// Behind an AWS Application Load Balancer with Cognito authentication: the ALB
// forwards the Cognito access token in `x-amzn-oidc-accesstoken` and signs its
// own ES256 JWT, `x-amzn-oidc-data`, naming itself in the header's `signer`.
// With the `alb` option the access token is read from there (never from
// Authorization), and the data JWT must verify with aws-jwt-verify's
// AlbJwtVerifier: the ALB's signature, `signer` one of the configured ALB ARNs
// (the "ALBeast" lesson: any ALB in any account signs with the same regional
// keys, so a signature alone proves nothing), `iss` the pool's, `client` the
// app client, `exp`; and its `sub` and `iss` must be the access token's.
//
// The ALB's public keys are PEM files at `<keyUrl>/<kid>`. The kid comes from
// the request, so fetches are bounded: known keys are kept (a few), kids the
// endpoint does not know are remembered as such for a while, and at most
// `maxKeyFetches` kids not seen before are fetched per `keyFetchWindowSeconds`.
import { AlbJwtVerifier } from "aws-jwt-verify";
import { AlbJwtInvalidSignerError, FetchError, JwtWithoutValidKidError } from "aws-jwt-verify/error";
import type { Jwk, JwkWithKid, Jwks, JwksCache } from "aws-jwt-verify/jwk";
import type { JwtHeader, JwtPayload } from "aws-jwt-verify/jwt-model";
import type { CognitoAuth } from "./auth.js";
import { AuthError } from "./errors.js";
import { OptionsError } from "./option-error.js";
import { assertKnownKeys } from "./option-keys.js";
import { runtime } from "#runtime";

/** The `alb` option of createVerifier(): tokens forwarded by an ALB's Cognito authentication. */
export interface AlbOptions {
  /** The ARN(s) of your load balancer(s): `x-amzn-oidc-data`'s `signer` must be one of them. */
  albArn: string | readonly string[];
  /**
   * Where the ALB's ES256 public keys are served, as `<keyUrl>/<kid>` (PEM).
   * Default: `https://public-keys.auth.elb.<region>.amazonaws.com`, the Region taken from the ARN.
   */
  keyUrl?: string | undefined;
  /** Key endpoint timeout in milliseconds. Default 3000. */
  timeoutMs?: number | undefined;
  /** At most this many kids not seen before are fetched per window. Default 5. */
  maxKeyFetches?: number | undefined;
  /** The window of `maxKeyFetches`, and how long a kid the endpoint does not know is remembered, in seconds. Default 60. */
  keyFetchWindowSeconds?: number | undefined;
}

const ALB_OPTION_KEYS = ["albArn", "keyUrl", "timeoutMs", "maxKeyFetches", "keyFetchWindowSeconds"] as const satisfies readonly (keyof AlbOptions)[];
const ALB_ARN = /^arn:(?:aws|aws-cn|aws-us-gov):elasticloadbalancing:([a-z]{2}-(?:gov-)?[a-z]+-\d):\d{12}:loadbalancer\/app\/.+$/;
/** Keys kept: an ALB signs with few keys per Region at a time. */
const MAX_KEYS = 8;
/** Kids remembered as unknown, at most. */
const MAX_UNKNOWN_KIDS = 1024;

export interface ResolvedAlbOptions {
  albArns: readonly string[];
  keyUrl: string;
  timeoutMs: number;
  maxKeyFetches: number;
  keyFetchWindowSeconds: number;
}

/**
 * The request headers an adapter hands to core: Node's header object (or a
 * Lambda event's, any case), a Fetch `Headers`, or Node's `rawHeaders` (name,
 * value, name, value...), which spares Node building `req.headers`.
 */
export type HeaderSource = { get(name: string): string | null } | Readonly<Record<string, string | string[] | undefined>> | readonly string[];

export const ALB_ACCESS_TOKEN_HEADER = "x-amzn-oidc-accesstoken";
export const ALB_DATA_HEADER = "x-amzn-oidc-data";

export function resolveAlbOptions(value: unknown): ResolvedAlbOptions | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw new OptionsError("alb must be an object: { albArn }");
  assertKnownKeys(value, ALB_OPTION_KEYS, "alb.");
  const options = value as AlbOptions;
  const arns = typeof options.albArn === "string" ? [options.albArn] : options.albArn;
  if (!Array.isArray(arns) || arns.length === 0 || arns.some((arn) => typeof arn !== "string" || !ALB_ARN.test(arn))) {
    throw new OptionsError(
      'alb.albArn is required: the ARN of your Application Load Balancer (e.g. "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/my-alb/50dc6c495c0c9188"), or a non-empty array of them',
    );
  }
  const regions = new Set(arns.map((arn: string) => ALB_ARN.exec(arn)![1]));
  let keyUrl = options.keyUrl;
  if (keyUrl === undefined) {
    if (regions.size > 1) throw new OptionsError("alb.albArn lists load balancers of several Regions: their keys are served per Region, use one verifier per Region");
    keyUrl = `https://public-keys.auth.elb.${[...regions][0]}.amazonaws.com`;
  } else {
    let url: URL;
    try {
      url = new URL(keyUrl);
    } catch {
      throw new OptionsError(`alb.keyUrl must be an absolute http(s) URL, got "${String(keyUrl)}"`);
    }
    if (url.protocol !== "https:" && url.protocol !== "http:") throw new OptionsError(`alb.keyUrl must be an http(s) URL, got "${keyUrl}"`);
  }
  return {
    albArns: [...arns],
    keyUrl: keyUrl.replace(/\/+$/, ""),
    timeoutMs: positive("alb.timeoutMs", options.timeoutMs, 3000),
    maxKeyFetches: positive("alb.maxKeyFetches", options.maxKeyFetches, 5),
    keyFetchWindowSeconds: positive("alb.keyFetchWindowSeconds", options.keyFetchWindowSeconds, 60),
  };
}

function positive(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) throw new OptionsError(`${name} must be a positive number`);
  return value;
}

/** A request header: the first value, case-insensitively for a plain object. */
export function readHeader(headers: HeaderSource | undefined, name: string, realm: string): string | undefined {
  if (headers === undefined || headers === null) return undefined;
  if (typeof (headers as { get?: unknown }).get === "function") return (headers as { get(name: string): string | null }).get(name) || undefined;
  if (Array.isArray(headers)) {
    let found: string | undefined;
    for (let i = 0; i + 1 < headers.length; i += 2) {
      if ((headers[i] as string).toLowerCase() !== name) continue;
      if (found !== undefined) throw new AuthError("malformed_credentials", { realm, description: `Several ${name} headers were sent` });
      found = headers[i + 1] as string;
    }
    return found || undefined;
  }
  const record = headers as Readonly<Record<string, string | string[] | undefined>>;
  let value = record[name];
  if (value === undefined) {
    // Lambda events and hand-made objects may keep the sender's case.
    for (const key of Object.keys(record)) if (key.toLowerCase() === name) value = record[key];
  }
  if (Array.isArray(value)) {
    if (value.length > 1) throw new AuthError("malformed_credentials", { realm, description: `Several ${name} headers were sent` });
    value = value[0];
  }
  return typeof value === "string" && value.length > 0 ? value : undefined;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** aws-jwt-verify's JwksCache for the ALB's per-kid PEM keys, with the fetch bounds above. */
class AlbKeyCache implements JwksCache {
  private readonly keys = new Map<string, JwkWithKid>();
  private readonly unknownUntil = new Map<string, number>();
  private readonly fetching = new Map<string, Promise<JwkWithKid>>();
  private windowStart = 0;
  private fetchesInWindow = 0;

  constructor(private readonly options: ResolvedAlbOptions) {}

  getCachedJwk(_jwksUri: string, decomposed: { header: JwtHeader }): JwkWithKid {
    const jwk = this.keys.get(kidOf(decomposed.header));
    if (jwk === undefined) throw new NotCached();
    return jwk;
  }

  getJwk(_jwksUri: string, decomposed: { header: JwtHeader }): Promise<JwkWithKid> {
    const kid = kidOf(decomposed.header);
    const known = this.keys.get(kid);
    if (known !== undefined) return Promise.resolve(known);
    const pending = this.fetching.get(kid);
    if (pending !== undefined) return pending;
    const now = Date.now();
    const until = this.unknownUntil.get(kid);
    if (until !== undefined && until > now) return Promise.reject(unknownKey());
    const windowMs = this.options.keyFetchWindowSeconds * 1000;
    if (now - this.windowStart >= windowMs) {
      this.windowStart = now;
      this.fetchesInWindow = 0;
    }
    if (this.fetchesInWindow >= this.options.maxKeyFetches) return Promise.reject(unknownKey());
    this.fetchesInWindow++;
    const fetched = this.fetch(kid).finally(() => this.fetching.delete(kid));
    this.fetching.set(kid, fetched);
    return fetched;
  }

  private async fetch(kid: string): Promise<JwkWithKid> {
    let body: Uint8Array;
    try {
      body = await runtime.fetchJwksBody(`${this.options.keyUrl}/${encodeURIComponent(kid)}`, { timeoutMs: this.options.timeoutMs, maxResponseBytes: 4096 });
    } catch (err) {
      const status = (err as { status?: unknown }).status;
      // The endpoint answered that it has no such key: the data header's fault, remembered.
      if (status === 403 || status === 404) {
        if (this.unknownUntil.size >= MAX_UNKNOWN_KIDS) this.unknownUntil.delete(this.unknownUntil.keys().next().value as string);
        this.unknownUntil.set(kid, Date.now() + this.options.keyFetchWindowSeconds * 1000);
        throw unknownKey();
      }
      throw new AuthError("alb_keys_unavailable", { cause: err });
    }
    let jwk: Jwk;
    try {
      jwk = await pemToJwk(new TextDecoder().decode(body));
    } catch (cause) {
      throw new AuthError("alb_keys_unavailable", { cause: new FetchError(this.options.keyUrl, `the key ${kid} is not an ES256 public key (${String(cause)})`) });
    }
    const usable: JwkWithKid = { ...jwk, kid, use: "sig", alg: "ES256" };
    if (this.keys.size >= MAX_KEYS) this.keys.delete(this.keys.keys().next().value as string);
    this.keys.set(kid, usable);
    return usable;
  }

  addJwks(): void {}

  getJwks(): Promise<Jwks> {
    return Promise.reject(new Error("the ALB publishes no JWKS"));
  }
}

function kidOf(header: JwtHeader): string {
  const kid = header.kid;
  if (typeof kid !== "string" || !UUID.test(kid)) throw new JwtWithoutValidKidError("JWT header does not have valid kid claim");
  return kid;
}

function unknownKey(): AuthError {
  return new AuthError("alb_data_invalid", { description: "The ALB data is signed by an unknown key" });
}

/** A PEM SubjectPublicKeyInfo of a P-256 key as a JWK, through Web Crypto (Node and the web alike). */
async function pemToJwk(pem: string): Promise<Jwk> {
  const base64 = pem.replace(/-----(BEGIN|END) PUBLIC KEY-----/g, "").replace(/\s+/g, "");
  const der = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  const key = await crypto.subtle.importKey("spki", der, { name: "ECDSA", namedCurve: "P-256" }, true, ["verify"]);
  return (await crypto.subtle.exportKey("jwk", key)) as unknown as Jwk;
}

interface AlbVerifierLike {
  verify(token: string): Promise<JwtPayload>;
  verifySync(token: string): JwtPayload;
}

/** Checks `x-amzn-oidc-data` against an access token already verified. */
export class AlbDataCheck {
  private readonly verifier: AlbVerifierLike;

  constructor(options: ResolvedAlbOptions, issuers: readonly string[], clientIds: readonly string[]) {
    const cache = new AlbKeyCache(options);
    this.verifier = AlbJwtVerifier.create(
      issuers.map((issuer) => ({ issuer, albArn: [...options.albArns], clientId: [...clientIds], jwksUri: options.keyUrl })) as never,
      { jwksCache: cache },
    ) as unknown as AlbVerifierLike;
  }

  /** The auth object when the data header vouches for it; throws or rejects with an AuthError otherwise. */
  check(auth: CognitoAuth, data: string | undefined, realm: string): CognitoAuth | Promise<CognitoAuth> {
    if (data === undefined) throw refusal("alb_data_invalid", realm, "The x-amzn-oidc-data header is missing");
    if (runtime.syncSignatures) {
      try {
        return matches(auth, this.verifier.verifySync(data), realm);
      } catch (err) {
        if (!(err instanceof NotCached)) throw asRefusal(err, realm);
      }
    }
    // The key is not cached (or Web Crypto, which has no synchronous verify): fetch, bounded, and verify.
    return this.verifier.verify(data).then(
      (payload) => matches(auth, payload, realm),
      (err: unknown) => Promise.reject(asRefusal(err, realm)),
    );
  }
}

/** The key of a data header is not cached: the synchronous path gives way to the asynchronous one. */
class NotCached extends Error {}

function matches(auth: CognitoAuth, payload: JwtPayload, realm: string): CognitoAuth {
  if (payload.sub !== auth.sub || payload.iss !== auth.issuer) throw refusal("alb_mismatch", realm);
  return auth;
}

function refusal(reason: "alb_data_invalid" | "alb_signer" | "alb_mismatch" | "alb_keys_unavailable", realm: string, description?: string, cause?: unknown): AuthError {
  return new AuthError(reason, { realm, description, cause });
}

/** Anything the ALB verifier threw, as an AuthError of the ALB's reasons (with the verifier's realm). */
function asRefusal(err: unknown, realm: string): AuthError {
  if (err instanceof AuthError) return new AuthError(err.reason, { realm, description: err.message, cause: err.cause });
  if (err instanceof AlbJwtInvalidSignerError) return refusal("alb_signer", realm);
  // Signature, exp, iss, client, malformed: aws-jwt-verify's message quotes header content, so it is not kept.
  return refusal("alb_data_invalid", realm);
}
