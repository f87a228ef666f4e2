/**
 * examples/customer-database: built with the real tspc, then used as a person uses it — in a
 * real terminal (tmux), offline from the committed recording — and through a pipe, online
 * against a local OpenAI-compatible server, and re-recorded with its stand-in model.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startBatchServer } from "../helpers/batch-server";
import { replyJson, startOpenAIServer, type OpenAIServer, type ReceivedRequest, type Reply } from "../helpers/openai-server";
import { buildExample, exampleDir, offlineEnv, REPO, runNode } from "./helpers";

jest.setTimeout(90_000);

const EXAMPLE = exampleDir("customer-database");
const MAIN = path.join(EXAMPLE, "dist", "main.js");
const RECORDING = path.join(EXAMPLE, "recordings", "session.json");

/** The customers in the committed recording (made by the stand-in model; see the example's README). */
const RECORDED_CUSTOMERS = [
  ["CUST-001", "Aiko Tanaka", "1990-03-14"],
  ["CUST-002", "Lars Johansson", "1975-11-02"],
  ["CUST-003", "Amara Okafor", "1988-07-21"],
  ["CUST-004", "Mateo García", "1962-01-30"],
  ["CUST-005", "Priya Sharma", "1995-09-09"],
  ["CUST-006", "Chloé Dubois", "1983-05-17"],
  ["CUST-007", "Lucas Oliveira", "2001-12-05"],
  ["CUST-008", "Fatima Al-Sayed", "1970-04-26"],
  ["CUST-009", "Ethan Walker", "1990-10-08"],
  ["CUST-010", "Hana Novák", "1957-08-19"],
] as const;

const RECORDED_SEARCHES = ["customers living in Europe", "customers younger than 30", "the customer born in 1990", "the oldest customer", "who lives in Tokyo?"];

let build: { status: number | null; output: string };
beforeAll(() => {
  build = buildExample("customer-database");
});

interface Row {
  mark: string;
  key: string;
  name: string;
  born: string;
  age: string;
}

/** The rows of the last customer table in `text`. */
function lastTable(text: string): Row[] {
  const blocks = text.split(/^match +key +name +born +age +address *$/m);
  const rows: Row[] = [];
  for (const line of blocks[blocks.length - 1]!.split("\n")) {
    const match = /^(▶ \d+)?\s*(CUST-\d{3}|c\d+)\s{2,}(.+?)\s{2,}(\d{4}-\d{2}-\d{2})\s+(\d+|\?|…)\s{2}/.exec(line);
    if (match) rows.push({ mark: match[1] ?? "", key: match[2]!, name: match[3]!, born: match[4]!, age: match[5]! });
  }
  return rows;
}

const marks = (rows: Row[]) => Object.fromEntries(rows.filter((row) => row.mark).map((row) => [row.key, row.mark]));

/** The lines that list the customers as they arrive: `   1. CUST-001  Aiko Tanaka, born 1990-03-14`. */
function arrivals(customers: readonly (readonly [string, string, string])[]): string {
  return customers.map(([key, name, born], index) => `  ${String(index + 1).padStart(2)}. ${key}  ${name}, born ${born}\n`).join("");
}

function expectRecordedCustomersWithAges(rows: Row[]): void {
  expect(rows.map((row) => [row.key, row.name, row.born])).toEqual(RECORDED_CUSTOMERS.map((customer) => [...customer]));
  // The recorded answers of the `age` stub: years since the birth year, as of 2022.
  expect(rows.map((row) => Number(row.age))).toEqual(RECORDED_CUSTOMERS.map(([, , born]) => 2022 - Number(born.slice(0, 4))));
}

test("builds with tspc: no diagnostics, the manifest lists the three stubs, the JS holds their JSDoc", () => {
  expect(build.output).toBe("");
  expect(build.status).toBe(0);
  const manifest = JSON.parse(fs.readFileSync(path.join(EXAMPLE, "dist", "llm-prompts.json"), "utf8")) as { stubs: { id: string; file: string }[] };
  expect(manifest.stubs.map((entry) => entry.id).sort()).toEqual([
    "src/customer.ts:18 CustomerDatabase.findCustomerKey",
    "src/customer.ts:25 MockCustomerDatabase.createMockCustomers",
    "src/customer.ts:7 Customer.age",
  ]);
  const js = fs.readFileSync(path.join(EXAMPLE, "dist", "customer.js"), "utf8");
  expect(js).toContain("Return the current age of the customer, from \\`birthdate\\` and the current year (2022).");
  expect(js).toContain('"the customer that was born in 1990" are supported.');
  expect(js).toContain('query: { description: "Natural language query", type: "string" }');
  expect(js).toContain("Create mock customers with believable data (our customers are world citizens).");
  expect(js).toContain("__llmStrategy.invoke(__llmStrategySpec_Customer_age, this, [])");
});

