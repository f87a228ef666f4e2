/**
 * OpenTelemetry, when the optional peer `@opentelemetry/api` is installed and the application
 * registered a tracer provider. Loaded with `require` at the first traced call, never at
 * import; absent, it costs one failed lookup per process. The few API shapes used are declared
 * here, so the package's types do not need the peer.
 */

/** What this module uses of `@opentelemetry/api`'s `Span`. */
export interface OtelSpan {
  setAttribute(key: string, value: OtelAttribute): unknown;
  setAttributes(attributes: Record<string, OtelAttribute>): unknown;
  setStatus(status: { code: number; message?: string }): unknown;
  addEvent(name: string, attributes?: Record<string, OtelAttribute>, time?: number): unknown;
  end(endTime?: number): void;
  isRecording(): boolean;
}

export type OtelAttribute = string | number | boolean | string[] | number[];

interface OtelTracer {
  startSpan(name: string, options: { kind?: number; startTime?: number; attributes?: Record<string, OtelAttribute> }, context?: unknown): OtelSpan;
}

interface OtelProvider {
  getTracer(name: string, version?: string): OtelTracer;
  getDelegate?(): OtelProvider;
}

interface OtelApi {
  trace: { getTracerProvider(): OtelProvider; setSpan(context: unknown, span: OtelSpan): unknown };
  context: { active(): unknown };
  ProxyTracerProvider: new () => OtelProvider;
}

/** `SpanKind` values of the API (stable numbers). */
export const SPAN_KIND = { INTERNAL: 0, CLIENT: 2 } as const;
/** `SpanStatusCode.ERROR`. */
export const STATUS_ERROR = 2;

let api: OtelApi | null | undefined;
let noopProvider: OtelProvider | undefined;
let tracerFor: { provider: OtelProvider; tracer: OtelTracer } | undefined;
let enabled = true;
let captureContent = process.env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT === "true";

/** Settings of the OpenTelemetry export; see `configureTracing`. */
export function configureOpenTelemetry(options: { enabled?: boolean; captureContent?: boolean }): void {
  if (options.enabled !== undefined) enabled = options.enabled;
  if (options.captureContent !== undefined) captureContent = options.captureContent;
}

export function otelCapturesContent(): boolean {
  return captureContent;
}

/**
 * The tracer when spans would be recorded: the API is installed and a real provider is
 * registered. Checked per call (cheap: a getter and a comparison), since an application may
 * register its provider after the first call.
 */
export function activeTracer(): OtelTracer | undefined {
  if (!enabled) return undefined;
  if (api === undefined) api = load();
  if (api === null) return undefined;
  const global = api.trace.getTracerProvider();
  const provider = typeof global.getDelegate === "function" ? global.getDelegate() : global;
  if (provider === noopProvider) return undefined;
  if (tracerFor?.provider !== provider) tracerFor = { provider, tracer: provider.getTracer("llm-strategy", packageVersion()) };
  return tracerFor.tracer;
}

/** The context to start a child of `parent` in (or the application's active context at a root). */
export function parentContext(parent: OtelSpan | undefined): unknown {
  const context = api!.context.active();
  return parent ? api!.trace.setSpan(context, parent) : context;
}

function load(): OtelApi | null {
  try {
    const loaded = require("@opentelemetry/api") as OtelApi;
    // A fresh proxy's delegate is the API's no-op provider: what the global one returns until a provider is registered.
    noopProvider = new loaded.ProxyTracerProvider().getDelegate?.();
    return loaded;
  } catch {
    return null;
  }
}

/** The package's version, for the tracer's instrumentation scope (read once a provider is found). */
function packageVersion(): string {
  // `runtime/tracing/` in the repository, `dist/runtime/tracing/` once built.
  for (const candidate of ["../../package.json", "../../../package.json"]) {
    try {
      const manifest = require(candidate) as { name?: string; version?: string };
      if (manifest.name === "llm-strategy" && manifest.version) return manifest.version;
    } catch {
      // try the next
    }
  }
  return "0.0.0";
}
