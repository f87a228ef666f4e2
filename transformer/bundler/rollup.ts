/**
 * `llm-strategy/rollup`: `plugins: [llmStrategy()]` in `rollup.config.mjs`, before the plugin that compiles TypeScript. Compiles the files with stubs through TypeScript with the
 * transformer; every other file is left to the bundler.
 */
import type { Plugin } from "rollup";
import { llmStrategyUnplugin } from "./core";
import { checkPluginOptions, type LlmStrategyPluginOptions } from "./options";

/** The rollup plugin. Options override the tsconfig's llm-strategy plugin entry. */
function llmStrategy(options?: llmStrategy.Options): Plugin {
  return llmStrategyUnplugin.rollup(checkPluginOptions(options)) as Plugin;
}

declare namespace llmStrategy {
  /** Options of `llmStrategy()`; see each for its default. */
  type Options = LlmStrategyPluginOptions;
}

// `export =`: `import llmStrategy from "llm-strategy/rollup"` (ESM) and `require("llm-strategy/rollup")` (CommonJS) both give the function.
export = llmStrategy;
