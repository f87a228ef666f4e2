/**
 * `llm-strategy/rspack`: `plugins: [llmStrategy()]` in `rspack.config.js`; its loader runs before `builtin:swc-loader`. Compiles the files with stubs through TypeScript with the
 * transformer; every other file is left to the bundler.
 */
import type { RspackPluginInstance } from "@rspack/core";
import { llmStrategyUnplugin } from "./core";
import { checkPluginOptions, type LlmStrategyPluginOptions } from "./options";

/** The rspack plugin. Options override the tsconfig's llm-strategy plugin entry. */
function llmStrategy(options?: llmStrategy.Options): RspackPluginInstance {
  return llmStrategyUnplugin.rspack(checkPluginOptions(options)) as RspackPluginInstance;
}

declare namespace llmStrategy {
  /** Options of `llmStrategy()`; see each for its default. */
  type Options = LlmStrategyPluginOptions;
}

// `export =`: `import llmStrategy from "llm-strategy/rspack"` (ESM) and `require("llm-strategy/rspack")` (CommonJS) both give the function.
export = llmStrategy;
