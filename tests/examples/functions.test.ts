/**
 * examples/functions: built with the real tspc, run offline from its committed recording, and
 * online against a local OpenAI-compatible server (to see what each kind of stub sends).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { lastUserText, replyJson, startOpenAIServer, type OpenAIServer, type ReceivedRequest, type Reply } from "../helpers/openai-server";
import { buildExample, exampleDir, offlineEnv, runNode } from "./helpers";

jest.setTimeout(90_000);

const EXAMPLE = exampleDir("functions");
const MAIN = path.join(EXAMPLE, "dist", "main.js");

let build: { status: number | null; output: string };
beforeAll(() => {
  build = buildExample("functions");
});

/** The example prints each call as `<call>   (<kind>)`, then `  → <value as JSON>`, then how it was answered. */
function results(stdout: string): Record<string, { value: unknown; how: string }> {
  const found: Record<string, { value: unknown; how: string }> = {};
  const pattern = /^(\S.*?) {3}\(.*\)\n {2}→ (.*)\n {4}(.*)$/gm;
  for (const match of stdout.matchAll(pattern)) found[match[1]!] = { value: JSON.parse(match[2]!), how: match[3]! };
  return found;
}

const CALLS = [
  "summarize(article, 20)",
  'translate(sentence, "Spanish")',
  "judgeReview(judge, review)",
  'wordGames.rhymes("light")',
  'wordGames.anagram("listen")',
  "extractFromEmail<Contact>(email)",
  "extractFromEmail<Meeting>(email)",
];