test("offline through a pipe (--offline wins over a configured key): recorded customers, ages, searches, a clear miss", async () => {
  // An endpoint that would refuse every connection: --offline must not touch it.
  const env = offlineEnv({ OPENAI_API_KEY: "sk-unused", OPENAI_BASE_URL: "http://127.0.0.1:9/v1" });
  const run = await runNode(MAIN, ["--offline"], { env, input: "the oldest customer\n  WHO lives in   tokyo?\nWHO LIVES IN tokyo\ncustomers on the moon\nq\n" });
  expect(run.stderr).toBe("");
  expect(run.code).toBe(0);
  const out = run.stdout;
  expect(out).toContain("OFFLINE: these are recorded answers (--offline); no model is asked.");
  for (const search of RECORDED_SEARCHES) expect(out).toContain(`  • ${search}\n`);
  expect(out).toContain("ages 10/10");
  // The customers are listed one by one as they stream from the recording (it keeps the pieces), before the ages.
  expect(out.slice(out.indexOf("Creating 10 mock customers…\n"), out.indexOf("ages 10/10"))).toBe(`Creating 10 mock customers…\n${arrivals(RECORDED_CUSTOMERS)}`);

  const [initial, afterOldest, afterTokyo, afterUnpunctuated] = out.split("search> ").map(lastTable);
  expectRecordedCustomersWithAges(initial!);
  expect(marks(initial!)).toEqual({});
  expect(marks(afterOldest!)).toEqual({ "CUST-010": "▶ 1" });
  expect(out).toContain("1 match for “the oldest customer”, best first: CUST-010 Hana Novák");
  // Another spelling of a recorded search finds its recorded answer.
  expect(marks(afterTokyo!)).toEqual({ "CUST-001": "▶ 1" });
  // Without its question mark and in capitals too: punctuation, case and spacing aside, the words match.
  expect(marks(afterUnpunctuated!)).toEqual({ "CUST-001": "▶ 1" });
  expect(out).toContain("1 match for “WHO LIVES IN tokyo”, best first: CUST-001");
  expect(out).toContain(`  • ${RECORDED_SEARCHES[RECORDED_SEARCHES.length - 1]}\nA search matches one of these with the same words, whatever the case, spacing and punctuation.\n`);
  expect(out).toContain("“customers on the moon” is not in the recording, and offline there is no model to ask it.");
  expect(out.trimEnd().endsWith("Bye.")).toBe(true);
});

test("offline with --batch: the ages replay inside a batch (nothing sent), with the progress bar", async () => {
  const env = offlineEnv({ OPENAI_API_KEY: "sk-unused", OPENAI_BASE_URL: "http://127.0.0.1:9/v1" });
  const run = await runNode(MAIN, ["--offline", "--batch"], { env, input: "q\n" });
  expect(run.stderr).toBe("");
  expect(run.code).toBe(0);
  expect(run.stdout).toContain("ages 10/10 ██████████\n10 ages computed in a batch, all replayed (nothing sent) in ");
  expectRecordedCustomersWithAges(lastTable(run.stdout.split("search> ")[0]!));
});

