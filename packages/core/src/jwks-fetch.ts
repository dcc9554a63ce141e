// Fetching a JWKS with the limits aws-jwt-verify's own fetcher lacks: plain http
// for emulators and tests (its fetcher speaks https only), one deadline for the
// whole exchange, and a cap on the response size, so a slow or hostile endpoint
// can hold neither a request nor memory. Failures are aws-jwt-verify's error
// classes, which errors.ts maps to 503.
import { createPublicKey } from "node:crypto";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { FetchError, JwksValidationError } from "aws-jwt-verify/error";
import { assertIsJwks, type Jwk, type Jwks } from "aws-jwt-verify/jwk";
import { safeJsonParse } from "aws-jwt-verify/safe-json-parse";

export interface FetchLimits {
  timeoutMs: number;
  maxResponseBytes: number;
}

/** A JWK we can verify with: it has a kid, is meant for signatures, and its key material loads. */
export type UsableJwk = Jwk & { kid: string };

/** GET the JWKS and keep its usable signing keys; rejects when there are none. */
export async function fetchJwks(jwksUri: string, limits: FetchLimits): Promise<Map<string, UsableJwk>> {
  const body = await fetchBody(jwksUri, limits);
  let jwks: ReturnType<typeof safeJsonParse>;
  try {
    jwks = safeJsonParse(new TextDecoder("utf-8", { fatal: true }).decode(body));
  } catch {
    throw new JwksValidationError("JWKS is not valid JSON");
  }
  assertIsJwks(jwks);
  const keys = usableKeys(jwks);
  if (keys.size === 0) throw new JwksValidationError("JWKS has no usable signing key");
  return keys;
}

function usableKeys(jwks: Jwks): Map<string, UsableJwk> {
  const keys = new Map<string, UsableJwk>();
  for (const jwk of jwks.keys) {
    if (typeof jwk.kid !== "string" || jwk.kid === "" || keys.has(jwk.kid)) continue;
    if (jwk.use !== undefined && jwk.use !== "sig") continue;
    if (jwk.kty !== "RSA" && jwk.kty !== "EC" && jwk.kty !== "OKP") continue;
    try {
      const key = createPublicKey({ key: jwk as import("node:crypto").JsonWebKey, format: "jwk" });
      // Refuse RSA keys too short to be safe (RFC 7518 §3.3 requires 2048 bits).
      if (jwk.kty === "RSA" && (key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) continue;
    } catch {
      continue;
    }
    keys.set(jwk.kid, jwk as UsableJwk);
  }
  return keys;
}

function fetchBody(uri: string, { timeoutMs, maxResponseBytes }: FetchLimits): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const url = new URL(uri);
    const request = url.protocol === "http:" ? httpRequest : httpsRequest;
    let settled = false;
    const finish = (err: Error | null, body?: Buffer) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      if (err) {
        req.destroy();
        reject(err);
      } else {
        resolve(body!);
      }
    };
    const send = (retry: boolean) => {
      const attempt = request(url, { method: "GET", headers: { accept: "application/json", "user-agent": "cognito-bearer" } }, (res) => {
        readBody(res, uri, maxResponseBytes, finish);
      });
      attempt.on("error", (err: NodeJS.ErrnoException) => {
        // A kept-alive socket the server closed just as we reused it: retry once on
        // a new connection, within the same deadline (Node's documented remedy).
        if (retry && !settled && attempt.reusedSocket && err.code === "ECONNRESET") req = send(false);
        else finish(new FetchError(uri, `JWKS fetch failed: ${err.message}`));
      });
      attempt.end();
      return attempt;
    };
    let req = send(true);
    const deadline = setTimeout(() => finish(new FetchError(uri, `JWKS fetch timed out after ${timeoutMs} ms`)), timeoutMs);
    deadline.unref();
  });
}

function readBody(res: IncomingMessage, uri: string, maxBytes: number, finish: (err: Error | null, body?: Buffer) => void): void {
  if (res.statusCode !== 200) {
    res.resume();
    finish(Object.assign(new FetchError(uri, `JWKS endpoint answered ${res.statusCode}`), { status: res.statusCode }));
    return;
  }
  const declared = Number(res.headers["content-length"]);
  if (declared > maxBytes) {
    finish(new FetchError(uri, `JWKS response is larger than ${maxBytes} bytes`));
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  res.on("data", (chunk: Buffer) => {
    size += chunk.length;
    if (size > maxBytes) finish(new FetchError(uri, `JWKS response is larger than ${maxBytes} bytes`));
    else chunks.push(chunk);
  });
  res.on("end", () => finish(null, Buffer.concat(chunks)));
  res.on("error", (err) => finish(new FetchError(uri, `JWKS response failed: ${err.message}`)));
  // After "end" this is a no-op; before it, the connection dropped mid-body.
  res.on("close", () => finish(new FetchError(uri, "JWKS response ended early")));
}
