import { context, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { chatChain, configureTracing, LLMOutputError, traced, traceSpans, withCallOptions, withTrace } from "../../runtime";
import { inMemoryOpenTelemetry } from "../helpers/otel";
import { Customer, customerJson, MockCustomerDatabase } from "../runtime/customer-specs";
import { completionModel, usage } from "./helpers";

/** OpenTelemetry spans, captured with the SDK's in-memory exporter from a registered provider. */
const otel = inMemoryOpenTelemetry();
const { exporter, provider } = otel;

beforeAll(() => otel.register());
afterAll(() => otel.unregister());
afterEach(() => {
  exporter.reset();
  configureTracing({ openTelemetryContent: false, openTelemetry: true });
});

const customer = () => Object.assign(new Customer(), customerJson(0));
const spans = () => exporter.getFinishedSpans();
const named = (name: string): ReadableSpan[] => spans().filter((span) => span.name === name);
const parentOf = (span: ReadableSpan): ReadableSpan | undefined => spans().find((candidate) => candidate.spanContext().spanId === span.parentSpanContext?.spanId);

test("stub calls become spans with one GenAI `chat` span per request, nested under traced functions, without a trace scope", async () => {
  const model = completionModel(
    [
      { text: '{"value": "x"}', usage: usage(120, 8), mode: "structured" },
      { text: '{"value": 42}', usage: usage(140, 6), mode: "structured", finishReason: "stop" },
    ],
    { id: "openai:gpt-4o-mini", model: "gpt-4o-mini", options: { temperature: 0.2, maxTokens: 256 } },
  );
  const job = traced("job", () => customer().age);
  expect(await withCallOptions({ model }, job)).toBe(42);

  const [stub] = named("Customer.age");
  const [jobSpan] = named("job");
  const chats = named("chat gpt-4o-mini");
  expect(chats).toHaveLength(2);
  expect(parentOf(stub!)).toBe(jobSpan);
  for (const chat of chats) expect(parentOf(chat)).toBe(stub);
  expect(stub!.spanContext().traceId).toBe(jobSpan!.spanContext().traceId);
  expect(stub!.attributes).toMatchObject({ "llm_strategy.stub.id": "src/customer.ts:8 Customer.age", "llm_strategy.attempts": 2 });

  const [first, second] = [...chats].sort((a, b) => (a.attributes["llm_strategy.attempt"] as number) - (b.attributes["llm_strategy.attempt"] as number));
  expect(first!.kind).toBe(SpanKind.CLIENT);
  expect(first!.attributes).toEqual({
    "gen_ai.operation.name": "chat",
    "gen_ai.provider.name": "openai",
    "gen_ai.request.model": "gpt-4o-mini",
    "gen_ai.request.temperature": 0.2,
    "gen_ai.request.max_tokens": 256,
    "gen_ai.output.type": "json",
    "gen_ai.usage.input_tokens": 120,
    "gen_ai.usage.output_tokens": 8,
    "gen_ai.response.finish_reasons": ["stop"],
    "llm_strategy.attempt": 1,
    "llm_strategy.mode": "structured",
    "llm_strategy.reply.source": "model",
    "llm_strategy.reply.valid": false,
    "llm_strategy.reply.error_count": 1,
  });
  expect(second!.attributes["llm_strategy.reply.valid"]).toBe(true);
  expect(second!.attributes["gen_ai.usage.input_tokens"]).toBe(140);
  // Content is off by default (the GenAI conventions' advice).
  for (const span of spans()) {
    expect(span.attributes["gen_ai.input.messages"]).toBeUndefined();
    expect(JSON.stringify(span.attributes)).not.toContain("Okafor");
  }
});

test("the application's active span is the parent of the first span, and the JSON trace and OTel record the same calls", async () => {
  const model = completionModel(() => `{"value": [${JSON.stringify(customerJson(1))}]}`);
  const tracer = provider.getTracer("app");
  const outer = tracer.startSpan("http request");
  const { trace: json } = await context.with(trace.setSpan(context.active(), outer), () =>
    withTrace(() => withCallOptions({ model }, () => MockCustomerDatabase.createMockCustomers(1))),
  );
  outer.end();
  const [stub] = named("MockCustomerDatabase.createMockCustomers");
  expect(stub!.parentSpanContext?.spanId).toBe(outer.spanContext().spanId);
  expect(traceSpans(json).map((span) => span.name)).toEqual(["MockCustomerDatabase.createMockCustomers"]);
});

test("message content on spans when turned on; failures set the error status", async () => {
  configureTracing({ openTelemetryContent: true });
  const model = completionModel(() => '{"value": "never a number"}', { id: "local:llama" });
  await expect(withCallOptions({ model, maxRepairs: 0 }, () => customer().age)).rejects.toThrow(LLMOutputError);
  const [stub] = named("Customer.age");
  const [chat] = named("chat llama");
  expect(stub!.status.code).toBe(SpanStatusCode.ERROR);
  expect(stub!.attributes["error.type"]).toBe("LLMOutputError");
  expect(chat!.attributes["gen_ai.provider.name"]).toBe("local");
  const input = JSON.parse(chat!.attributes["gen_ai.input.messages"] as string) as { role: string; parts: { type: string; content: string }[] }[];
  expect(input[0]!.role).toBe("user");
  expect(input[0]!.parts[0]!.content).toContain("Okafor");
  expect(JSON.parse(chat!.attributes["gen_ai.output.messages"] as string)).toEqual([
    { role: "assistant", parts: [{ type: "text", content: '{"value": "never a number"}' }], finish_reason: "stop" },
  ]);
});

test("chat chain operations carry the conversation id", async () => {
  const model = completionModel(() => '{"value": "fine"}', { id: "test:chat" });
  const chain = chatChain(model);
  await chain.query("How are you?");
  const [operation] = named(`chain#${chain.id}.query`);
  const [chat] = named("chat chat");
  expect(operation!.attributes["gen_ai.conversation.id"]).toBe(String(chain.id));
  expect(chat!.attributes["gen_ai.conversation.id"]).toBe(String(chain.id));
  expect(parentOf(parentOf(chat!)!)).toBe(operation);
});

test("turned off, no span is made", async () => {
  configureTracing({ openTelemetry: false });
  const model = completionModel(() => '{"value": 1}');
  await withCallOptions({ model }, traced("quiet", () => customer().age));
  expect(spans()).toEqual([]);
});