describe("in a real terminal (tmux)", () => {
  const socket = `llm-strategy-examples-${process.pid}`;
  const tmux = (...args: string[]) => execFileSync("tmux", ["-L", socket, ...args], { encoding: "utf8" });
  const screen = (session: string, options: string[] = []) => tmux("capture-pane", "-p", ...options, "-t", session);
  const paneDead = (session: string) => tmux("display-message", "-p", "-t", session, "#{pane_dead}").trim() === "1";
  let config: string;
  let server: OpenAIServer | undefined;

  /** Polls the screen until `predicate` holds; fails with the screen as it was at the deadline. */
  async function waitForScreen(session: string, predicate: (text: string) => boolean, what: string, timeoutMs = 20_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const text = screen(session);
      if (predicate(text)) return text;
      if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}. The screen:\n${text}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  function type(session: string, text: string): void {
    tmux("send-keys", "-t", session, "-l", text);
    tmux("send-keys", "-t", session, "Enter");
  }

  /** Starts the program in a 120x40 terminal; `env` are the settings it gets, every other model setting is removed. */
  function startProgram(session: string, env: Record<string, string> = {}): void {
    const settings = Object.entries(env).map(([name, value]) => `${name}=${JSON.stringify(value)}`);
    const program = ["env", "-u OPENAI_API_KEY -u OPENAI_BASE_URL -u OPENAI_MODEL -u LLM_STRATEGY_RECORDING -u NO_COLOR", "TERM=xterm-256color", ...settings, "node", JSON.stringify(MAIN)].join(" ");
    // The shell prints the program's exit status when it ends (tmux's #{pane_dead_status} is not always filled in).
    tmux("-f", config, "new-session", "-d", "-x", "120", "-y", "40", "-s", session, "-c", REPO, `${program}; echo "[exit status $?]"`);
  }

  beforeAll(() => {
    // Keep panes after their program ends, to read the last screen and the exit status.
    config = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "llm-strategy-tmux-")), "tmux.conf");
    fs.writeFileSync(config, "set -g remain-on-exit on\n");
  });

  afterAll(async () => {
    try {
      tmux("kill-server");
    } catch {
      // No session was started, or the server is gone already.
    }
    fs.rmSync(path.dirname(config), { recursive: true, force: true });
    await server?.close();
  });

  test("offline (no key, no endpoint): customers with ages, the recorded-answers notice, a highlighted search, a clear miss, quit", async () => {
    startProgram("offline");
    const first = await waitForScreen("offline", (text) => text.includes("Quit with q"), "the table and the search prompt");
    expect(first).toContain("OFFLINE: these are recorded answers (no OPENAI_API_KEY or OPENAI_BASE_URL set); no model is asked.");
    expect(first).toContain("Searches available offline:");
    for (const search of RECORDED_SEARCHES) expect(first).toContain(`• ${search}`);
    expect(first).toContain("ages 10/10 ██████████");
    expect(first).toContain(arrivals(RECORDED_CUSTOMERS));
    expectRecordedCustomersWithAges(lastTable(first));
    // The prompt waits on the last line (capture-pane drops trailing spaces).
    expect(first.trimEnd().split("\n").pop()).toBe("search>");

    type("offline", "the customer born in 1990");
    const found = await waitForScreen("offline", (text) => text.includes("matches for “the customer born in 1990”"), "the search result");
    const rows = lastTable(found);
    expect(rows).toHaveLength(10);
    expect(marks(rows)).toEqual({ "CUST-001": "▶ 1", "CUST-009": "▶ 2" });
    expect(found).toContain("2 matches for “the customer born in 1990”, best first: CUST-001 Aiko Tanaka, CUST-009 Ethan Walker");
    // In colour too: the matching rows (and only they) have the yellow background.
    const coloured = screen("offline", ["-e"]).split("\n");
    // The last table's row of `key` (the summary line below it names keys with one space after them).
    const lineOf = (key: string) => coloured.filter((line) => line.includes(`${key}  `)).pop()!;
    expect(lineOf("CUST-001")).toContain("\x1b[43m");
    expect(lineOf("CUST-009")).toContain("\x1b[43m");
    expect(lineOf("CUST-002")).not.toContain("\x1b[43m");

    type("offline", "customers on the moon");
    const missed = await waitForScreen("offline", (text) => text.includes("is not in the recording"), "the message for an unrecorded search");
    expect(missed).toContain("“customers on the moon” is not in the recording, and offline there is no model to ask it.");
    expect(missed).toContain("Offline, try one of:");
    expect(paneDead("offline")).toBe(false);

    type("offline", "q");
    await waitForScreen("offline", () => paneDead("offline"), "the program to end");
    expect(screen("offline")).toMatch(/^search> q\nBye\.\n\[exit status 0\]$/m);
  });

  test("online: customers listed row by row as they stream; the progress line counts the ages as they arrive, in place; Ctrl-D quits", async () => {
    // Each age arrives 250 ms after the previous one (by birth year), so the count is seen climbing;
    // the customer list streams in pieces of 12 characters every 25 ms (about 2 s in all).
    server = await startOpenAIServer((request) => {
      const reply = customerModel(request);
      const prompt = request.body.messages[0]!.content;
      if (prompt.startsWith("Create mock customers")) return { ...reply, chunkChars: 12, chunkDelayMs: 25 };
      const born = /"birthdate":"(\d{4})/.exec(prompt)?.[1];
      return prompt.startsWith("Return the current age") ? { ...reply, delayMs: 250 * (Number(born) - 1979) } : reply;
    });
    startProgram("online", { OPENAI_BASE_URL: server.baseURL, OPENAI_API_KEY: "test-key", OPENAI_MODEL: "local-model" });
    // Some customers listed, not all yet, and the one being written shown below them.
    const listing = await waitForScreen("online", (text) => /^ {2}[ 1-9][1-9]\. c\d/m.test(text), "the first streamed customer");
    expect(listing).not.toContain("10. c9");
    expect(listing).not.toMatch(/^ages /m);
    expect(server.requests[0]!.body.stream).toBe(true);
    const midway = await waitForScreen("online", (text) => /^ages [1-9]\/10 /m.test(text), "a partial age count");
    const count = Number(/^ages (\d)\/10 (█+)(░+)$/m.exec(midway)?.[1]);
    expect(/^ages (\d)\/10 (█+)(░+)$/m.exec(midway)?.slice(2).map((bar) => bar.length)).toEqual([count, 10 - count]);
    const done = await waitForScreen("online", (text) => text.includes("Quit with q"), "the table");
    // Every customer listed once, in order (the line of the one being written was rewritten in place).
    const listed = done.split("\n").filter((line) => /^ {2}[ 1]\d\. c\d/.test(line));
    expect(listed).toEqual(Array.from({ length: 10 }, (_, index) => `  ${String(index + 1).padStart(2)}. c${index}  ${["Ada", "Bao", "Chidi", "Dara", "Emil"][index % 5]} ${["Okafor", "Lindqvist", "Tanaka", "Moreau", "Silva"][index % 5]}, born ${1980 + index}-0${(index % 9) + 1}-15`));
    // Rewritten in place: one progress line, at its final count.
    expect(done.match(/^ages /gm)).toEqual(["ages "]);
    expect(done).toContain("ages 10/10 ██████████");
    expect(done).toContain(`Online: asking ${server.baseURL} (model local-model).`);
    expect(lastTable(done).map((row) => row.age)).toEqual(["42", "41", "40", "39", "38", "37", "36", "35", "34", "33"]);

    tmux("send-keys", "-t", "online", "C-d");
    await waitForScreen("online", () => paneDead("online"), "the program to end");
    expect(screen("online")).toMatch(/^Bye\.\n\[exit status 0\]$/m);
  });
});

