// The verifier's onEvent hook as metrics and spans. Events arrive after the
// fact with their duration, so each span is started back-dated to when the work
// began, in the active context: a child of the framework's server span when
// an HTTP instrumentation made one. Nothing here sees the token.
import { SpanKind, SpanStatusCode, context, type Attributes, type Counter, type Histogram, type Meter, type Tracer } from "@opentelemetry/api";
import type { JwksFetchEvent, RejectedEvent, VerifiedEvent, Verifier, VerifyEvent } from "@cognito-bearer/core";
import { ATTRIBUTES, METRICS, SPANS, type Outcome } from "./names.js";
import { backdatedSpan } from "./spans.js";
import { ObservedSet } from "./observed-set.js";

/** Seconds: verifications take microseconds on a cache hit, up to the JWKS timeout on a cold start. */
const VERIFY_BUCKETS = [0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.25, 1, 5];
const FETCH_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface VerifierTelemetryOptions {
  /** Record the token's `sub` as `enduser.id` on verification spans. Default false: a `sub` is personal data. */
  recordSub?: boolean | undefined;
}

/** The outcome of a refusal, from its HTTP status: 503 is the server's fault, the rest the token's. */
export function outcomeOf(status: number): Outcome {
  return status === 503 ? "unavailable" : "failure";
}

/** Which form of Cognito issuer a token came from. */
export function issuerFormOf(issuer: string): "regional" | "global" | "override" {
  if (issuer.startsWith("https://cognito-idp.")) return "regional";
  if (issuer.startsWith("https://issuer-cognito-idp.")) return "global";
  return "override";
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return "unknown";
  }
}

export class VerifierTelemetry {
  private readonly duration: Histogram;
  private readonly refusals: Counter;
  private readonly jwksFetches: Counter;
  private readonly jwksFetchDuration: Histogram;
  private readonly verifiers = new ObservedSet<Verifier>();

  constructor(
    meter: Meter,
    private readonly tracer: Tracer | undefined,
    private readonly options: VerifierTelemetryOptions,
  ) {
    this.duration = meter.createHistogram(METRICS.verificationDuration, {
      unit: "s",
      description: "Verifications of access tokens, by outcome, reason (error.type), cache hit and issuer form",
      advice: { explicitBucketBoundaries: VERIFY_BUCKETS },
    });
    this.refusals = meter.createCounter(METRICS.refusals, { description: "Refused verifications, by reason (error.type) and HTTP status" });
    this.jwksFetches = meter.createCounter(METRICS.jwksFetches, { description: "JWKS fetches, by outcome, HTTP status and trigger" });
    this.jwksFetchDuration = meter.createHistogram(METRICS.jwksFetchDuration, {
      unit: "s",
      description: "JWKS fetch duration",
      advice: { explicitBucketBoundaries: FETCH_BUCKETS },
    });
    meter.createObservableGauge(METRICS.jwksAge, { unit: "s", description: "Seconds since each key set was last fetched" }).addCallback((result) => {
      const now = Date.now();
      for (const verifier of this.verifiers) {
        for (const set of verifier.stats().jwks) {
          if (set.fetchedAt !== undefined) result.observe((now - set.fetchedAt) / 1000, { [ATTRIBUTES.serverAddress]: hostOf(set.servedBy ?? set.jwksUri) });
        }
      }
    });
    meter.createObservableGauge(METRICS.tokenCacheEntries, { unit: "{entry}", description: "Entries of the verified-token cache" }).addCallback((result) => {
      let entries = 0;
      for (const verifier of this.verifiers) entries += verifier.stats().cache?.size ?? 0;
      result.observe(entries);
    });
  }

  /** The verifier's `onEvent`. */
  readonly onEvent = (event: VerifyEvent): void => {
    if (event.type === "verified") this.verified(event);
    else if (event.type === "rejected") this.rejected(event);
    else if (event.type === "jwks_fetch") this.jwksFetch(event);
  };

  /** Report this verifier's cache size and key set age; returns a function that stops. */
  observe(verifier: Verifier): () => void {
    return this.verifiers.add(verifier);
  }

  private verified(event: VerifiedEvent): void {
    const attributes: Attributes = {
      [ATTRIBUTES.outcome]: "success",
      [ATTRIBUTES.cached]: event.cached,
      [ATTRIBUTES.issuerForm]: issuerFormOf(event.issuer),
    };
    this.duration.record(event.durationMs / 1000, attributes);
    if (this.tracer === undefined) return;
    const span = backdatedSpan(this.tracer, SPANS.verify, event.durationMs, SpanKind.INTERNAL, attributes, context.active());
    if (this.options.recordSub === true) span.setAttribute(ATTRIBUTES.endUserId, event.sub);
    span.end();
  }

  private rejected(event: RejectedEvent): void {
    const outcome = outcomeOf(event.status);
    const attributes: Attributes = { [ATTRIBUTES.outcome]: outcome, [ATTRIBUTES.errorType]: event.reason };
    this.duration.record(event.durationMs / 1000, attributes);
    this.refusals.add(1, { [ATTRIBUTES.errorType]: event.reason, [ATTRIBUTES.httpStatus]: event.status });
    if (this.tracer === undefined) return;
    const span = backdatedSpan(this.tracer, SPANS.verify, event.durationMs, SpanKind.INTERNAL, { ...attributes, [ATTRIBUTES.httpStatus]: event.status }, context.active());
    // A refusal is the verifier doing its job; only a 503 is an error of this service.
    if (outcome === "unavailable") span.setStatus({ code: SpanStatusCode.ERROR, message: event.reason });
    span.end();
  }

  private jwksFetch(event: JwksFetchEvent): void {
    const attributes: Attributes = {
      [ATTRIBUTES.outcome]: event.ok ? "success" : "failure",
      [ATTRIBUTES.jwksTrigger]: event.trigger,
      [ATTRIBUTES.serverAddress]: hostOf(event.jwksUri),
    };
    if (event.status !== undefined) attributes[ATTRIBUTES.httpStatus] = event.status;
    // error.type: a low-cardinality class of failure, not the free-text description.
    if (!event.ok) attributes[ATTRIBUTES.errorType] = event.status !== undefined ? String(event.status) : "unreachable";
    this.jwksFetches.add(1, attributes);
    this.jwksFetchDuration.record(event.durationMs / 1000, attributes);
    if (this.tracer === undefined) return;
    const span = backdatedSpan(this.tracer, SPANS.jwksFetch, event.durationMs, SpanKind.CLIENT, { ...attributes, "url.full": event.jwksUri }, context.active());
    if (!event.ok) span.setStatus({ code: SpanStatusCode.ERROR, message: event.error ?? "fetch failed" });
    span.end();
  }
}
