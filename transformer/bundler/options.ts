/** The bundler plugins' options, in a file of its own so the entries' types need nothing of unplugin. */

/** Options of every bundler plugin; each overrides the same option of the tsconfig's llm-strategy plugin entry. */
export interface LlmStrategyPluginOptions {
  /**
   * The tsconfig to analyse with: a file, or a folder holding `tsconfig.json`, relative to the
   * bundler's root (vite's `root`, webpack's and rspack's `context`, esbuild's `absWorkingDir`,
   * else the working directory). Default: the nearest `tsconfig.json` above each file (for a
   * solution tsconfig, the referenced project that includes the file).
   */
  tsconfig?: string;
  /** Path of the prompt manifest JSON to write, relative to the tsconfig's folder. Default: the tsconfig entry's, else none. */
  manifest?: string;
  /** Report `MissingJsDoc` and `LooseType` as bundler warnings. Default: the tsconfig entry's, else `false`. */
  warnings?: boolean;
  /** Module specifier emitted code imports the runtime from. Default: the tsconfig entry's, else `"llm-strategy"`. */
  runtimeModule?: string;
}