/**
 * A "model" for the local server that does the example's three tasks from what each request
 * carries (the inputs after "Input: " in the prompt): customers c0..c9 born 1980..1989, their
 * ages, and searches for a birth year.
 */
function customerModel(request: ReceivedRequest): Reply {
  const prompt = request.body.messages[0]!.content;
  const line = prompt.split("\n").find((text) => text.startsWith("Input: "));
  const input = JSON.parse(line!.slice("Input: ".length)) as {
    numCustomers?: number;
    query?: string;
    this?: { birthdate?: string; customers?: { key: string; birthdate: string }[] };
  };
  if (prompt.startsWith("Create mock customers")) {
    const customers = Array.from({ length: input.numCustomers ?? 1 }, (_, index) => ({
      key: `c${index}`,
      firstName: ["Ada", "Bao", "Chidi", "Dara", "Emil"][index % 5]!,
      lastName: ["Okafor", "Lindqvist", "Tanaka", "Moreau", "Silva"][index % 5]!,
      birthdate: `${1980 + index}-0${(index % 9) + 1}-15`,
      address: `${index + 1} Harbour Road, Lisbon, Portugal`,
    }));
    return replyJson(request, { value: customers });
  }
  if (prompt.startsWith("Return the current age")) return replyJson(request, { value: 2022 - Number(input.this!.birthdate!.slice(0, 4)) });
  if (prompt.startsWith("Find the keys")) {
    const year = /born in (\d{4})/.exec(input.query ?? "")?.[1] ?? "none";
    return replyJson(request, { value: input.this!.customers!.filter((customer) => customer.birthdate.startsWith(year)).map((customer) => customer.key) });
  }
  return { status: 400, body: { error: { message: `unknown prompt: ${prompt.slice(0, 40)}` } } };
}

