// What core needs from the JavaScript runtime it runs on, and nothing else:
// the JWKS request, loading and checking keys, timers that must not keep a
// process alive, warnings, the environment, and sealing. Every other module
// of core is runtime-neutral and reaches these through `#runtime`, a subpath
// import in core's package.json whose conditions pick node.ts on Node (and
// under Jest) and web.ts where bundlers target Workers, edge runtimes,
// browsers, Deno and Bun (conditions workerd, worker, edge-light, browser,
// deno, bun). The choice is made when the module is resolved, so no `node:`
// import is reachable from the web build.
import type { Jwk } from "aws-jwt-verify/jwk";
import type { Sealer } from "../adapter/seal.js";

export interface FetchLimits {
  timeoutMs: number;
  maxResponseBytes: number;
}

export interface Runtime {
  /** Which implementation this is: reported in errors and docs, never branched on by core's modules. */
  readonly name: "node" | "web";
  /**
   * Whether a signature can be checked synchronously here (Node's crypto):
   * a cache miss whose key is cached then needs no promise. Web Crypto is
   * asynchronous, so on the web every miss is.
   */
  readonly syncSignatures: boolean;
  /**
   * GET a JWKS and resolve to its body: one deadline for the whole exchange,
   * at most `maxResponseBytes`, redirects not followed. Rejects with
   * aws-jwt-verify's FetchError, carrying `status` when the endpoint answered
   * something other than 200.
   */
  fetchJwksBody(uri: string, limits: FetchLimits): Promise<Uint8Array>;
  /** Whether a JWK's key material loads as a public key for signature checks. */
  loadsAsPublicKey(jwk: Jwk): Promise<boolean>;
  /** Check a JWS signature (`explain()`); rejects when the key and algorithm cannot be used together. */
  verifySignature(jwk: Jwk, alg: string, signingInput: string, signature: Uint8Array): Promise<boolean>;
  /** setTimeout that never keeps a process (or a test run) alive; clear it with clearTimeout. */
  setTimeoutUnref(callback: () => void, delayMs: number): ReturnType<typeof setTimeout>;
  /** Report an operational problem to the operator (Node: a process warning with this code). */
  warn(message: string, code: string): void;
  /** A variable of the process environment, where the runtime has one. */
  environment(name: string): string | undefined;
  /** AES-256-GCM records under HKDF-derived keys (adapter/seal.ts); Node only. */
  createSealer(secrets: readonly (string | Uint8Array)[], info: string): Sealer;
}
