import { STATUS_CODES, type IncomingMessage, type ServerResponse } from "node:http";
import { randomBytes, type JsonWebKey } from "node:crypto";

/** Fault modes for the JWKS endpoint. Every other route stays healthy. */
export type JwksFault =
  /** Connections are destroyed at once (the client sees ECONNRESET / "socket hang up"). */
  | { mode: "down" }
  /** Answers with that status (default 500) and a small JSON body. */
  | { mode: "status"; status?: number }
  /** 200 with an HTML page, content-type text/html (a captive portal, a misrouted proxy). */
  | { mode: "html" }
  /** 200 with a body that is not JSON. */
  | { mode: "garbage" }
  /** 200 with well-formed JSON `{ keys: [...] }`: the published kids, each with a symmetric (kty "oct") key that no verifier may use. */
  | { mode: "invalid-keys" }
  /** 200 with `{ "keys": [] }`. */
  | { mode: "empty" }
  /** Waits delayMs (default 10000) and then answers normally. */
  | { mode: "slow"; delayMs?: number }
  /**
   * 200 with a valid JSON JWKS of `bytes` bytes (default 5 MiB), streamed in
   * chunks. Set `contentLength: true` to announce the size up front; by default
   * the body is chunked, so a client has to count bytes to enforce a limit.
   */
  | { mode: "huge"; bytes?: number; contentLength?: boolean };

export const DEFAULT_FAULT_STATUS = 500;
export const DEFAULT_SLOW_DELAY_MS = 10_000;
export const DEFAULT_HUGE_BYTES = 5 * 1024 * 1024;

// setTimeout fires at once for larger delays, which would silently turn "slow" into "healthy".
const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/** Rejects faults the server could not honour, at setFault() time rather than on the next request. */
export function validateFault(fault: JwksFault | null): JwksFault | null {
  if (fault === null) return null;
  switch (fault.mode) {
    case "down":
    case "html":
    case "garbage":
    case "invalid-keys":
    case "empty":
      return { ...fault };
    case "status": {
      const status = fault.status ?? DEFAULT_FAULT_STATUS;
      // 1xx are interim responses and cannot end a request.
      if (!Number.isInteger(status) || status < 200 || status > 599) {
        throw new RangeError(`fault status must be an integer from 200 to 599, got ${String(fault.status)}`);
      }
      return { mode: "status", status };
    }
    case "slow": {
      const delayMs = fault.delayMs ?? DEFAULT_SLOW_DELAY_MS;
      if (!Number.isFinite(delayMs) || delayMs < 0 || delayMs > MAX_TIMER_DELAY_MS) {
        throw new RangeError(`fault delayMs must be from 0 to ${MAX_TIMER_DELAY_MS}, got ${String(fault.delayMs)}`);
      }
      return { mode: "slow", delayMs };
    }
    case "huge": {
      const bytes = fault.bytes ?? DEFAULT_HUGE_BYTES;
      if (!Number.isSafeInteger(bytes) || bytes < 0) {
        throw new RangeError(`fault bytes must be a non-negative integer, got ${String(fault.bytes)}`);
      }
      return { mode: "huge", bytes, contentLength: fault.contentLength ?? false };
    }
    default:
      throw new TypeError(`Unknown JWKS fault mode: ${JSON.stringify((fault as { mode?: unknown }).mode)}`);
  }
}

export interface FaultContext {
  /** The JWKS keys currently published. */
  readonly keys: () => JsonWebKey[];
  /** Answers as a healthy server would, with the keys published at that moment. */
  readonly serveHealthy: () => void;
  /** setTimeout whose timer the server clears on close(). */
  readonly schedule: (callback: () => void, delayMs: number) => void;
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  // These statuses must not carry a body; Node would drop it but keep the length header.
  if (status === 204 || status === 304) {
    res.writeHead(status);
    res.end();
    return;
  }
  res.writeHead(status, { "content-type": contentType, "content-length": Buffer.byteLength(body) });
  res.end(body);
}

