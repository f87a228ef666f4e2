/**
 * The seed's customer flow (compiled by the real transformer) through `openAI()` against local
 * imitations of OpenAI-compatible endpoints, in each mode the endpoint supports, succeeding where
 * the endpoint ignores the schema. What each imitation does, and the documentation it follows:
 *
 * - Anthropic's OpenAI compatibility layer — https://docs.claude.com/en/api/openai-sdk
 *   (also at https://platform.claude.com/docs/en/cli-sdks-libraries/libraries/openai-sdk): `response_format`
 *   "Ignored" (so `json_schema` and `json_object` alike); `tools` supported, `tools[n].function.strict`
 *   ignored ("the tool use JSON is not guaranteed to follow the supplied schema"); `max_tokens` and
 *   `max_completion_tokens` both "Fully supported".
 * - Ollama — https://docs.ollama.com/api/openai-compatibility: JSON mode and tools supported; of the
 *   limits only `max_tokens` is listed. Its page does not say what it does with a `json_schema`; a
 *   third-party compatibility survey (https://heiervang-technologies.github.io/am-i-openai-compatible/implementations/ollama/)
 *   reports "response_format: json_schema is not honored — Ollama ignores the schema and falls back
 *   to a generic JSON-mode prompt", which the imitation follows (the stricter case for us).
 * - vLLM — https://docs.vllm.ai/en/latest/features/structured_outputs/ (structured outputs through
 *   the Chat API, enforced by xgrammar/guidance) and https://docs.vllm.ai/en/latest/features/tool_calling/
 *   ("named function calling" in `tool_choice`): everything enforced. Its pages found do not say
 *   whether `strict` or `max_completion_tokens` are read; the imitation reads `max_tokens` only.
 * - llama.cpp's server — https://github.com/ggml-org/llama.cpp/blob/master/tools/server/README.md and
 *   its request parsing (`oaicompat_completion_params_parse` in tools/server/utils.hpp): `json_object`
 *   (with an optional schema) and `json_schema` become a grammar (enforced); `tools` without `--jinja`
 *   fail with "tools param requires --jinja flag", which llama-server answers as HTTP 500. The
 *   imitation is a server started without `--jinja`, so tools mode is not supported there.
 * - LM Studio — https://lmstudio.ai/docs/advanced/structured-output: `json_schema` enforced; tools
 *   supported (https://www.lmstudio.ai/docs/developer). JSON mode (`json_object`) is not: its docs
 *   only say `json_schema`, and integrators report the 400 "'response_format.type' must be
 *   'json_schema' or 'text'" (e.g. claude-task-master's LM Studio provider note); imitated as that 400.
 * - Gemini's OpenAI-compatible endpoint — https://ai.google.dev/gemini-api/docs/openai and the
 *   request reference https://ai.google.dev/api/compatibility: `response_format` (with a schema),
 *   `tools` and `tool_choice` naming a function, `max_completion_tokens` and `max_tokens`.
 *
 * Not found in the documentation searched, so not imitated: which JSON Schema keywords each of these
 * rejects or drops inside a schema (no page found states it for the compatibility endpoints), and
 * streaming behaviour of each (the imitations answer `stream: true` as OpenAI does).
 */
import { openAI, withCallOptions, type OpenAIMode } from "../../runtime";
import { compiledCustomerDatabase, customerFlow } from "../helpers/customer-flow";
import { startImitation, type EndpointBehaviour, type Imitation } from "../helpers/endpoint-imitations";

jest.setTimeout(60_000);

const ANTHROPIC: EndpointBehaviour = { name: "Anthropic compatibility layer", jsonSchema: "ignore", jsonObject: "ignore", tools: "enforce", tokenLimitFields: ["max_tokens", "max_completion_tokens"] };
const OLLAMA: EndpointBehaviour = { name: "Ollama", jsonSchema: "ignore", jsonObject: "enforce", tools: "enforce", tokenLimitFields: ["max_tokens"] };
const VLLM: EndpointBehaviour = { name: "vLLM", jsonSchema: "enforce", jsonObject: "enforce", tools: "enforce", tokenLimitFields: ["max_tokens"] };
const LLAMA_CPP: EndpointBehaviour = {
  name: "llama.cpp server (no --jinja)",
  jsonSchema: "enforce",
  jsonObject: "enforce",
  tools: { status: 500, message: "tools param requires --jinja flag" },
  tokenLimitFields: ["max_tokens"],
};
const LM_STUDIO: EndpointBehaviour = {
  name: "LM Studio",
  jsonSchema: "enforce",
  jsonObject: { status: 400, message: "'response_format.type' must be 'json_schema' or 'text'" },
  tools: "enforce",
  tokenLimitFields: ["max_tokens"],
};
const GEMINI: EndpointBehaviour = { name: "Gemini OpenAI compatibility", jsonSchema: "enforce", jsonObject: "enforce", tools: "enforce", tokenLimitFields: ["max_tokens", "max_completion_tokens"] };

