// The real OpenTelemetry SDK for a test: a meter provider read on demand, a
// tracer provider with an in-memory exporter, and async context (as an OTel
// Node SDK sets up), so spans made in a request land under its server span.
import { context, trace, SpanKind, type Span, type Tracer } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { AggregationTemporality, DataPointType, MeterProvider, MetricReader, type DataPoint, type Histogram } from "@opentelemetry/sdk-metrics";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from "@opentelemetry/sdk-trace-base";

/** A reader collected by the test itself (cumulative, as Prometheus reads). */
class OnDemandReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

export interface Point {
  attributes: Record<string, unknown>;
  /** Counter / gauge value, or a histogram's count. */
  value: number;
  /** A histogram's sum. */
  sum?: number;
}

export interface TestSdk {
  meterProvider: MeterProvider;
  tracerProvider: BasicTracerProvider;
  /** The app's own tracer: what an HTTP instrumentation would make the server span with. */
  serverTracer: Tracer;
  /** Every data point of every instrument, by instrument name (with its unit and type). */
  collect(): Promise<Map<string, { unit: string; type: DataPointType; points: Point[] }>>;
  spans(): ReadableSpan[];
  /** Run `work` inside a SERVER span, ended when it settles. */
  inServerSpan<T>(name: string, work: () => Promise<T>): Promise<T>;
  shutdown(): Promise<void>;
}

let contextManager: AsyncLocalStorageContextManager | undefined;

export function startSdk(): TestSdk {
  if (contextManager === undefined) {
    contextManager = new AsyncLocalStorageContextManager().enable();
    context.setGlobalContextManager(contextManager);
  }
  const reader = new OnDemandReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const serverTracer = tracerProvider.getTracer("test-server");
  return {
    meterProvider,
    tracerProvider,
    serverTracer,
    async collect() {
      const { resourceMetrics, errors } = await reader.collect();
      expect(errors).toEqual([]);
      const byName = new Map<string, { unit: string; type: DataPointType; points: Point[] }>();
      for (const scope of resourceMetrics.scopeMetrics) {
        for (const metric of scope.metrics) {
          const points = (metric.dataPoints as DataPoint<number | Histogram>[]).map((point) =>
            typeof point.value === "number"
              ? { attributes: { ...point.attributes }, value: point.value }
              : { attributes: { ...point.attributes }, value: point.value.count, sum: point.value.sum },
          );
          byName.set(metric.descriptor.name, { unit: metric.descriptor.unit, type: metric.dataPointType, points });
        }
      }
      return byName;
    },
    spans: () => exporter.getFinishedSpans(),
    inServerSpan(name, work) {
      return serverTracer.startActiveSpan(name, { kind: SpanKind.SERVER }, async (span: Span) => {
        try {
          return await work();
        } finally {
          span.end();
        }
      });
    },
    async shutdown() {
      await meterProvider.shutdown();
      await tracerProvider.shutdown();
    },
  };
}

/** A span's parent span id (SDK 2.x: parentSpanContext). */
export function parentOf(span: ReadableSpan): string | undefined {
  return span.parentSpanContext?.spanId;
}

export { trace };