/** Answers a JWKS request according to a fault that went through validateFault(). */
export function serveFault(fault: JwksFault, req: IncomingMessage, res: ServerResponse, context: FaultContext): void {
  switch (fault.mode) {
    case "down":
      req.socket.destroy();
      return;
    case "status": {
      const status = fault.status ?? DEFAULT_FAULT_STATUS;
      send(res, status, "application/json", JSON.stringify({ message: STATUS_CODES[status] ?? "Error" }));
      return;
    }
    case "html":
      send(
        res,
        200,
        "text/html; charset=utf-8",
        "<!DOCTYPE html>\n<html><head><title>Sign in to the network</title></head>" +
          "<body><h1>Sign in to the network</h1></body></html>\n",
      );
      return;
    case "garbage":
      // Starts like a JWKS so a client cannot tell it apart before parsing.
      send(res, 200, "application/json", '{"keys":[{"kid":"garbage","kty":"RSA",');
      return;
    case "invalid-keys":
      send(res, 200, "application/json", JSON.stringify({ keys: unusableKeys(context.keys()) }));
      return;
    case "empty":
      send(res, 200, "application/json", JSON.stringify({ keys: [] }));
      return;
    case "slow":
      context.schedule(context.serveHealthy, fault.delayMs ?? DEFAULT_SLOW_DELAY_MS);
      return;
    case "huge":
      streamHugeJwks(res, context.keys(), fault.bytes ?? DEFAULT_HUGE_BYTES, fault.contentLength ?? false);
      return;
  }
}

// Each entry keeps a real kid, so a verifier finds the kid it is looking for
// and has to notice that the key itself is unusable (rather than "unknown kid").
// A symmetric ("oct") key is the one defect every verifier must reject: corrupt
// RSA material would not do, because Node's lenient base64url decoder turns
// almost any string into a (degenerate) RSA key, which then only fails as a
// bad signature.
function unusableKeys(keys: JsonWebKey[]): JsonWebKey[] {
  const kids = keys.length > 0 ? keys : [{ kid: "unusable", alg: "RS256" }];
  return kids.map(
    (jwk): JsonWebKey => ({ kid: jwk.kid, alg: jwk.alg, kty: "oct", use: "sig", k: randomBytes(32).toString("base64url") }),
  );
}

const CHUNK_BYTES = 64 * 1024;

function fillerKey(index: number): string {
  // Shaped like a 2048-bit RSA JWK so that only the size gives it away.
  return JSON.stringify({ kid: `filler-${index}`, alg: "RS256", kty: "RSA", use: "sig", n: "A".repeat(342), e: "AQAB" });
}

/**
 * Streams `{"keys":[<real keys>,<filler keys>...]}`, padded with JSON whitespace
 * to exactly `bytes` bytes (or the smallest valid document when `bytes` is too
 * small for one). Honours back-pressure and stops as soon as the client goes away.
 */
function streamHugeJwks(res: ServerResponse, keys: JsonWebKey[], bytes: number, contentLength: boolean): void {
  const head = `{"keys":[${keys.map((k) => JSON.stringify(k)).join(",")}`;
  const tail = "]}";
  const total = Math.max(bytes, Buffer.byteLength(head) + tail.length);
  let remaining = total - Buffer.byteLength(head) - tail.length;
  let index = 0;
  let first = keys.length === 0;
  let stopped = false;

  const nextChunk = (): string => {
    let chunk = "";
    while (chunk.length < CHUNK_BYTES && remaining > 0) {
      const entry = (first ? "" : ",") + fillerKey(index);
      if (entry.length <= remaining) {
        chunk += entry;
        remaining -= entry.length;
        first = false;
        index++;
      } else {
        const pad = Math.min(remaining, CHUNK_BYTES);
        chunk += " ".repeat(pad);
        remaining -= pad;
      }
    }
    return chunk;
  };

  const pump = (): void => {
    while (!stopped) {
      if (remaining === 0) {
        res.end(tail);
        return;
      }
      if (!res.write(nextChunk())) {
        res.once("drain", pump);
        return;
      }
    }
  };

  res.once("close", () => {
    stopped = true;
  });
  res.writeHead(200, {
    "content-type": "application/json",
    ...(contentLength ? { "content-length": total } : {}),
  });
  res.write(head);
  pump();
}
