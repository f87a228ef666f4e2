/**
 * Secrets never appear where the runtime keeps or shows things: error messages (and their
 * causes, as `util.inspect` prints them), `CallInfo`, JSON traces, OpenTelemetry attributes,
 * recording files and SQLite caches. Through the real `openai` SDK against a local server that
 * echoes the credentials it receives back in its error bodies, as careless servers do.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { inspect } from "node:util";
import {
  cached,
  configureTracing,
  LLMRequestError,
  openAI,
  recording,
  registerSecret,
  TraceRecorder,
  traced,
  withCallOptions,
  type CallInfo,
  type LanguageModel,
  type OpenAIOptions,
} from "../../runtime";
import { isSecretName, mayHoldKnownSecret, redactText } from "../../runtime/redact";
import { startOpenAIServer, type OpenAIServer, type ReceivedRequest, type Reply } from "../helpers/openai-server";
import { inMemoryOpenTelemetry } from "../helpers/otel";
import { temporaryFolder } from "../offline/helpers";
import { Customer, customerJson, customerModel } from "./customer-specs";

const otel = inMemoryOpenTelemetry();
const { exporter } = otel;

let server: OpenAIServer;
let folder: ReturnType<typeof temporaryFolder>;
beforeAll(async () => {
  server = await startOpenAIServer(customerModel);
  otel.register();
  configureTracing({ openTelemetryContent: true });
});
afterAll(async () => {
  configureTracing({ openTelemetryContent: false });
  await otel.unregister();
  await server.close();
});
beforeEach(() => {
  folder = temporaryFolder("secrets");
  server.requests.length = 0;
  server.setHandler(customerModel);
  exporter.reset();
});
afterEach(() => folder.remove());

const customer = (index = 0): Customer => Object.assign(new Customer(), customerJson(index));

/** A request's headers and body as text, for a server that echoes everything it got. */
const echo = (request: ReceivedRequest): string => `${request.path} ${JSON.stringify(request.headers)} ${request.raw}`;

/**
 * Runs one stub call with `model` under a trace and an OpenTelemetry provider, and returns
 * everything the runtime kept or showed as one text: the error as `util.inspect` prints it (with
 * its causes and the SDK's copy of the response body), the `CallInfo`, the JSON trace, every
 * span's attributes and status.
 */
async function observe(model: LanguageModel, call: () => Promise<unknown> = () => customer().age): Promise<{ text: string; error: unknown; info: CallInfo }> {
  let info: CallInfo | undefined;
  const recorder = new TraceRecorder({ name: "secrets" });
  const error = await recorder.run(() => withCallOptions({ model, maxRepairs: 0, onCall: (call) => (info = call) }, call)).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  const spans = exporter.getFinishedSpans().map((span) => ({ name: span.name, attributes: span.attributes, status: span.status, events: span.events }));
  // Something to look in: the stub's span in both, with content (prompts, replies, error messages) captured.
  expect(spans.map((span) => span.name)).toContain("Customer.age");
  expect(recorder.toJSON().spans).toHaveLength(1);
  exporter.reset();
  const text = [
    error === undefined ? "" : `${String(error)}\n${(error as Error).stack}\n${inspect(error, { depth: 12 })}`,
    inspect(info, { depth: 12 }),
    JSON.stringify(recorder.toJSON()),
    JSON.stringify(spans),
  ].join("\n");
  return { text, error, info: info! };
}

/** Every file under the test folder, as text (an SQLite file's UTF-8 text is found in its bytes too). */
function filesText(): string {
  const texts: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else texts.push(`${entry.name}: ${fs.readFileSync(full).toString("latin1")}`);
    }
  };
  walk(folder.dir);
  return texts.join("\n");
}

function model(options: OpenAIOptions): ReturnType<typeof openAI> {
  return openAI({ model: "test-model", maxRetries: 0, ...options });
}

