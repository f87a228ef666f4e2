// Shared by the public entry (`index.ts`) and the implementations it requires lazily, which
// therefore must not import the entry.

/** Marks the models `recording()` makes (with their mode as value), so `cached()` can tell it wraps one. */
export const RECORDING_MARK: unique symbol = Symbol("llm-strategy.recording");

/** The environment variable that overrides `RecordingOptions.mode`: `record`, `replay` or `auto`. */
export const RECORDING_MODE_ENV = "LLM_STRATEGY_RECORDING";
