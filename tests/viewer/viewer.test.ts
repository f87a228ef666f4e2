import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { traceSpans, type SpanJson, type TraceJson } from "../../runtime";
import { main } from "../../cli/main";
import { sampleTrace } from "./sample-trace";

/**
 * The trace viewer in real headless Chromium (Debian's, driven by playwright-core): a page
 * written by `llm-strategy trace`, and the empty viewer opening a file by picker and by drop.
 */
jest.setTimeout(120_000);

const VIEWER = path.resolve(__dirname, "..", "..", "viewer", "trace-viewer.html");
/** Screenshots are written here for people to look at; `LLM_STRATEGY_SCREENSHOTS` puts them elsewhere. */
const SCREENSHOTS = process.env.LLM_STRATEGY_SCREENSHOTS ?? path.join(os.tmpdir(), "llm-strategy-viewer");

let dir: string;
let profile: string;
let browser: BrowserContext;
let trace: TraceJson;
let traceFile: string;
let pageFile: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "llm-strategy-viewer-test-"));
  profile = fs.mkdtempSync(path.join(os.tmpdir(), "llm-strategy-chromium-"));
  trace = await sampleTrace();
  traceFile = path.join(dir, "customers.trace.json");
  fs.writeFileSync(traceFile, JSON.stringify(trace, null, 2));

  // The command writes the page and prints its path.
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(["trace", traceFile], { stdout: (text) => out.push(text), stderr: (text) => err.push(text), cwd: dir });
  expect(code).toBe(0);
  pageFile = out.join("").trim();
  expect(pageFile).toBe(path.join(dir, "customers.trace.html"));
  expect(err.join("")).toMatch(/^Wrote \d+ spans \(\d+ model calls\) from customers\.trace\.json\.\n$/);

  // Without the background-networking flags, the closed network makes Chromium hang.
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    viewport: { width: 1400, height: 900 },
  });
});

afterAll(async () => {
  await browser?.close();
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(profile, { recursive: true, force: true });
});

async function open(file: string): Promise<Page> {
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(error.message));
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(message.text());
  });
  // Nothing may be fetched: the page is self-contained.
  page.on("request", (request) => {
    if (!request.url().startsWith("file://")) problems.push(`fetched ${request.url()}`);
  });
  await page.goto(`file://${file}`);
  (page as Page & { problems: string[] }).problems = problems;
  return page;
}

const problemsOf = (page: Page) => (page as Page & { problems: string[] }).problems;
const rowNames = (page: Page) => page.locator("#tree .row .name").allTextContents();
const row = (page: Page, span: SpanJson) => page.locator(`#tree .row[data-span-id="${span.id}"]`);
const spanNamed = (name: string) => traceSpans(trace).find((span) => span.name === name)!;