describe("credentials in baseURL", () => {
  test("user info: sent as Basic authorization, never shown, also when the server echoes it", async () => {
    const key = "USERINFO-KEY-5f1c9a";
    const url = new URL(server.baseURL);
    const baseURL = `http://someone:${key}@${url.host}/v1`;
    const openai = model({ baseURL });
    expect(openai.baseURL).toBe(`http://[redacted]@${url.host}/v1`);

    // It works: the SDK could not even send a URL with user info.
    expect(await (await observe(openai)).info.value).toBe(42);
    expect(server.requests[0]!.headers.authorization).toBe(`Basic ${Buffer.from(`someone:${key}`).toString("base64")}`);
    expect(server.requests[0]!.path).toBe("/v1/chat/completions");

    server.setHandler((request) => ({ status: 401, body: { error: { message: `Bad credentials ${echo(request)} for someone:${key}`, type: "invalid_request_error" } } }));
    const { text, error } = await observe(openai);
    expect(error).toBeInstanceOf(LLMRequestError);
    expect((error as LLMRequestError).status).toBe(401);
    expect((error as Error).message).toContain(`http://[redacted]@${url.host}/v1`);
    expect(text).toContain("Bad credentials");
    expect(text).not.toContain(key);
    expect(text).not.toContain(Buffer.from(`someone:${key}`).toString("base64"));
  });

  test("a key in a query parameter: sent with every request, never shown; other parameters stay readable", async () => {
    const key = "QUERY-KEY-77d0e2b4";
    const openai = model({ baseURL: `${server.baseURL}?api-key=${key}&api-version=2024-06-01` });
    expect(openai.baseURL).toBe(`${server.baseURL}?api-key=[redacted]&api-version=2024-06-01`);
    const file = path.join(folder.dir, "recording.json");
    const replies = recording(cached(openai, { path: path.join(folder.dir, "cache.sqlite") }), { path: file, mode: "record" });
    const { text, info } = await observe(replies);
    expect(info.value).toBe(42);
    expect(server.requests[0]!.path).toBe(`/v1/chat/completions?api-key=${key}&api-version=2024-06-01`);
    expect(text).not.toContain(key);

    server.setHandler((request) => ({ status: 400, body: { error: { message: `No deployment at ${echo(request)}` } } }));
    const failed = await observe(model({ baseURL: `${server.baseURL}?key=${key}` }));
    expect((failed.error as Error).message).toContain("?key=[redacted]");
    expect(failed.text).toContain("No deployment at /v1/chat/completions?key=[redacted]");
    expect(failed.text).not.toContain(key);
    (replies.inner as ReturnType<typeof cached>).close();
    expect(filesText()).not.toContain(key);
  });

  test("a server that cannot be reached: the message names the endpoint without its credentials", async () => {
    const key = "UNREACHABLE-KEY-31aa07";
    const closed = await startOpenAIServer(customerModel);
    const { host } = new URL(closed.baseURL);
    await closed.close();
    const { text, error } = await observe(model({ baseURL: `http://user:${key}@${host}/v1?token=${key}` }));
    expect(error).toBeInstanceOf(LLMRequestError);
    expect((error as Error).message).toContain(`could not reach http://[redacted]@${host}/v1?token=[redacted]`);
    expect(text).not.toContain(key);
  });
});

describe("the API key", () => {
  test("echoed by a 401 body: redacted in the message, the cause, CallInfo, traces and span attributes", async () => {
    const key = "sk-proj-ECHOED-9c2b11e4";
    server.setHandler((request) => ({
      status: 401,
      body: { error: { message: `Incorrect API key provided: ${request.headers.authorization}. You can find your API key at ...`, code: "invalid_api_key" } },
    }));
    const { text, error } = await observe(model({ baseURL: server.baseURL, apiKey: key }));
    expect(server.requests[0]!.headers.authorization).toBe(`Bearer ${key}`);
    expect((error as Error).message).toContain("Incorrect API key provided: Bearer [redacted]");
    // The SDK's error, kept as the cause, is cleaned too (what a logger prints).
    expect(inspect((error as Error).cause, { depth: 8 })).toContain("Incorrect API key provided");
    expect(text).not.toContain(key);
  });

  test("echoed in the reason an endpoint rejects a mode: the fallback kept in CallInfo and the trace is redacted", async () => {
    const key = "sk-FALLBACK-0b7d55aa";
    server.setHandler((request) =>
      request.body.response_format?.type === "json_schema"
        ? { status: 400, body: { error: { message: `response_format json_schema is not supported for ${request.headers.authorization}` } } }
        : customerModel(request),
    );
    // A model name of its own: modes learnt are remembered per endpoint and model.
    const { text, info } = await observe(model({ baseURL: server.baseURL, apiKey: key, model: "fallback-model" }));
    expect(info.value).toBe(42);
    expect(info.fallbacks).toHaveLength(1);
    expect(info.fallbacks[0]!.reason).toContain("not supported for Bearer [redacted]");
    expect(text).not.toContain(key);
  });
});

