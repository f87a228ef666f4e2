/**
 * `llm-strategy/vite`, for vite and vitest: `plugins: [llmStrategy()]` in `vite.config.ts` or
 * `vitest.config.ts`. Compiles the files with stubs through TypeScript with the transformer;
 * vite compiles the rest as usual. A JSDoc change reaches the dev server and vitest's watch mode
 * without a restart.
 */
// @ts-ignore -- vite publishes its types through package exports only, which this package's own
// node10 build cannot read; users' projects (bundler or nodenext resolution) resolve them.
import type { Plugin } from "vite";
import { llmStrategyUnplugin } from "./core";
import { checkPluginOptions, type LlmStrategyPluginOptions } from "./options";

/** The vite plugin. Options override the tsconfig's llm-strategy plugin entry. */
function llmStrategy(options?: llmStrategy.Options): Plugin {
  return llmStrategyUnplugin.vite(checkPluginOptions(options)) as Plugin;
}

declare namespace llmStrategy {
  /** Options of `llmStrategy()`; see each for its default. */
  type Options = LlmStrategyPluginOptions;
}

// `export =`: `import llmStrategy from "llm-strategy/vite"` (ESM) and `require("llm-strategy/vite")` (CommonJS) both give the function.
export = llmStrategy;
