/**
 * The plugin's options, as written in a tsconfig:
 * `"plugins": [{ "transform": "llm-strategy/transformer", "manifest": "dist/llm-prompts.json" }]`.
 */
export interface PluginOptions {
  /**
   * Path of the prompt manifest JSON to write, relative to the tsconfig's folder.
   * Default: none (no manifest, and the tokenizer is never loaded).
   */
  manifest?: string;
  /**
   * Module specifier the emitted code imports the runtime from.
   * Default: `"llm-strategy"`.
   */
  runtimeModule: string;
  /**
   * Report `MissingJsDoc` and `LooseType` warnings. Default: `false`, because any
   * diagnostic a plugin adds makes `tspc` exit non-zero.
   */
  warnings: boolean;
}

/** Reads the options from a plugin config entry; unknown keys (`transform`, `after`, ...) are ts-patch's. */
export function readPluginOptions(config: Record<string, unknown> | undefined): PluginOptions {
  const raw = config ?? {};
  const manifest = raw["manifest"];
  const runtimeModule = raw["runtimeModule"];
  const warnings = raw["warnings"];
  if (manifest !== undefined && (typeof manifest !== "string" || manifest === "")) {
    throw new Error(`llm-strategy/transformer: option "manifest" must be a file path, got ${JSON.stringify(manifest)}.`);
  }
  if (runtimeModule !== undefined && (typeof runtimeModule !== "string" || runtimeModule === "")) {
    throw new Error(`llm-strategy/transformer: option "runtimeModule" must be a module specifier, got ${JSON.stringify(runtimeModule)}.`);
  }
  if (warnings !== undefined && typeof warnings !== "boolean") {
    throw new Error(`llm-strategy/transformer: option "warnings" must be true or false, got ${JSON.stringify(warnings)}.`);
  }
  return {
    ...(manifest !== undefined ? { manifest } : {}),
    runtimeModule: runtimeModule ?? "llm-strategy",
    warnings: warnings ?? false,
  };
}