describe("secret-looking option values at any depth", () => {
  const secrets = { body: "EXTRA-BODY-KEY-41f0", nested: "NESTED-TOKEN-aa83c1", header: "HEADER-KEY-6d21e9", password: "PASSWORD-9911ff" };
  const options = (): OpenAIOptions => ({
    baseURL: server.baseURL,
    apiKey: "sk-options-test-key",
    extraBody: { api_key: secrets.body, provider: { routing: { auth: { token: secrets.nested }, order: ["a", "b"] } }, top_k: 5 },
    headers: { "x-api-key": secrets.header, "x-trace": "visible-header" },
  });

  test("are sent, and kept nowhere: recording file, SQLite cache, CallInfo, traces", async () => {
    const file = path.join(folder.dir, "recording.json");
    const cache = cached(model(options()), { path: path.join(folder.dir, "cache.sqlite") });
    const { text, info } = await observe(recording(cache, { path: file, mode: "record" }));
    cache.close();
    expect(info.value).toBe(42);
    const sent = server.requests[0]!;
    expect(sent.body.api_key).toBe(secrets.body);
    expect((sent.body.provider as { routing: { auth: { token: string } } }).routing.auth.token).toBe(secrets.nested);
    expect(sent.headers["x-api-key"]).toBe(secrets.header);

    const recorded = JSON.parse(fs.readFileSync(file, "utf8")) as { entries: { modelOptions: Record<string, unknown> }[] };
    expect(recorded.entries[0]!.modelOptions).toEqual({ extraBody: { api_key: "[redacted]", provider: { routing: { auth: "[redacted]", order: ["a", "b"] } }, top_k: 5 } });
    for (const secret of Object.values(secrets)) {
      expect(text).not.toContain(secret);
      expect(filesText()).not.toContain(secret);
    }
  });

  test("echoed by a failing server (the whole request, headers and body): redacted", async () => {
    server.setHandler((request): Reply => ({ status: 500, body: { error: { message: `upstream failed for ${echo(request)}` } } }));
    const { text, error } = await observe(model(options()));
    expect((error as LLMRequestError).status).toBe(500);
    expect(text).toContain("visible-header");
    for (const secret of Object.values(secrets)) expect(text).not.toContain(secret);
  });

  test("a custom model's options: names redacted at any depth in the recording", async () => {
    const file = path.join(folder.dir, "custom.json");
    const custom: LanguageModel = {
      id: "custom:model",
      options: { temperature: 0, auth: { clientSecret: secrets.password, region: "eu" } },
      complete: async () => ({ text: '{"value": 42}' }),
    };
    await observe(recording(custom, { path: file, mode: "record" }));
    const text = fs.readFileSync(file, "utf8");
    expect(text).not.toContain(secrets.password);
    expect(JSON.parse(text).entries[0].modelOptions).toEqual({ auth: "[redacted]", temperature: 0 });
  });
});

test("registerSecret: a custom model's secret is redacted from its errors, replies it echoes, recordings and traces", async () => {
  const secret = "CUSTOM-SECRET-e1e2e3e4";
  registerSecret(secret);
  const file = path.join(folder.dir, "echo.json");
  const refusing: LanguageModel = { id: "custom:echo", options: {}, complete: () => Promise.reject(new Error(`token ${secret} was refused`)) };
  const failed = await observe(refusing);
  expect((failed.error as Error).message).toContain("token [redacted] was refused");
  expect(failed.text).not.toContain(secret);

  // A reply with the secret after its JSON (lenient parsing accepts it).
  const echoing: LanguageModel = { id: "custom:echo", options: {}, complete: async () => ({ text: `{"value": 42} ${secret}` }) };
  const { text, info } = await observe(recording(echoing, { path: file, mode: "record" }));
  expect(info.value).toBe(42);
  expect(info.attempts[0]!.reply).toBe('{"value": 42} [redacted]');
  expect(text).not.toContain(secret);
  expect(fs.readFileSync(file, "utf8")).not.toContain(secret);
});

