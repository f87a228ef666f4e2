/**
 * batch() against an endpoint that takes the schema and ignores it (as Anthropic's OpenAI
 * compatibility layer documents for `response_format`): the round after the blind replies asks
 * in JSON mode with the output types in the prompt, and the calls say so in CallInfo.fallbacks.
 */
import { batch, openAI, withCallOptions, type CallInfo } from "../../runtime";
import { startBatchServer, type BatchServer } from "../helpers/batch-server";
import { imitatedReply } from "../helpers/endpoint-imitations";
import { MockCustomerDatabase } from "../runtime/customer-specs";

jest.setTimeout(60_000);

let server: BatchServer;
afterEach(() => server.close());

test("the repair round of a batch goes in JSON mode, with the types, after replies that ignored the schema", async () => {
  server = await startBatchServer((request) => imitatedReply({ name: "ignores response_format", jsonSchema: "ignore", jsonObject: "ignore", tools: "enforce", tokenLimitFields: ["max_tokens"] }, request));
  const model = openAI({ baseURL: server.baseURL, apiKey: "test-key", model: "blind-batch" });
  const calls: CallInfo[] = [];
  const [two, three] = await withCallOptions({ onCall: (info) => calls.push(info) }, () =>
    batch(() => Promise.all([MockCustomerDatabase.createMockCustomers(2), MockCustomerDatabase.createMockCustomers(3)]), { model, pollIntervalMs: 5, maxPollIntervalMs: 20 }),
  );
  expect([two.length, three.length]).toEqual([2, 3]);
  const rounds = [...server.batches.values()].map((job) => job.lines.map((line) => line.body));
  expect(rounds).toHaveLength(2);
  expect(rounds[0]!.map((body) => body.response_format?.type)).toEqual(["json_schema", "json_schema"]);
  expect(rounds[1]!.map((body) => body.response_format?.type)).toEqual(["json_object", "json_object"]);
  expect(rounds[1]!.every((body) => body.messages[0]!.content.includes("interface Customer"))).toBe(true);
  for (const call of calls) {
    expect(call.attempts.map((attempt) => attempt.mode)).toEqual(["structured", "json"]);
    expect(call.fallbacks).toEqual([{ from: "structured", to: "json", reason: expect.stringMatching(/did not enforce it/) }]);
  }
});
