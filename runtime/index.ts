// Public exports of the runtime (`llm-strategy`). Named re-exports, not `export *`, so Node's
// CommonJS-from-ESM import sees every name.

// Declaring stubs
export { stub, implement } from "./stub";
export { llmStrategy } from "./decorator";

// Models
export type { LanguageModel, CompletionRequest, Completion, ChatMessage, Usage, ModeFallback, ReplySource, BatchOrigin, BatchEndpoint, BatchLine, BatchApi, BatchState } from "./model";
export { openAI, OpenAIModel } from "./models/openai";
export type { OpenAIOptions, OpenAIMode, OpenAIClient } from "./models/openai";
export { anthropic, AnthropicModel } from "./models/anthropic";
export type { AnthropicOptions, AnthropicMode, AnthropicClient } from "./models/anthropic";
export { fromAISDK, AISDKModel } from "./models/ai-sdk";
export type { AISDKOptions, AISDKMode, AISDKLanguageModel, AISDKCallOptions, AISDKJson } from "./models/ai-sdk";
export { fallbackModels } from "./models/fallback";
export { scriptedModel, scriptedChunks } from "./models/scripted";
export type { ScriptedModel, ScriptedReply, ScriptedChunks } from "./models/scripted";

// Offline: record/replay for tests, a persistent reply cache
export { recording, cached, RECORDING_MODE_ENV, OfflineFileError, RecordingMissError, RecordingWriteError } from "./offline";
export type { RecordingModel, RecordingOptions, RecordingMode, CachedModel, CacheOptions, CacheStats, RecordingMissReason } from "./offline";

// Settings, cancellation, call metadata
export { configure, withCallOptions, DEFAULT_MAX_REPLY_BYTES } from "./config";
export { batch, DEFAULT_POLL_INTERVAL_MS, DEFAULT_MAX_POLL_INTERVAL_MS } from "./batch";
export { submitToBatch } from "./batch/submit";
export type { BatchOptions, BatchProgress } from "./batch";
export type { RuntimeSettings, CallOptions } from "./config";
export type { CallInfo, CallHook } from "./call-info";
export type { CheckHook, CheckInfo } from "./checks";
export { streamed } from "./streaming";
export type { Streamed, DeepPartial, PartialHook, PartialInfo } from "./streaming";
export { registerSecret } from "./redact";

// Traces, hyperparameters, chat chains
export { withTrace, TraceRecorder, traced, configureTracing, readTrace, traceSpans, TRACE_FORMAT, TRACE_VERSION } from "./tracing";
export type { TraceOptions, TracingSettings, TraceJson, SpanJson, AttemptJson, TraceValue } from "./tracing";
export {
  hyperparameter,
  withHyperparameters,
  collectHyperparameters,
  HyperparameterCollector,
  parseHyperparameters,
  describeHyperparameters,
  currentHyperparameters,
  HYPERPARAMETERS_FORMAT,
} from "./hyperparameters";
export type { Hyperparameter, HyperparameterValues, HyperparameterFile, HyperparameterEntry, HyperparameterType, JsonValue } from "./hyperparameters";
export { ChatChain, chatChain } from "./chat-chain";

// Errors
export {
  LLMStrategyError,
  ConfigurationError,
  StubNotCompiledError,
  LLMRequestError,
  LLMBatchError,
  LLMTimeoutError,
  LLMAbortError,
  LLMOutputError,
  LLMTruncatedError,
  LLMRefusalError,
  LLMReplyTooLargeError,
} from "./errors";
export type { Attempt } from "./errors";

// What compiled code calls (emitted by the transformer; not for hand-written code)
export { invoke, callSpecialized, constructSpecialized, helperTypes, implementInterface } from "./invoke";
export { SPEC_VERSION } from "./spec";
export type { CallSpec, HelperSpecialisation, InterfaceSpec, JsonSchema, Revival, RevivalPlan, ParamSpec, ClassThunk, CheckSpec, CheckTest } from "./spec";
