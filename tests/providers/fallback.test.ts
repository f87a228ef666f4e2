/**
 * `fallbackModels()`: the customer flow through a chain whose first model's endpoint fails
 * (after that model's own retries) and whose second is `anthropic()` on a local Messages API
 * server; what passes on to the next model and what does not; what CallInfo records.
 */
import { anthropic, fallbackModels, LLMRequestError, openAI, withCallOptions, type CallInfo } from "../../runtime";
import { startMessagesServer, type MessagesServer } from "../helpers/anthropic-server";
import { compiledCustomerDatabase, customerFlow } from "../helpers/customer-flow";
import { customerTask } from "../helpers/endpoint-imitations";
import { startOpenAIServer, type OpenAIServer } from "../helpers/openai-server";
import { customerModel } from "../runtime/customer-specs";

jest.setTimeout(60_000);

const MockCustomerDatabase = compiledCustomerDatabase("providers-fallback", 3);

let failing: OpenAIServer;
let claude: MessagesServer;
beforeAll(async () => {
  failing = await startOpenAIServer(() => ({ status: 503, body: { error: { message: "upstream overloaded" } } }));
  claude = await startMessagesServer((request) => {
    const tool = request.body.tools?.[0];
    const value = customerTask(request.body.messages, tool?.input_schema);
    return tool ? { toolInput: JSON.stringify(value) } : { text: JSON.stringify(value) };
  });
});
afterAll(async () => {
  await failing.close();
  await claude.close();
});
beforeEach(() => {
  failing.requests.length = 0;
  claude.requests.length = 0;
});

const primary = () => openAI({ baseURL: failing.baseURL, apiKey: "k", model: "gpt-primary", maxRetries: 1, retryDelayMs: 1 });
const secondary = () => anthropic({ baseURL: claude.baseURL, apiKey: "sk-ant-k", model: "claude-secondary" });

test("the customer flow: the primary's endpoint fails after its retries, the next model answers, CallInfo says so", async () => {
  const chain = fallbackModels(primary(), secondary());
  expect(chain.id).toBe("fallback(openai:gpt-primary, anthropic:claude-secondary)");
  const calls = await customerFlow(MockCustomerDatabase, chain);
  expect(calls).toHaveLength(5);
  for (const call of calls) {
    expect(call.model).toBe(chain.id);
    expect(call.mode).toBe("tools");
    expect(call.fallbacks).toEqual([{ from: "openai:gpt-primary", to: "anthropic:claude-secondary", reason: expect.stringMatching(/503 upstream overloaded.*still after 1 retries/) }]);
  }
  // Each call: the primary's request and its one retry, then one request to the next model.
  expect(failing.requests).toHaveLength(10);
  expect(claude.requests).toHaveLength(5);
});

test("an error retrying cannot fix (401) is not passed on", async () => {
  const unauthorised = await startOpenAIServer(() => ({ status: 401, body: { error: { message: "invalid key" } } }));
  try {
    const chain = fallbackModels(openAI({ baseURL: unauthorised.baseURL, apiKey: "k", model: "m" }), secondary());
    const error = await withCallOptions({ model: chain }, () => new MockCustomerDatabase().load()).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: "LLMRequestError", status: 401, retryable: false });
    expect(claude.requests).toHaveLength(0);
  } finally {
    await unauthorised.close();
  }
});

test("when every model fails, the error lists each model's failure in order", async () => {
  const other = await startOpenAIServer(() => ({ status: 429, headers: { "retry-after-ms": "1" }, body: { error: { message: "rate limited" } } }));
  try {
    const chain = fallbackModels(primary(), openAI({ baseURL: other.baseURL, apiKey: "k", model: "gpt-other", maxRetries: 0 }));
    const error = await withCallOptions({ model: chain }, () => new MockCustomerDatabase().load()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LLMRequestError);
    expect((error as LLMRequestError).status).toBe(429);
    expect((error as Error).message).toMatch(/every model of the fallback chain failed, in order:\n- openai:gpt-primary: .*503.*\n- openai:gpt-other: .*429 rate limited/);
  } finally {
    await other.close();
  }
});

test("a working primary answers alone", async () => {
  const ok = await startOpenAIServer(customerModel);
  try {
    const calls: CallInfo[] = [];
    await withCallOptions({ model: fallbackModels(openAI({ baseURL: ok.baseURL, apiKey: "k", model: "gpt-ok" }), secondary()), onCall: (info) => calls.push(info) }, () =>
      new MockCustomerDatabase().load(),
    );
    expect(calls[0]!.fallbacks).toEqual([]);
    expect(claude.requests).toHaveLength(0);
  } finally {
    await ok.close();
  }
});
