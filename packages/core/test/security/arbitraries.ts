// fast-check arbitraries shared by the fuzz suites: mutations of a valid token,
// token-shaped garbage, Cognito-ish claims of every type, and Authorization
// header values. Numbers of runs come from FUZZ_RUNS (`pnpm fuzz`), with a small
// default so that `pnpm test` stays quick.
import fc from "fast-check";

/** Runs per property: FUZZ_RUNS, or 200 in the regular test run. */
export const RUNS = Number(process.env.FUZZ_RUNS ?? 200);

const B64URL_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/** Printable ASCII (what an HTTP client can put in a header value). */
export const printableAscii = (maxLength = 120) =>
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)), maxLength });

/** One edit of a token string. Positions are fractions of the length, so they fit any token. */
export type Mutation =
  | { kind: "flip"; at: number; bit: number }
  | { kind: "replace"; at: number; char: string }
  | { kind: "insert"; at: number; text: string }
  | { kind: "delete"; at: number; count: number }
  | { kind: "truncate"; at: number }
  | { kind: "swap"; first: number; second: number }
  | { kind: "duplicate"; segment: number }
  | { kind: "drop"; segment: number }
  | { kind: "reencode"; segment: 0 | 1; style: "spaces" | "reorder" | "escape" | "standard-base64" | "padding" }
  | { kind: "signature"; style: "padding" | "trailing-bits" | "standard-base64" | "truncate-byte" | "extra-byte" };

const fraction = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant("flip" as const), at: fraction, bit: fc.integer({ min: 0, max: 6 }) }),
  fc.record({ kind: fc.constant("replace" as const), at: fraction, char: fc.oneof(fc.constantFrom(...B64URL_CHARS, ".", "=", "+", "/"), fc.string({ unit: "binary", minLength: 1, maxLength: 1 })) }),
  fc.record({ kind: fc.constant("insert" as const), at: fraction, text: fc.oneof(fc.constantFrom(".", "=", "==", " ", "A", "%00"), fc.string({ unit: "binary", minLength: 1, maxLength: 4 })) }),
  fc.record({ kind: fc.constant("delete" as const), at: fraction, count: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ kind: fc.constant("truncate" as const), at: fraction }),
  fc.record({ kind: fc.constant("swap" as const), first: fc.integer({ min: 0, max: 2 }), second: fc.integer({ min: 0, max: 2 }) }),
  fc.record({ kind: fc.constant("duplicate" as const), segment: fc.integer({ min: 0, max: 2 }) }),
  fc.record({ kind: fc.constant("drop" as const), segment: fc.integer({ min: 0, max: 2 }) }),
  fc.record({
    kind: fc.constant("reencode" as const),
    segment: fc.constantFrom(0 as const, 1 as const),
    style: fc.constantFrom("spaces" as const, "reorder" as const, "escape" as const, "standard-base64" as const, "padding" as const),
  }),
  fc.record({
    kind: fc.constant("signature" as const),
    style: fc.constantFrom("padding" as const, "trailing-bits" as const, "standard-base64" as const, "truncate-byte" as const, "extra-byte" as const),
  }),
);

/** 1 to 3 mutations in a row. */
export const mutations = fc.array(mutation, { minLength: 1, maxLength: 3 });

export function applyMutations(token: string, list: readonly Mutation[]): string {
  return list.reduce(applyMutation, token);
}

function applyMutation(token: string, m: Mutation): string {
  const index = (at: number) => Math.floor(at * token.length);
  const parts = token.split(".");
  switch (m.kind) {
    case "flip": {
      if (token.length === 0) return token;
      const i = index(m.at);
      return token.slice(0, i) + String.fromCharCode(token.charCodeAt(i) ^ (1 << m.bit)) + token.slice(i + 1);
    }
    case "replace": {
      if (token.length === 0) return m.char;
      const i = index(m.at);
      return token.slice(0, i) + m.char + token.slice(i + 1);
    }
    case "insert": {
      const i = index(m.at);
      return token.slice(0, i) + m.text + token.slice(i);
    }
    case "delete": {
      const i = index(m.at);
      return token.slice(0, i) + token.slice(i + m.count);
    }
    case "truncate":
      return token.slice(0, index(m.at));
    case "swap": {
      if (parts.length < 3) return token;
      [parts[m.first], parts[m.second]] = [parts[m.second], parts[m.first]];
      return parts.join(".");
    }
    case "duplicate":
      if (parts.length < 3) return token;
      parts.splice(m.segment, 0, parts[m.segment]);
      return parts.join(".");
    case "drop":
      if (parts.length < 3) return token;
      parts.splice(m.segment, 1);
      return parts.join(".");
    case "reencode":
      return reencode(parts, m.segment, m.style);
    case "signature":
      return resign(parts, m.style);
  }
}