test("a known secret in a stub's input is redacted in CallInfo.input; an input without one is kept as it is", async () => {
  const secret = "INPUT-SECRET-5f5f5f5f";
  registerSecret(secret);
  const scripted: LanguageModel = { id: "custom:input", options: {}, complete: async () => ({ text: '{"value": 42}' }) };
  const infos: CallInfo[] = [];
  const withSecret = Object.assign(customer(), { address: `c/o ${secret}, Main Street 1` });
  await withCallOptions({ model: scripted, onCall: (info) => infos.push(info) }, async () => [await withSecret.age, await customer(1).age]);
  expect((infos[0]!.input.this as { address: string }).address).toBe("c/o [redacted], Main Street 1");
  expect(JSON.stringify(infos[0])).not.toContain(secret);
  expect(infos[1]!.input).toEqual({ this: customerJson(1) });
});

test("mayHoldKnownSecret: false only when no string redactValue looks at holds one; true when too deep or cyclic to tell", () => {
  const secret = "MAYHOLD-SECRET-0a0b0c0d";
  registerSecret(secret);
  expect(mayHoldKnownSecret({ a: [1, "x", { b: null }], c: true })).toBe(false);
  expect(mayHoldKnownSecret({ a: [1, { b: `is ${secret}` }] })).toBe(true);
  expect(mayHoldKnownSecret(Object.assign(Object.create(null) as object, { b: secret }))).toBe(true);
  // redactValue keeps class instances as they are: nothing in them to change.
  expect(mayHoldKnownSecret({ date: new Date(), instance: Object.assign(new Customer(), { address: secret }) })).toBe(false);
  const cyclic: Record<string, unknown> = { a: "x" };
  cyclic.self = cyclic;
  expect(mayHoldKnownSecret(cyclic)).toBe(true);
});

test("traces: values under secret-looking names are redacted at any depth, whatever the value", async () => {
  const connect = traced("connect", async (settings: Record<string, unknown>) => ({ connected: true, session: { accessToken: "tok-123", user: "ada" } }));
  const recorder = new TraceRecorder();
  await recorder.run(() => connect({ password: "short", apiKey: "k", nested: { Authorization: "Bearer abc" }, maxTokens: 5, promptTokens: 3 }));
  const [span] = recorder.toJSON().spans;
  expect(span!.input).toEqual([{ password: "[redacted]", apiKey: "[redacted]", nested: { Authorization: "[redacted]" }, maxTokens: 5, promptTokens: 3 }]);
  expect(span!.output).toEqual({ connected: true, session: { accessToken: "[redacted]", user: "ada" } });
});

describe("the rules", () => {
  test("secret-looking names", () => {
    const secret = ["apiKey", "api_key", "API-KEY", "x-api-key", "openaiApiKey", "authorization", "Proxy-Authorization", "token", "accessToken", "refresh_token", "secret", "client_secret", "password", "dbPassword", "passwd", "credentials", "privateKey", "cookie", "auth", "bearer"];
    const plain = ["maxTokens", "promptTokens", "totalTokens", "key", "model", "temperature", "tokenizer", "author", "secretary", "keyboard", "id"];
    expect(secret.filter((name) => !isSecretName(name))).toEqual([]);
    expect(plain.filter(isSecretName)).toEqual([]);
  });

  test("free text: URL user info, key-like query values, bearer credentials; nothing else", () => {
    expect(redactText("GET https://bob:pw@api.example.com/v1?api-key=abc&api-version=1&x=2 failed")).toBe(
      "GET https://[redacted]@api.example.com/v1?api-key=[redacted]&api-version=1&x=2 failed",
    );
    expect(redactText("header Authorization: Bearer sk-abcdefghijklmnop1234")).toBe("header Authorization: Bearer [redacted]");
    const plain = "Basic authentication failed for user bob; see https://example.com/docs?page=2 (tokens: 12)";
    expect(redactText(plain)).toBe(plain);
  });
});

test("warnings: an onCall hook that throws a secret is reported without it", async () => {
  const secret = "HOOK-SECRET-77aa01";
  registerSecret(secret);
  // Jest's sandboxed `process` does not receive the real process's "warning" events; watch the call instead.
  const emitWarning = jest.spyOn(process, "emitWarning").mockImplementation(() => {});
  try {
    const scripted: LanguageModel = { id: "custom:hook", options: {}, complete: async () => ({ text: '{"value": 42}' }) };
    const hook = () => {
      throw new Error(`could not log in with ${secret}`);
    };
    await expect(withCallOptions({ model: scripted, onCall: hook }, () => customer().age)).resolves.toBe(42);
    const messages = emitWarning.mock.calls.map(([message]) => String(message));
    expect(messages).toEqual(["An llm-strategy onCall hook threw: could not log in with [redacted]"]);
  } finally {
    emitWarning.mockRestore();
  }
});