type Mode = OpenAIMode | "default";
/** Each endpoint with the modes it supports, and for each whether its replies ignore the schema sent (so a call needs a repair with the types). */
const ENDPOINTS: [EndpointBehaviour, Mode[]][] = [
  [ANTHROPIC, ["default", "structured", "tools", "json", "prompt"]],
  [OLLAMA, ["default", "structured", "tools", "json", "prompt"]],
  [VLLM, ["default", "structured", "tools", "json", "prompt"]],
  [LLAMA_CPP, ["default", "structured", "json", "prompt"]],
  [LM_STUDIO, ["default", "structured", "tools", "prompt"]],
  [GEMINI, ["default", "structured", "tools", "json", "prompt"]],
];

// Compiled once without decorators: each test gives the model through withCallOptions.
const MockCustomerDatabase = compiledCustomerDatabase("providers-endpoint-imitations", 6);

describe.each(ENDPOINTS.map(([behaviour, modes]) => [behaviour.name, behaviour, modes] as const))("%s", (_name, behaviour, modes) => {
  let imitation: Imitation;
  beforeAll(async () => {
    imitation = await startImitation(behaviour);
  });
  afterAll(() => imitation.server.close());

  test.each(modes)("the customer flow succeeds in mode %s", async (mode) => {
    const before = imitation.server.requests.length;
    const model = openAI({ baseURL: imitation.server.baseURL, model: `${mode}-model`, maxTokens: 512, retryDelayMs: 1, ...(mode === "default" ? {} : { mode }) });
    const calls = await customerFlow(MockCustomerDatabase, model);
    expect(calls).toHaveLength(8);
    const blind = behaviour.jsonSchema === "ignore" && (mode === "default" || mode === "structured");
    const create = calls[0]!;
    if (blind) {
      // The endpoint took the schema and ignored it: the first reply was a bare array, and the repair carried the types.
      expect(create.attempts).toHaveLength(2);
      expect(create.attempts[0]!.errors.join()).toMatch(/must be object, got array/);
      const repair = imitation.server.requests[before + 1]!;
      expect(repair.body.messages[0]!.content).toContain("interface Customer");
      expect(imitation.server.requests[before]!.body.messages[0]!.content).not.toContain("interface Customer");
    } else {
      expect(calls.every((call) => call.attempts.length === 1)).toBe(true);
    }
    if (mode === "default" && blind) {
      // Fell back to JSON mode for the repair, remembered for the endpoint: every later call asked in JSON mode at once.
      expect(create.fallbacks).toEqual([{ from: "structured", to: "json", reason: expect.stringMatching(/not the JSON object the schema asks for: the endpoint did not enforce it/) }]);
      expect(create.attempts.map((attempt) => attempt.mode)).toEqual(["structured", "json"]);
      expect(calls.slice(1).every((call) => call.mode === "json" && call.fallbacks.length === 0)).toBe(true);
    } else if (mode === "default" && behaviour === LM_STUDIO) {
      expect(calls.every((call) => call.mode === "structured")).toBe(true);
    } else if (mode === "default") {
      expect(calls.every((call) => call.mode === "structured" && call.fallbacks.length === 0)).toBe(true);
    } else {
      // A mode the user chose is kept, even where the endpoint ignores the schema.
      expect(calls.every((call) => call.mode === mode && call.fallbacks.length === 0)).toBe(true);
    }
    // Every request carried the token limit in a field this endpoint reads.
    expect(imitation.limits.slice(before)).toEqual(imitation.server.requests.slice(before).map(() => 512));
  });
});

test("llama.cpp without --jinja: tools mode fails with the server's own words", async () => {
  const imitation = await startImitation(LLAMA_CPP);
  try {
    const model = openAI({ baseURL: imitation.server.baseURL, model: "m", mode: "tools", maxRetries: 0 });
    await expect(withCallOptions({ model }, () => new MockCustomerDatabase().load())).rejects.toThrow(/tools param requires --jinja flag/);
  } finally {
    await imitation.server.close();
  }
});

test("LM Studio: JSON mode chosen explicitly fails with its 400; the default never asks for it", async () => {
  const imitation = await startImitation(LM_STUDIO);
  try {
    const model = openAI({ baseURL: imitation.server.baseURL, model: "m", mode: "json" });
    await expect(withCallOptions({ model }, () => new MockCustomerDatabase().load())).rejects.toThrow(/must be 'json_schema' or 'text'.*does not support mode "json"/s);
  } finally {
    await imitation.server.close();
  }
});

test("an endpoint that ignores tools (no tool call made): the repair carries the types, in the mode the user set", async () => {
  const imitation = await startImitation({ name: "ignores tools", jsonSchema: "enforce", jsonObject: "enforce", tools: "ignore", tokenLimitFields: ["max_tokens"] });
  try {
    const calls = await customerFlow(MockCustomerDatabase, openAI({ baseURL: imitation.server.baseURL, model: "m", mode: "tools" }));
    expect(calls[0]!.attempts.map((attempt) => attempt.mode)).toEqual(["tools", "tools"]);
    expect(calls[0]!.attempts[0]!.errors.join()).toMatch(/must be object, got array/);
    expect(imitation.server.requests[1]!.body.tools).toBeDefined();
    expect(imitation.server.requests[1]!.body.messages[0]!.content).toContain("interface Customer");
    expect(calls.slice(1).every((call) => call.attempts.length === 1)).toBe(true);
  } finally {
    await imitation.server.close();
  }
});
