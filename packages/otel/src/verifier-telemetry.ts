// The verifier's onEvent hook as metrics and spans. Events arrive after the
// fact with their duration, so each span is started back-dated to when the work
// began, in the active context: a child of the framework's server span when
// an HTTP instrumentation made one. Nothing here sees the token.
import { SpanKind, SpanStatusCode, context, trace, type Attributes, type Counter, type Histogram, type Meter, type Tracer } from "@opentelemetry/api";
import type { JwksFetchEvent, RejectedEvent, VerifiedEvent, Verifier, VerifyEvent } from "@cognito-bearer/core";
import { ATTRIBUTES, METRICS, SPANS, type Outcome } from "./names.js";
import { backdatedSpan } from "./spans.js";
import { ObservedSet } from "./observed-set.js";

/** Seconds: verifications take microseconds on a cache hit, up to the JWKS timeout on a cold start. */
const VERIFY_BUCKETS = [0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.25, 1, 5];
const FETCH_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * How verifications answered from the verified-token cache are reported.
 * - `"counted"` (default): each one is one increment of a plain number; the
 *   counts are reported at collection time by the observable counter
 *   `cognito_bearer.verification.cache_hits` (by issuer form). No histogram
 *   point and no span of ours; with traces on, the verification's attributes
 *   (outcome, cached, issuer form) are set on the active span (the
 *   framework's server span) if there is one. Everything else is recorded as
 *   usual. This is what keeps a cache hit within the issue's 5% budget.
 * - `"recorded"`: each one is a point of the duration histogram
 *   (`cognito_bearer.cached=true`) and, with traces on, a span: an exact
 *   latency distribution of cache hits, at the OTel SDK's cost (every
 *   `histogram.record` hashes its attribute set: sorts the keys,
 *   JSON.stringify; about 1.5–2 µs per call, +40% of a node:http request).
 */
export type CacheHitReporting = "recorded" | "counted";

export interface VerifierTelemetryOptions {
  /** Record the token's `sub` as `enduser.id` on verification spans. Default false: a `sub` is personal data. */
  recordSub?: boolean | undefined;
  /** Default `"counted"`. See {@link CacheHitReporting}. */
  cacheHits?: CacheHitReporting | undefined;
}

const ISSUER_FORMS = ["regional", "global", "override"] as const;

/**
 * The attribute sets of a successful verification, made once and frozen:
 * [cached ? 1 : 0][issuer form index]. The hot path allocates nothing.
 */
const VERIFIED_ATTRIBUTES: readonly (readonly Attributes[])[] = [false, true].map((cached) =>
  ISSUER_FORMS.map((form) => Object.freeze({ [ATTRIBUTES.outcome]: "success", [ATTRIBUTES.cached]: cached, [ATTRIBUTES.issuerForm]: form })),
);
const CACHE_HIT_ATTRIBUTES: readonly Attributes[] = ISSUER_FORMS.map((form) => Object.freeze({ [ATTRIBUTES.issuerForm]: form }));
/** A counted cache hit's attributes on the active span: a successful, cached verification. */
const CACHE_HIT_SPAN_ATTRIBUTES: readonly Attributes[] = VERIFIED_ATTRIBUTES[1]!;

/** The attribute sets of a refusal (reasons and statuses are a small, fixed set). */
interface RefusalAttributes {
  duration: Attributes;
  refusal: Attributes;
  span: Attributes;
}

/** The outcome of a refusal, from its HTTP status: 503 is the server's fault, the rest the token's. */
export function outcomeOf(status: number): Outcome {
  return status === 503 ? "unavailable" : "failure";
}

/** Which form of Cognito issuer a token came from. */
export function issuerFormOf(issuer: string): "regional" | "global" | "override" {
  return ISSUER_FORMS[issuerFormIndex(issuer)]!;
}

