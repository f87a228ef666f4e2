/**
 * OpenTelemetry for tests of what the runtime reports: spans captured with the SDK's in-memory
 * exporter from a provider registered globally, with an async context manager.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { context, ROOT_CONTEXT, trace, type Context, type ContextManager } from "@opentelemetry/api";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";

/**
 * The application's async context for OpenTelemetry (what @opentelemetry/context-async-hooks
 * provides; not installed here): without one, `context.active()` is always the root.
 */
class StorageContextManager implements ContextManager {
  private readonly storage = new AsyncLocalStorage<Context>();
  active(): Context {
    return this.storage.getStore() ?? ROOT_CONTEXT;
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(ctx: Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A): ReturnType<F> {
    return this.storage.run(ctx, () => fn.apply(thisArg, args));
  }
  bind<T>(_ctx: Context, target: T): T {
    return target;
  }
  enable(): this {
    return this;
  }
  disable(): this {
    this.storage.disable();
    return this;
  }
}

/** An in-memory exporter behind a provider; `register()` makes them and a context manager global, `unregister()` undoes that and shuts the provider down. */
export function inMemoryOpenTelemetry(): { exporter: InMemorySpanExporter; provider: BasicTracerProvider; register(): void; unregister(): Promise<void> } {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  return {
    exporter,
    provider,
    register() {
      trace.setGlobalTracerProvider(provider);
      context.setGlobalContextManager(new StorageContextManager());
    },
    async unregister() {
      trace.disable();
      context.disable();
      await provider.shutdown();
    },
  };
}
