/**
 * `llm-strategy/webpack`: `plugins: [llmStrategy()]` in `webpack.config.js`; its loader runs before the one that compiles TypeScript (ts-loader, babel, swc). Compiles the files with stubs through TypeScript with the
 * transformer; every other file is left to the bundler.
 */
import type { WebpackPluginInstance } from "webpack";
import { llmStrategyUnplugin } from "./core";
import { checkPluginOptions, type LlmStrategyPluginOptions } from "./options";

/** The webpack plugin. Options override the tsconfig's llm-strategy plugin entry. */
function llmStrategy(options?: llmStrategy.Options): WebpackPluginInstance {
  return llmStrategyUnplugin.webpack(checkPluginOptions(options)) as WebpackPluginInstance;
}

declare namespace llmStrategy {
  /** Options of `llmStrategy()`; see each for its default. */
  type Options = LlmStrategyPluginOptions;
}

// `export =`: `import llmStrategy from "llm-strategy/webpack"` (ESM) and `require("llm-strategy/webpack")` (CommonJS) both give the function.
export = llmStrategy;