function issuerFormIndex(issuer: string): number {
  if (issuer.startsWith("https://cognito-idp.")) return 0;
  if (issuer.startsWith("https://issuer-cognito-idp.")) return 1;
  return 2;
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
  /** Issuer → issuer form index; a verifier accepts a handful of issuers. */
  private readonly issuerForms = new Map<string, number>();
  /** `cacheHits: "counted"`: cache hits by issuer form index, reported at collection. */
  private readonly cacheHitCounts: number[] | undefined;
  private readonly refusalAttributes = new Map<string, RefusalAttributes>();

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
    if (options.cacheHits !== "recorded") {
      const counts = (this.cacheHitCounts = ISSUER_FORMS.map(() => 0));
      meter
        .createObservableCounter(METRICS.cacheHits, { unit: "{verification}", description: "Verifications answered from the verified-token cache, by issuer form (cacheHits: \"counted\")" })
        .addCallback((result) => {
          for (let i = 0; i < counts.length; i++) if (counts[i]! > 0) result.observe(counts[i]!, CACHE_HIT_ATTRIBUTES[i]);
        });
    }
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
    let form = this.issuerForms.get(event.issuer);
    if (form === undefined) {
      form = issuerFormIndex(event.issuer);
      if (this.issuerForms.size < 64) this.issuerForms.set(event.issuer, form);
    }
    if (event.cached && this.cacheHitCounts !== undefined) {
      this.cacheHitCounts[form]!++;
      // No span of ours (a span costs microseconds): the outcome goes on the
      // framework's server span instead, when traces are on and there is one.
      // tracerProvider: false means nothing of ours on any span.
      if (this.tracer !== undefined) {
        const span = trace.getActiveSpan();
        if (span !== undefined) {
          span.setAttributes(CACHE_HIT_SPAN_ATTRIBUTES[form]!);
          if (this.options.recordSub === true) span.setAttribute(ATTRIBUTES.endUserId, event.sub);
        }
      }
      return;
    }
    const attributes = VERIFIED_ATTRIBUTES[event.cached ? 1 : 0]![form]!;
    this.duration.record(event.durationMs / 1000, attributes);
    if (this.tracer === undefined) return;
    const span = backdatedSpan(this.tracer, SPANS.verify, event.durationMs, SpanKind.INTERNAL, attributes, context.active());
    if (this.options.recordSub === true) span.setAttribute(ATTRIBUTES.endUserId, event.sub);
    span.end();
  }

  private rejected(event: RejectedEvent): void {
    const outcome = outcomeOf(event.status);
    const attributes = this.refusalAttributesOf(event.reason, event.status, outcome);
    this.duration.record(event.durationMs / 1000, attributes.duration);
    this.refusals.add(1, attributes.refusal);
    if (this.tracer === undefined) return;
    const span = backdatedSpan(this.tracer, SPANS.verify, event.durationMs, SpanKind.INTERNAL, attributes.span, context.active());
    // A refusal is the verifier doing its job; only a 503 is an error of this service.
    if (outcome === "unavailable") span.setStatus({ code: SpanStatusCode.ERROR, message: event.reason });
    span.end();
  }

  private refusalAttributesOf(reason: string, status: number, outcome: Outcome): RefusalAttributes {
    const key = `${reason} ${status}`;
    let attributes = this.refusalAttributes.get(key);
    if (attributes === undefined) {
      const duration = Object.freeze({ [ATTRIBUTES.outcome]: outcome, [ATTRIBUTES.errorType]: reason });
      attributes = {
        duration,
        refusal: Object.freeze({ [ATTRIBUTES.errorType]: reason, [ATTRIBUTES.httpStatus]: status }),
        span: Object.freeze({ ...duration, [ATTRIBUTES.httpStatus]: status }),
      };
      // Reasons (REJECT_REASONS) and statuses are a fixed set; the bound is a guard.
      if (this.refusalAttributes.size < 256) this.refusalAttributes.set(key, attributes);
    }
    return attributes;
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
