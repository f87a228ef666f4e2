/** Base class of every error the runtime throws, so `catch (e) { if (e instanceof LLMStrategyError) ... }` works. */
export class LLMStrategyError extends Error {
  override name = "LLMStrategyError";
}

/** The runtime is set up wrongly: no model for a stub, a spec from another version, bad options. */
export class ConfigurationError extends LLMStrategyError {
  override name = "ConfigurationError";
}

/**
 * A `stub()` body ran: the file was compiled without the llm-strategy transformer, so the
 * stub was never rewritten into a model call.
 */
export class StubNotCompiledError extends LLMStrategyError {
  override name = "StubNotCompiledError";
  constructor(
    /** The stub that ran, as far as the call stack tells (e.g. `Customer.age (src/customer.ts:12)`). */
    readonly stub: string,
  ) {
    super(
      `${stub} was not compiled by the llm-strategy transformer, so its body \`stub()\` ran instead of calling a model. ` +
        `Add { "transform": "llm-strategy/transformer" } to "compilerOptions.plugins" in your tsconfig.json ` +
        `and build with ts-patch's tspc (node_modules/.bin/tspc), not tsc.`,
    );
  }
}
