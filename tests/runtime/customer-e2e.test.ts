/**
 * The seed's customer flow end to end: the customer example compiled by the real
 * transformer (in memory, the same factory tspc runs), then run against the local
 * OpenAI-compatible server in every mode: create customers, their ages, natural-language search.
 */
import { configure, withCallOptions, type CallInfo } from "../../runtime";
import { compile } from "../helpers/compile";
import { customerExampleSource } from "../helpers/customer-example";
import { startOpenAIServer, type OpenAIServer } from "../helpers/openai-server";
import { customerModel } from "./customer-specs";

// Compiling with the real compiler takes seconds on a loaded machine.
jest.setTimeout(60_000);

// The test picks the mode; in a real project it is left out (the best the endpoint supports).
const source = customerExampleSource({ mode: "(globalThis as { llmTestMode?: OpenAIMode }).llmTestMode", customers: 10 });

interface CustomerModule {
  Customer: new () => { key: string; birthdate: string; age: Promise<number> };
  MockCustomerDatabase: new () => { customers: InstanceType<CustomerModule["Customer"]>[]; load(): Promise<void>; findCustomerKey(query: string): Promise<string[]> };
}

let server: OpenAIServer;
const savedEnv = { ...process.env };
beforeAll(async () => {
  server = await startOpenAIServer(customerModel);
  // The example's openAI() reads the endpoint from the environment, as a user's would.
  process.env.OPENAI_BASE_URL = server.baseURL;
  process.env.OPENAI_API_KEY = "test-key";
  process.env.OPENAI_MODEL = "local-model";
});
afterAll(async () => {
  process.env = savedEnv;
  delete (globalThis as { llmTestMode?: string }).llmTestMode;
  await server.close();
});

const compiled = compile({ files: { "src/customer.ts": source }, project: "runtime-customer-e2e" });

test("the example compiles through the plugin without diagnostics", () => {
  expect(compiled.compilerErrors).toEqual([]);
  expect(compiled.diagnostics).toEqual([]);
  expect(compiled.js("src/customer.ts")).toContain("__llmStrategy.invoke(");
});

describe.each(["structured", "tools", "json", "prompt"] as const)("mode %s", (mode) => {
  test("create customers, their ages, natural-language search", async () => {
    (globalThis as { llmTestMode?: string }).llmTestMode = mode;
    // A fresh compile per mode: the decorators read the mode when the module runs.
    const { Customer, MockCustomerDatabase } = compile({ files: { "src/customer.ts": source } }).load<CustomerModule>("src/customer.ts");
    server.requests.length = 0;
    const calls: CallInfo[] = [];
    await withCallOptions({ onCall: (info) => calls.push(info) }, async () => {
      const database = new MockCustomerDatabase();
      await database.load();
      expect(database.customers).toHaveLength(10);
      expect(database.customers.every((customer) => customer instanceof Customer)).toBe(true);
      const ages = await Promise.all(database.customers.map((customer) => customer.age));
      expect(ages).toEqual(database.customers.map((customer) => 2022 - Number(customer.birthdate.slice(0, 4))));
      const born1981 = database.customers.filter((customer) => customer.birthdate.startsWith("1981")).map((customer) => customer.key);
      await expect(database.findCustomerKey("the customer that was born in 1981")).resolves.toEqual(born1981);
    });
    expect(calls).toHaveLength(12);
    expect(calls.every((call) => call.mode === mode && call.attempts.length === 1)).toBe(true);
    expect(server.requests[0]!.body.max_tokens).toBe(1024);
    expect(server.requests[1]!.body.max_tokens).toBe(256);
    expect(server.requests[0]!.body.model).toBe("local-model");
    const formats = new Set(server.requests.map((request) => request.body.response_format?.type ?? (request.body.tools ? "tools" : "none")));
    expect([...formats]).toEqual([{ structured: "json_schema", tools: "tools", json: "json_object", prompt: "none" }[mode]]);
  });
});

test("default mode against an endpoint without json_schema: falls back to JSON mode and remembers", async () => {
  delete (globalThis as { llmTestMode?: string }).llmTestMode;
  const limited = await startOpenAIServer((request) =>
    request.body.response_format?.type === "json_schema"
      ? { status: 400, body: { error: { message: "response_format json_schema is not supported by this server" } } }
      : customerModel(request),
  );
  const before = configure({});
  process.env.OPENAI_BASE_URL = limited.baseURL;
  try {
    const { MockCustomerDatabase } = compile({ files: { "src/customer.ts": source } }).load<CustomerModule>("src/customer.ts");
    const database = new MockCustomerDatabase();
    await database.load();
    await Promise.all(database.customers.map((customer) => customer.age));
    const formats = limited.requests.map((request) => request.body.response_format?.type);
    expect(formats.slice(0, 2)).toEqual(["json_schema", "json_object"]);
    expect(formats.slice(2).every((format) => format === "json_object")).toBe(true);
  } finally {
    process.env.OPENAI_BASE_URL = server.baseURL;
    configure(before);
    await limited.close();
  }
});