test("the page written by the CLI shows the tree, a call's prompt, replies, repairs, tokens and timings; expand and search work", async () => {
  const page = await open(pageFile);
  const spans = traceSpans(trace);
  const stubs = spans.filter((span) => span.kind === "stub");

  await expect(page.locator("#title").textContent()).resolves.toBe("Trace: customers");
  await expect(page.locator('#summary [data-summary="model calls"] b').textContent()).resolves.toBe(String(stubs.length));
  const tokens = stubs.reduce((sum, span) => sum + span.usage!.totalTokens, 0);
  await expect(page.locator('#summary [data-summary="tokens"] b').textContent()).resolves.toBe(tokens.toLocaleString("en"));
  await expect(page.locator('#summary [data-summary="errors"] b').textContent()).resolves.toBe(String(spans.filter((span) => span.status === "error").length));

  // The top level is open, and the way to every failure (which is selected first).
  const chain = spans.find((span) => span.kind === "chain")!;
  const emil = spanNamed("emil");
  expect(await rowNames(page)).toEqual(["customer run", "load customers", "ages", "Customer.age", chain.name, "emil", "Customer.age"]);
  await expect(page.locator("#tree .row.selected").getAttribute("data-span-id")).resolves.toBe(String(emil.children[0]!.id));

  // A collapsed node opens on its toggle and shows its children; a second click closes it.
  const chainStub = chain.children[0]!;
  await expect(row(page, chainStub).count()).resolves.toBe(0);
  await expect(row(page, chain).getAttribute("aria-expanded")).resolves.toBe("false");
  await row(page, chain).locator(".toggle").click();
  await expect(row(page, chainStub).locator(".name").textContent()).resolves.toBe("ChatChain.query");
  await expect(row(page, chain).getAttribute("aria-expanded")).resolves.toBe("true");
  await row(page, chain).locator(".toggle").click();
  await expect(row(page, chainStub).count()).resolves.toBe(0);

  // The repaired call (opened by double-clicking its parent): its prompt, both replies, the repair request, tokens and timings.
  const mock = spanNamed("MockCustomerDatabase.createMockCustomers");
  await row(page, spanNamed("load customers")).dblclick();
  await row(page, mock).click();
  await expect(row(page, mock).locator(".badge.repair").textContent()).resolves.toBe("1 repair");
  const details = page.locator("#details");
  await expect(details.locator("h2").textContent()).resolves.toBe("MockCustomerDatabase.createMockCustomers");
  await expect(details.locator(".message pre").first().textContent()).resolves.toMatch(/^Create mock customers with believable data/);
  const attempts = details.locator(".attempt");
  await expect(attempts.count()).resolves.toBe(2);
  await expect(attempts.nth(0).locator(".verdict").textContent()).resolves.toMatch(/^rejected \(\d+ errors\)$/);
  await expect(attempts.nth(0).locator("pre.reply").textContent()).resolves.toBe(mock.attempts![0]!.reply);
  await expect(attempts.nth(0).locator(".errors li").first().textContent()).resolves.toContain('missing required property "lastName"');
  await expect(attempts.nth(0).textContent()).resolves.toContain("parse repairs: code fence");
  await expect(attempts.nth(1).locator(".verdict").textContent()).resolves.toBe("accepted");
  await expect(attempts.nth(1).locator("details .message").count()).resolves.toBe(2);
  await expect(attempts.nth(1).locator("details").textContent()).resolves.toContain("That reply is not valid");
  await expect(attempts.nth(1).textContent()).resolves.toContain("505 + 160 tokens");
  await expect(details.locator(".facts").textContent()).resolves.toContain(`tokens${mock.usage!.totalTokens} (prompt 917, completion 190)`);
  await expect(row(page, mock).locator(".meta.duration").textContent()).resolves.toMatch(/^\d+(\.\d)? (µs|ms|s)$/);
  await page.screenshot({ path: screenshot("viewer-repair.png"), fullPage: false });

  // The concurrent calls show the hyperparameters in force; the cache hit is marked.
  await row(page, spanNamed("ages")).click();
  await expect(details.locator("table.kv").textContent()).resolves.toBe("viewer-sample.patience3");
  await expect(page.locator("#tree .badge.cache").count()).resolves.toBe(1);
  // Keyboard: down moves the selection, right opens.
  await page.keyboard.press("ArrowRight");
  await expect(page.locator("#tree .row .name").allTextContents()).resolves.toContain("Customer.age");

  // Search: only spans whose names, prompts, replies or values mention it (and the way to them).
  const query = "Lindqvist";
  const expected = spans.filter((span) => JSON.stringify({ ...span, children: [] }).toLowerCase().includes(query.toLowerCase()));
  expect(expected.length).toBeGreaterThan(1);
  await page.locator("#search").fill(query);
  await page.locator("#search").press("Enter");
  await expect(page.locator("#search-count").textContent()).resolves.toBe(`${expected.length} matches`);
  const shown = (await page.locator("#tree .row").evaluateAll((rows) => rows.map((element) => Number(element.getAttribute("data-span-id"))))).sort();
  for (const span of expected) expect(shown).toContain(span.id);
  expect(shown).not.toContain(chain.id);
  expect(shown).not.toContain(emil.id);
  await expect(details.locator("mark").first().textContent()).resolves.toBe(query);
  await page.screenshot({ path: screenshot("viewer-search.png"), fullPage: false });

  await page.locator("#search").fill("no such text anywhere");
  await page.locator("#search").press("Enter");
  await expect(page.locator("#search-count").textContent()).resolves.toBe("0 matches");
  await expect(page.locator("#tree").textContent()).resolves.toContain("Nothing matches.");

  // The failed call: its error and its rejected replies.
  await page.locator("#search").fill("");
  await page.locator("#search").press("Enter");
  const failed = emil.children[0]!;
  await row(page, failed).click();
  await expect(details.locator("pre.error-text").textContent()).resolves.toMatch(/^LLMOutputError: src\/customer\.ts:8 Customer\.age: the model's reply was still invalid after 2 attempts/);
  await expect(details.locator(".attempt.rejected").count()).resolves.toBe(2);
  await page.screenshot({ path: screenshot("viewer-error.png"), fullPage: false });

  expect(problemsOf(page)).toEqual([]);
});

test("the empty viewer opens a trace by file picker and by drag and drop", async () => {
  const page = await open(VIEWER);
  await expect(page.locator("#empty").isVisible()).resolves.toBe(true);
  await expect(page.locator("#main").isVisible()).resolves.toBe(false);

  await page.locator("#file").setInputFiles(traceFile);
  await page.locator("#tree .row").first().waitFor();
  await expect(page.locator("#title").textContent()).resolves.toBe("Trace: customers");
  await expect(page.locator("#empty").isVisible()).resolves.toBe(false);

  await page.reload();
  await expect(page.locator("#tree .row").count()).resolves.toBe(0);
  const text = fs.readFileSync(traceFile, "utf8");
  await drop(page, "dropped.json", text);
  await page.locator("#tree .row").first().waitFor();
  await expect(page.locator("#tree .row .name").first().textContent()).resolves.toBe("customer run");
  await expect(page.evaluate('document.body.classList.contains("dragging")')).resolves.toBe(false);

  // Other JSON is refused with a message, and the open trace stays.
  await drop(page, "other.json", '{"format": "something else"}');
  await page.locator("#error").waitFor({ state: "visible" });
  await expect(page.locator("#error").textContent()).resolves.toBe('Cannot open other.json: "format" is "something else", expected "llm-strategy.trace"');
  await expect(page.locator("#tree .row").count()).resolves.toBeGreaterThan(0);
  expect(problemsOf(page)).toEqual([]);
});

test("a trace recorded without content shows the calls and says the content was not kept", async () => {
  const private_ = await sampleTrace({ name: "private", captureContent: false });
  const file = path.join(dir, "private.json");
  fs.writeFileSync(file, JSON.stringify(private_));
  const out = path.join(dir, "pages", "private.html");
  expect(await main(["trace", file, "--out", out], { stdout: () => {}, stderr: () => {}, cwd: dir })).toBe(0);
  const page = await open(out);
  await row(page, traceSpans(private_).find((span) => span.name === "load customers")!).dblclick();
  await row(page, traceSpans(private_).find((span) => span.name === "MockCustomerDatabase.createMockCustomers")!).click();
  await expect(page.locator("#summary").textContent()).resolves.toContain("content not captured");
  await expect(page.locator("#details .message").count()).resolves.toBe(0);
  await expect(page.locator("#details .attempt").count()).resolves.toBe(2);
  await expect(page.locator("#details").textContent()).resolves.toContain("recorded without content");
  await page.screenshot({ path: screenshot("viewer-private.png") });
  expect(problemsOf(page)).toEqual([]);
});

test("text from the trace is shown as text, never run as HTML", async () => {
  const hostile: TraceJson = {
    format: "llm-strategy.trace",
    version: 1,
    name: "<img src=x onerror=\"window.__pwned=1\">",
    startTime: 0,
    durationMs: 1,
    contentCaptured: true,
    spans: [
      {
        id: 1,
        kind: "function",
        name: "</script><script>window.__pwned=2</script>",
        startTime: 0,
        durationMs: 1,
        status: "ok",
        input: ["<b>bold?</b>"],
        children: [],
      },
    ],
  };
  const file = path.join(dir, "hostile.json");
  fs.writeFileSync(file, JSON.stringify(hostile));
  const out = path.join(dir, "hostile.html");
  expect(await main(["trace", file, "--out", out], { stdout: () => {}, stderr: () => {}, cwd: dir })).toBe(0);
  const page = await open(out);
  await expect(page.locator("#tree .row .name").textContent()).resolves.toBe("</script><script>window.__pwned=2</script>");
  await expect(page.locator("#details pre").first().textContent()).resolves.toContain("<b>bold?</b>");
  await expect(page.evaluate("window.__pwned")).resolves.toBeUndefined();
});

/**
 * Drops a file on the page as a person dragging it from the desktop would (dragenter, then drop).
 * Page code is a string: the repository's type library has no DOM.
 */
async function drop(page: Page, name: string, text: string): Promise<void> {
  await page.evaluate(`(() => {
    const data = new DataTransfer();
    data.items.add(new File([${JSON.stringify(text)}], ${JSON.stringify(name)}, { type: "application/json" }));
    window.dispatchEvent(new DragEvent("dragenter", { dataTransfer: data, cancelable: true }));
    window.dispatchEvent(new DragEvent("drop", { dataTransfer: data, cancelable: true }));
  })()`);
}

function screenshot(name: string): string {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  return path.join(SCREENSHOTS, name);
}
