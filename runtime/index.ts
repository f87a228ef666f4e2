export { stub, implement } from "./stub";
export { LLMStrategyError, ConfigurationError, StubNotCompiledError } from "./errors";
export type { LanguageModel, CompletionRequest, Completion, ChatMessage } from "./model";
export { SPEC_VERSION } from "./spec";
export type { CallSpec, InterfaceSpec, JsonSchema, Revival, RevivalPlan, ParamSpec } from "./spec";
