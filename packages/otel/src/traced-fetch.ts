// A fetch for Cognito's token endpoint that records a client span and the
// latency (client-credentials takes it as its `fetch` option). Only the method,
// host, path and status are recorded: the body holds the grant and the answer
// the tokens, the Authorization header the client secret.
import { SpanKind, SpanStatusCode, context, trace, type Histogram, type Meter, type Tracer } from "@opentelemetry/api";
import { ATTRIBUTES, METRICS, SPANS } from "./names.js";

const ENDPOINT_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function createTokenEndpointDuration(meter: Meter): Histogram {
  return meter.createHistogram(METRICS.tokenEndpointDuration, {
    unit: "s",
    description: "Calls to Cognito's token endpoint, by HTTP status",
    advice: { explicitBucketBoundaries: ENDPOINT_BUCKETS },
  });
}

export function tracedFetch(base: typeof fetch, duration: Histogram, tracer: Tracer | undefined): typeof fetch {
  return async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const method = init?.method ?? (input instanceof Request ? input.method : "GET");
    const attributes: Record<string, string | number> = { [ATTRIBUTES.httpMethod]: method, [ATTRIBUTES.serverAddress]: url.hostname };
    const span = tracer?.startSpan(SPANS.tokenEndpoint, { kind: SpanKind.CLIENT, attributes: { ...attributes, [ATTRIBUTES.urlPath]: url.pathname } }, context.active());
    const started = performance.now();
    try {
      const call = () => base(input, init);
      const response = await (span === undefined ? call() : context.with(trace.setSpan(context.active(), span), call));
      attributes[ATTRIBUTES.httpStatus] = response.status;
      if (response.status >= 400) attributes[ATTRIBUTES.errorType] = String(response.status);
      span?.setAttributes(attributes);
      if (response.status >= 500) span?.setStatus({ code: SpanStatusCode.ERROR });
      return response;
    } catch (err) {
      // The class of failure (TypeError: unreachable, TimeoutError, AbortError), never the message. Read by
      // duck typing: an error from another realm (a VM context, a test runner's) is no `instanceof Error` here.
      const name = (err as { name?: unknown } | null)?.name;
      attributes[ATTRIBUTES.errorType] = typeof name === "string" && name !== "" ? name : "unreachable";
      span?.setAttributes(attributes);
      span?.setStatus({ code: SpanStatusCode.ERROR, message: attributes[ATTRIBUTES.errorType] as string });
      throw err;
    } finally {
      duration.record((performance.now() - started) / 1000, attributes);
      span?.end();
    }
  };
}
