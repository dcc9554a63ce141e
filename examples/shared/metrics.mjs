// @ts-check
// COGNITO_METRICS=1: the examples' metrics in Prometheus's text format at
// GET /metrics, through @cognito-bearer/otel and OpenTelemetry's Prometheus
// exporter. OTel's exporter rather than prom-client: the instruments are
// defined once, in @cognito-bearer/otel, and Prometheus is one reader of them
// among others (an OTLP exporter would read the same ones). Unset, nothing of
// OpenTelemetry is even loaded.

/**
 * The config with metrics on when it asks for them (`config.metricsEnabled`,
 * from COGNITO_METRICS): its verifier hook also feeds the instruments, and
 * `metrics` serves them (listen() mounts GET /metrics; revocationsFromEnv()
 * reports the Redis list). Unchanged otherwise.
 * @template {{ metricsEnabled: boolean, cognito: { onEvent?: (event: import("@cognito-bearer/core").VerifyEvent) => void } }} C
 * @param {C} config
 * @returns {Promise<C & { metrics?: ExampleMetrics }>}
 */
export async function withMetrics(config) {
  if (!config.metricsEnabled) return config;
  const [{ MeterProvider }, { PrometheusExporter }, { createCognitoTelemetry }] = await Promise.all([
    import("@opentelemetry/sdk-metrics"),
    import("@opentelemetry/exporter-prometheus"),
    import("@cognito-bearer/otel"),
  ]);
  // No server of its own: /metrics is served on the example's port.
  const exporter = new PrometheusExporter({ preventServerStart: true });
  const meterProvider = new MeterProvider({ readers: [exporter] });
  // Metrics only: spans need an OTel SDK with an exporter, which is the application's to set up.
  const telemetry = createCognitoTelemetry({ meterProvider, tracerProvider: false });
  const logged = config.cognito.onEvent;
  /** @type {ExampleMetrics} */
  const metrics = {
    telemetry,
    serve: (req, res) => exporter.getMetricsRequestHandler(req, res),
  };
  return {
    ...config,
    cognito: {
      ...config.cognito,
      onEvent: (event) => {
        logged?.(event);
        telemetry.onVerifierEvent(event);
      },
    },
    metrics,
  };
}

/**
 * @typedef {object} ExampleMetrics
 * @property {import("@cognito-bearer/otel").CognitoTelemetry} telemetry
 * @property {(req: import("node:http").IncomingMessage, res: import("node:http").ServerResponse) => void} serve
 */

/**
 * Answer GET /metrics on `server` ahead of the app's own routes.
 * @param {import("node:http").Server} server
 * @param {ExampleMetrics} metrics
 */
export function mountMetrics(server, metrics) {
  const app = server.listeners("request");
  server.removeAllListeners("request");
  server.on("request", (req, res) => {
    if (req.method === "GET" && (req.url === "/metrics" || req.url?.startsWith("/metrics?"))) return metrics.serve(req, res);
    for (const listener of app) listener.call(server, req, res);
  });
}
