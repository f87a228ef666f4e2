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

const OPTION_NAMES = ["tsconfig", "manifest", "warnings", "runtimeModule"];

/**
 * Throws on an option name the plugins do not know (a typo would otherwise be ignored), when the
 * plugin is created; the values are checked with the tsconfig's entry when the project is read.
 */
export function checkPluginOptions<T extends LlmStrategyPluginOptions | undefined>(options: T): T {
  const unknown = Object.keys(options ?? {}).filter((key) => !OPTION_NAMES.includes(key));
  if (unknown.length > 0) {
    const list = (keys: string[]) => keys.map((key) => `"${key}"`).join(", ");
    throw new Error(`llm-strategy: unknown option ${list(unknown)}; the options are ${list(OPTION_NAMES)}.`);
  }
  return options;
}
