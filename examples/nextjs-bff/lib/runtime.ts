// What instrumentation.ts started (server/runtime.mjs), as every bundle of the app finds it.
import type { TokenHandlerOptions } from "@cognito-bearer/bff";

export interface Runtime {
  /** The BFF's options: the pool (or the local Cognito), the shared revocation list, the upstream under /api. */
  tokenHandlerOptions: TokenHandlerOptions;
  /** The orders API, on 127.0.0.1: server components and actions call it directly, the browser only through /api. */
  upstreamUrl: string;
}

export const RUNTIME_KEY = Symbol.for("cognito-bearer.example-nextjs-bff");

export function runtime(): Runtime {
  const found = (globalThis as { [key: symbol]: Runtime | undefined })[RUNTIME_KEY];
  // Only if instrumentation.ts did not run: `next dev`/`next start` always run it before serving a request.
  if (found === undefined) throw new Error("the runtime is not started: instrumentation.ts's register() did not run");
  return found;
}
