// What a test starts (servers on 127.0.0.1, verifiers with their JWKS caches
// and timers) and must stop, so that Jest exits cleanly and a failing test does
// not leak into the next.
import type { RequestListener, ServerOptions } from "node:http";
import type { Verifier } from "@cognito-bearer/core";
import { serve, type RunningServer } from "./server.js";

export interface TestResources {
  /** Closes a verifier, or the verifier of a middleware or listener, after the test. */
  track<T extends Verifier | { readonly verifier: Verifier }>(value: T): T;
  /** Serves `listener` until the end of the test; resolves to its base URL. */
  serve(listener: RequestListener, options?: ServerOptions): Promise<string>;
}

/** Resources closed after each test of the enclosing describe block (or file). */
export function closedAfterEach(): TestResources {
  const servers: RunningServer[] = [];
  const verifiers: Verifier[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
    for (const v of verifiers.splice(0)) v.close();
  });
  return {
    track(value) {
      verifiers.push("verifier" in value ? value.verifier : value);
      return value;
    },
    async serve(listener, options) {
      const running = await serve(listener, options);
      servers.push(running);
      return running.url;
    },
  };
}