test("builds with tspc: no diagnostics; the manifest has every stub and both specialisations; the JS holds the JSDoc", () => {
  expect(build.output).toBe("");
  expect(build.status).toBe(0);
  const manifest = JSON.parse(fs.readFileSync(path.join(EXAMPLE, "dist", "llm-prompts.json"), "utf8")) as { stubs: { id: string; typeArguments?: string }[] };
  const names = manifest.stubs.map((entry) => `${entry.id.replace(/^src\/functions\.ts:\d+ /, "")}${entry.typeArguments ?? ""}`).sort();
  expect(names).toEqual([
    "WordGames.anagram",
    "WordGames.rhymes",
    "extractFromEmail<Contact>",
    "extractFromEmail<Meeting>",
    "extractFromEmailconstraints",
    "judgeReview",
    "summarize",
    "translate",
  ]);
  const functions = fs.readFileSync(path.join(EXAMPLE, "dist", "functions.js"), "utf8");
  expect(functions).toContain("Summarize the text in one plain sentence.");
  expect(functions).toContain('maxWords: { description: "Most words in the summary", type: "number" }');
  expect(functions).toContain("const translate = (text, language) => __llmStrategy.invoke(__llmStrategySpec_translate, void 0, [text, language]);");
  expect(functions).toContain('params: [{ name: "model", role: "model" }, { name: "review", role: "input" }]');
  expect(functions).toContain("exports.wordGames = __llmStrategy.implementInterface(__llmStrategyInterface_WordGames);");
  expect(functions).toContain("A real English word made of exactly the same letters as the given word, or null when there is none.");
  const main = fs.readFileSync(path.join(EXAMPLE, "dist", "main.js"), "utf8");
  // Each call site of the generic stub carries its own specialisation.
  expect(main.match(/__llmStrategy\.callSpecialized\(/g)).toHaveLength(2);
  expect(main).toContain('typeArguments: "<Contact>"');
  expect(main).toContain('typeArguments: "<Meeting>"');
  expect(main).toContain("/** Names of the people invited. */");
});

test("runs offline from the committed recording when no key or endpoint is set", async () => {
  const run = await runNode(MAIN, [], { env: offlineEnv() });
  expect(run.stderr).toBe("");
  expect(run.code).toBe(0);
  expect(run.stdout).toContain("Functions example (llm-strategy): OFFLINE, recorded answers (no OPENAI_API_KEY or OPENAI_BASE_URL set: replaying ");
  const found = results(run.stdout);
  expect(Object.keys(found)).toEqual(CALLS);
  expect(Object.fromEntries(CALLS.map((call) => [call, found[call]!.value]))).toEqual({
    "summarize(article, 20)": "Ada Lovelace wrote the first computer program in 1843.",
    'translate(sentence, "Spanish")': "La biblioteca abre a las nueve los sábados.",
    "judgeReview(judge, review)": {
      label: "positive",
      confidence: 0.67,
      evidence: ["The kettle boils fast and looks lovely on the counter", "but overall I'm very happy with it"],
    },
    'wordGames.rhymes("light")': ["night", "bright", "flight", "sight", "kite"],
    'wordGames.anagram("listen")': "silent",
    "extractFromEmail<Contact>(email)": { name: "Maria Keller", email: "maria.keller@northwind.example", phone: "+49 30 1234 5678", company: "Northwind Traders" },
    "extractFromEmail<Meeting>(email)": { title: "Quarterly planning review", date: "2025-03-12", startTime: "14:30", attendees: ["Maria Keller", "Tom", "Priya Shah", "Jonas Berg"] },
  });
  for (const call of CALLS) expect(found[call]!.how).toMatch(/^openai:local-stand-in, 1 attempt, replayed from the recording/);
  expect(found["extractFromEmail<Contact>(email)"]!.how).toContain("type arguments <Contact>");
  expect(found["extractFromEmail<Meeting>(email)"]!.how).toContain("type arguments <Meeting>");
});

test("the committed recording holds the explicit judge's options apart from the default model's", () => {
  const recording = JSON.parse(fs.readFileSync(path.join(EXAMPLE, "recordings", "session.json"), "utf8")) as {
    entries: { stub: string; modelOptions: Record<string, unknown> }[];
  };
  const options = Object.fromEntries(recording.entries.map((entry) => [entry.stub.replace(/^src\/functions\.ts:\d+ /, ""), entry.modelOptions]));
  expect(options).toEqual({
    summarize: {},
    translate: {},
    judgeReview: { temperature: 0 },
    "WordGames.rhymes": {},
    "WordGames.anagram": {},
    extractFromEmail: {},
  });
});

test("the committed recording is exactly what the stand-in model gives when the example runs with --record", async () => {
  // A copy of the built example inside the repository (so `llm-strategy` still resolves to it), recording into its own folder.
  const copy = path.join(EXAMPLE, ".tmp", `record-${process.pid}`);
  fs.cpSync(path.join(EXAMPLE, "dist"), path.join(copy, "dist"), { recursive: true });
  try {
    const run = await runNode(path.join(copy, "dist", "record-offline-session.js"), [], { env: offlineEnv() });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Recorded 7 replies of the stand-in model "local-stand-in".');
    // If this fails after a change to the example or to how stubs are compiled, re-record:
    // node examples/functions/dist/record-offline-session.js
    const recorded = fs.readFileSync(path.join(copy, "recordings", "session.json"), "utf8");
    expect(recorded).toBe(fs.readFileSync(path.join(EXAMPLE, "recordings", "session.json"), "utf8"));
  } finally {
    fs.rmSync(path.join(EXAMPLE, ".tmp"), { recursive: true, force: true });
  }
});

describe("online, against a local OpenAI-compatible server", () => {
  let server: OpenAIServer;
  afterAll(async () => {
    await server?.close();
  });

  /** The properties of the reply schema a request sent (structured output). */
  const replyProperties = (request: ReceivedRequest) => Object.keys((request.body.response_format?.json_schema?.schema.properties as object | undefined) ?? {});

  function answer(request: ReceivedRequest): Reply {
    const prompt = lastUserText(request);
    if (prompt.startsWith("Summarize the text")) return replyJson(request, { value: "Ada Lovelace wrote the first program." });
    if (prompt.startsWith("Translate the text")) return replyJson(request, { value: "La biblioteca abre a las nueve los sábados." });
    if (prompt.startsWith("Judge the sentiment")) return replyJson(request, { label: "mixed", confidence: 0.5, evidence: ["a bit stiff"] });
    if (prompt.startsWith("Words that rhyme")) return replyJson(request, { value: ["night", "kite"] });
    if (prompt.startsWith("A real English word")) return replyJson(request, { value: null });
    if (prompt.startsWith("Extract the details")) {
      return replyProperties(request).includes("attendees")
        ? replyJson(request, { title: "Planning", date: "2025-03-12", startTime: "14:30", attendees: ["Tom"] })
        : replyJson(request, { name: "Maria Keller", email: "maria@example.com", phone: null, company: null });
    }
    return { status: 400, body: { error: { message: `unknown prompt: ${prompt.slice(0, 40)}` } } };
  }

  test("each stub asks the model; the generic stub sends each call site's own schema; the explicit model is the judge", async () => {
    server = await startOpenAIServer(answer);
    const env = offlineEnv({ OPENAI_BASE_URL: server.baseURL, OPENAI_API_KEY: "test-key", OPENAI_MODEL: "local-model" });
    const run = await runNode(MAIN, [], { env });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const found = results(run.stdout);
    expect(Object.keys(found)).toEqual(CALLS);
    expect(found["judgeReview(judge, review)"]!.value).toEqual({ label: "mixed", confidence: 0.5, evidence: ["a bit stiff"] });
    expect(found['wordGames.anagram("listen")']!.value).toBeNull();
    // Strict structured output sent the optional fields as null; the runtime gave back the user's type (absent).
    expect(found["extractFromEmail<Contact>(email)"]!.value).toEqual({ name: "Maria Keller", email: "maria@example.com" });
    expect(found["extractFromEmail<Meeting>(email)"]!.value).toEqual({ title: "Planning", date: "2025-03-12", startTime: "14:30", attendees: ["Tom"] });
    for (const call of CALLS) expect(found[call]!.how).toMatch(/^openai:local-model, 1 attempt, answered by the model/);

    const requests = server.requests;
    expect(requests).toHaveLength(7);
    const extracts = requests.filter((request) => lastUserText(request).startsWith("Extract the details"));
    expect(extracts.map(replyProperties)).toEqual([
      ["name", "email", "phone", "company"],
      ["title", "date", "startTime", "attendees"],
    ]);
    const judged = requests.filter((request) => lastUserText(request).startsWith("Judge the sentiment"));
    expect(judged.map((request) => request.body.temperature)).toEqual([0]);
    expect(requests.filter((request) => request.body.temperature !== undefined)).toHaveLength(1);
  });
});
