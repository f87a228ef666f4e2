/**
 * `llm-strategy/esbuild`: `plugins: [llmStrategy()]` in the options of `build()` or `context()`. Compiles the files with stubs through TypeScript with the
 * transformer; every other file is left to the bundler.
 */
import type { Plugin } from "esbuild";
import { llmStrategyUnplugin } from "./core";
import { checkPluginOptions, type LlmStrategyPluginOptions } from "./options";

/** The esbuild plugin. Options override the tsconfig's llm-strategy plugin entry. */
function llmStrategy(options?: llmStrategy.Options): Plugin {
  return llmStrategyUnplugin.esbuild(checkPluginOptions(options)) as Plugin;
}

declare namespace llmStrategy {
  /** Options of `llmStrategy()`; see each for its default. */
  type Options = LlmStrategyPluginOptions;
}

// `export =`: `import llmStrategy from "llm-strategy/esbuild"` (ESM) and `require("llm-strategy/esbuild")` (CommonJS) both give the function.
export = llmStrategy;