/** The same header or payload JSON, spelled differently (the signature is left as it was). */
function reencode(parts: string[], segment: 0 | 1, style: "spaces" | "reorder" | "escape" | "standard-base64" | "padding"): string {
  if (parts.length < 3) return parts.join(".");
  const text = Buffer.from(parts[segment], "base64url").toString("utf8");
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return parts.join(".");
  }
  const copy = [...parts];
  switch (style) {
    case "spaces":
      copy[segment] = Buffer.from(JSON.stringify(value, null, 1)).toString("base64url");
      break;
    case "reorder":
      copy[segment] =
        value !== null && typeof value === "object" && !Array.isArray(value)
          ? Buffer.from(JSON.stringify(Object.fromEntries(Object.entries(value).reverse()))).toString("base64url")
          : copy[segment];
      break;
    case "escape":
      // \u0061 for "a": the same JSON value, other bytes.
      copy[segment] = Buffer.from(text.replace(/a/, "\\u0061")).toString("base64url");
      break;
    case "standard-base64":
      copy[segment] = Buffer.from(text).toString("base64").replace(/=+$/, "");
      break;
    case "padding":
      copy[segment] = Buffer.from(text).toString("base64");
      break;
  }
  return copy.join(".");
}

/** The same signature bytes spelled differently, or nearly the same bytes. */
function resign(parts: string[], style: "padding" | "trailing-bits" | "standard-base64" | "truncate-byte" | "extra-byte"): string {
  if (parts.length < 3) return parts.join(".");
  const copy = [...parts];
  const bytes = Buffer.from(copy[2], "base64url");
  switch (style) {
    case "padding":
      copy[2] = bytes.toString("base64");
      break;
    case "trailing-bits": {
      const last = B64URL_CHARS.indexOf(copy[2][copy[2].length - 1]);
      if (last >= 0) copy[2] = copy[2].slice(0, -1) + B64URL_CHARS[last ^ 1];
      break;
    }
    case "standard-base64":
      copy[2] = bytes.toString("base64").replace(/=+$/, "");
      break;
    case "truncate-byte":
      copy[2] = bytes.subarray(0, -1).toString("base64url");
      break;
    case "extra-byte":
      copy[2] = Buffer.concat([bytes, Buffer.from([0])]).toString("base64url");
      break;
  }
  return copy.join(".");
}

// ---------------------------------------------------------------------------
// Token-shaped input

const b64 = (value: unknown) => Buffer.from(typeof value === "string" ? value : JSON.stringify(value) ?? "null").toString("base64url");

/** Any JSON-ish value, including the wrong types for claims. */
export const claimValue = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string({ maxLength: 10 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 2 }),
);

/** Three (or a few) dot-separated segments of base64url over arbitrary JSON, text or bytes. */
export const tokenShaped: fc.Arbitrary<string> = fc
  .array(
    fc.oneof(
      fc.jsonValue({ maxDepth: 2 }).map(b64),
      fc.record({ alg: fc.oneof(fc.constantFrom("RS256", "none", "HS256", "ES256"), fc.string({ maxLength: 6 })), kid: fc.string({ maxLength: 12 }) }).map(b64),
      fc.string({ unit: "binary", maxLength: 30 }).map(b64),
      fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes).toString("base64url")),
      fc.string({ maxLength: 20 }),
    ),
    { minLength: 1, maxLength: 6 },
  )
  .map((segments) => segments.join("."));

/** Anything a caller might hand verify(): unicode, ASCII, token-shaped strings. */
export const anyTokenString: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: "binary", maxLength: 200 }),
  printableAscii(300),
  tokenShaped,
);

/** Authorization header values: printable ASCII only (valid for Node's HTTP client). */
export function authorizationHeader(tokens: fc.Arbitrary<string>): fc.Arbitrary<string> {
  const scheme = fc.constantFrom("Bearer", "bearer", "BEARER", "BeArEr", "Basic", "Bearer:", "Token", "");
  const spaces = fc.constantFrom(" ", "  ", "", "   ");
  return fc.oneof(
    printableAscii(200),
    fc.tuple(scheme, spaces, tokens, fc.constantFrom("", " ", " x", " Bearer abc", ",", "  ")).map((parts) => parts.join("")),
  );
}
