// A client-credentials source's counters, read when a metric reader collects.
// Its token-endpoint calls get spans and latency through `tracedFetch`.
import type { Meter } from "@opentelemetry/api";
import type { ClientCredentialsSource } from "@cognito-bearer/client-credentials";
import { METRICS } from "./names.js";
import { ObservedSet } from "./observed-set.js";

export class ClientCredentialsTelemetry {
  private readonly sources = new ObservedSet<Pick<ClientCredentialsSource, "stats" | "clientId">>();

  constructor(meter: Meter) {
    // client_id is not secret, and a service has few: a useful label for "which client costs what".
    meter.createObservableCounter(METRICS.clientCredentialsRequests, { description: "Requests to the token endpoint (retries included): what Cognito bills" }).addCallback((result) => {
      for (const source of this.sources) result.observe(source.stats.tokenRequests, { "cognito_bearer.client_id": source.clientId });
    });
    meter.createObservableCounter(METRICS.clientCredentialsCacheHits, { description: "Tokens taken from the shared cache instead of the token endpoint" }).addCallback((result) => {
      for (const source of this.sources) result.observe(source.stats.sharedCacheHits, { "cognito_bearer.client_id": source.clientId });
    });
  }

  /** Report this source's counters; returns a function that stops. */
  observe(source: Pick<ClientCredentialsSource, "stats" | "clientId">): () => void {
    return this.sources.add(source);
  }
}