describe("online, against a local OpenAI-compatible server", () => {
  let server: OpenAIServer;
  afterEach(async () => {
    await server?.close();
  });

  test("the classes' own models answer; the ten age calls run at once; a search highlights its rows", async () => {
    server = await startOpenAIServer(async (request): Promise<Reply> => {
      const reply = customerModel(request);
      // Slow ages: all ten are in flight together only if the program starts them concurrently.
      return request.body.messages[0]!.content.startsWith("Return the current age") ? { ...reply, delayMs: 300 } : reply;
    });
    const env = offlineEnv({ OPENAI_BASE_URL: server.baseURL, OPENAI_API_KEY: "test-key", OPENAI_MODEL: "local-model" });
    // Input ends without "q": end of input (Ctrl-D) quits too.
    const run = await runNode(MAIN, [], { env, input: "the customer born in 1985\n" });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Online: asking ${server.baseURL} (model local-model).`);
    expect(run.stdout).not.toContain("recorded answers");

    const bodies = server.requests.map((request) => request.body);
    expect(bodies).toHaveLength(12);
    expect(bodies.every((body) => body.model === "local-model")).toBe(true);
    // @llmStrategy(openAI({ maxTokens: 1024 })) on MockCustomerDatabase, 256 on Customer.
    expect(bodies.map((body) => body.max_tokens)).toEqual([1024, ...Array(10).fill(256), 1024]);
    expect(server.inFlight.max).toBe(10);

    const [initial, afterSearch] = run.stdout.split("search> ").map(lastTable);
    expect(initial!.map((row) => Number(row.age))).toEqual(initial!.map((row) => 2022 - Number(row.born.slice(0, 4))));
    expect(initial).toHaveLength(10);
    expect(marks(afterSearch!)).toEqual({ c5: "▶ 1" });
    expect(run.stdout.trimEnd().endsWith("Bye.")).toBe(true);
  });

  test("with --batch, the ten ages go to the server's Batch API as one job (no chat completion for them); the table is the same", async () => {
    const batches = await startBatchServer(customerModel);
    server = batches;
    const env = offlineEnv({ OPENAI_BASE_URL: batches.baseURL, OPENAI_API_KEY: "test-key", OPENAI_MODEL: "local-model", BATCH_POLL_MS: "20" });
    const run = await runNode(MAIN, ["--batch"], { env, input: "the customer born in 1985\n" });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("ages 10/10 ██████████\n10 ages computed as one batch job (1 round) in ");
    expect(batches.count("POST", "/v1/batches")).toBe(1);
    const [job] = [...batches.batches.values()];
    expect(job!.lines).toHaveLength(10);
    // @llmStrategy(openAI({ maxTokens: 256 })) on Customer: the lines are what the direct calls would send.
    expect(job!.lines.every((line) => line.body.model === "local-model" && line.body.max_tokens === 256)).toBe(true);
    // Only the customer list and the search went as chat completions.
    expect(batches.count("POST", "/v1/chat/completions")).toBe(2);
    const [initial, afterSearch] = run.stdout.split("search> ").map(lastTable);
    expect(initial!.map((row) => Number(row.age))).toEqual(initial!.map((row) => 2022 - Number(row.born.slice(0, 4))));
    expect(marks(afterSearch!)).toEqual({ c5: "▶ 1" });
  });

  test("a provider error is one readable line on stderr, not a stack trace", async () => {
    server = await startOpenAIServer(() => ({ status: 401, body: { error: { message: "Incorrect API key provided", type: "invalid_request_error" } } }));
    const env = offlineEnv({ OPENAI_BASE_URL: server.baseURL, OPENAI_API_KEY: "wrong-key" });
    const run = await runNode(MAIN, [], { env });
    expect(run.code).toBe(1);
    const lines = run.stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^✖ LLMRequestError: .*MockCustomerDatabase\.createMockCustomers.*401/);
    expect(run.stderr).not.toMatch(/^\s+at /m);
  });
});

describe("the committed recording", () => {
  // A copy of the built example inside the repository (so `llm-strategy` still resolves to it), recording into its own folder.
  const copy = path.join(EXAMPLE, ".tmp", `record-${process.pid}`);
  beforeAll(() => {
    fs.cpSync(path.join(EXAMPLE, "dist"), path.join(copy, "dist"), { recursive: true });
  });
  afterAll(() => {
    fs.rmSync(path.join(EXAMPLE, ".tmp"), { recursive: true, force: true });
  });

  test("without a recording, offline mode says how to get one back, in one line", async () => {
    const run = await runNode(path.join(copy, "dist", "main.js"), ["--offline"], { env: offlineEnv() });
    expect(run.code).toBe(1);
    expect(run.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(run.stderr).toMatch(/^✖ OfflineSetupError: cannot read the offline recording .*session\.json .*git checkout -- /);
  });

  test("is exactly what the stand-in model gives when the program runs with --record", async () => {
    const run = await runNode(path.join(copy, "dist", "record-offline-session.js"), [], { env: offlineEnv() });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Recorded 16 replies of the stand-in model "local-stand-in".');
    const recorded = fs.readFileSync(path.join(copy, "recordings", "session.json"), "utf8");
    // If this fails after a change to the example or to how stubs are compiled, re-record:
    // node examples/customer-database/dist/record-offline-session.js
    expect(recorded).toBe(fs.readFileSync(RECORDING, "utf8"));
  });
});
