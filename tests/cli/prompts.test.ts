/**
 * `llm-strategy prompts` and `prompts --diff`, run as the built bin on manifests written by real
 * tspc builds of a fixture project (tests/cli/helpers.ts): v1, v2 (one JSDoc and one property type
 * changed, one stub moved, one removed, one added) and v1 with every line shifted down.
 */
import { execFile, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { BIN, buildProject, entry, readEntries, requireBuild, runBin, SOURCES_V1, SOURCES_V2, type Entry } from "./helpers";
import { startOpenAIServer } from "../helpers/openai-server";
import { SPEC_VERSION } from "../../runtime/spec";

jest.setTimeout(120_000);

let root: string;
let v1: string;
let v2: string;
let shifted: string;

beforeAll(() => {
  requireBuild();
  root = fs.mkdtempSync(path.join(os.tmpdir(), "llm-strategy-cli-prompts-"));
  v1 = buildProject(path.join(root, "v1"), SOURCES_V1);
  v2 = buildProject(path.join(root, "v2"), SOURCES_V2);
  // Same code two lines further down in every file: ids change, prompts do not.
  shifted = buildProject(path.join(root, "v1-shifted"), Object.fromEntries(Object.entries(SOURCES_V1).map(([file, text]) => [file, `// one\n// two\n${text}`])));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const projectOf = (manifest: string) => path.dirname(path.dirname(manifest));

/** The prompt as the runtime sends it in JSON mode, worked out here from the manifest's own fields. */
function expectedPrompt(stub: Entry): string {
  return stub.template.replace("{{outputTypes}}", stub.outputTypes).trim();
}

/** The prompt as the runtime sends it in structured and tools mode, from the manifest's own fields. */
function expectedSchemaSentPrompt(stub: Entry): string {
  return stub.templateIfSchemaSent!.trim();
}

const JSON_PROMPT = "  prompt in json and prompt mode (the output types written in it)";
const SCHEMA_SENT_PROMPT = '  prompt in structured and tools mode (sent with "schema sent" below)';

/** The lines of the prompt under `heading` in a stub's block, without their `    | ` margin. */
function promptUnder(lines: string[], heading: string): string[] {
  const start = lines.indexOf(heading);
  if (start < 0) throw new Error(`no ${JSON.stringify(heading)} in:\n${lines.join("\n")}`);
  const end = lines.findIndex((line, index) => index > start && !line.startsWith("    |"));
  return lines.slice(start + 1, end < 0 ? undefined : end).map((line) => line.replace(/^    \| ?/, ""));
}

/** The "schema sent" line `prompts` prints for a manifest entry. */
function schemaSentLine(stub: Entry): string {
  // The manifest's keys are sorted, as the command prints them.
  return `  schema sent  name ${stub.schemaSent.name}, strict ${stub.schemaSent.strict}, schema ${JSON.stringify(stub.schemaSent.schema)}`;
}

/** Output blocks are separated by one empty line; nothing inside a block is empty. */
function block(stdout: string, head: string): string[] {
  const found = stdout.split("\n\n").find((each) => each.startsWith(head));
  if (!found) throw new Error(`no block starting with ${JSON.stringify(head)} in:\n${stdout}`);
  return found.split("\n");
}

describe("prompts [manifest]", () => {
  test("without an argument reads the manifest ./tsconfig.json names; grouped by file; both prompts as the model reads them, and the schema sent", () => {
    const entries = readEntries(v1);
    const { code, stdout, stderr } = runBin(projectOf(v1), ["prompts"]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout.split("\n")[0]).toBe("dist/llm-prompts.json: 8 stubs in 4 files.");
    expect(stdout.split("\n").filter((line) => line.startsWith("== "))).toEqual(["== src/banner.ts ==", "== src/catalogue.ts ==", "== src/generic.ts ==", "== src/shop.ts =="]);
    const heads = stdout.split("\n\n").filter((each) => /^\S/.test(each) && !each.startsWith("== ") && !each.startsWith("dist/")).map((each) => each.split("\n")[0]);
    expect(heads).toEqual([
      "slogan (function, line 4)",
      "describeProduct (function, line 20)",
      "guessPrice (function, line 23)",
      "echo <number> (function, line 4)",
      "echo (function, line 4)",
      "Shop.suggest (method, line 10)",
      "slogan (function, line 14)",
      "legacyHeadline (function, line 17)",
    ]);

    // guessPrice's reply type is output-only: the template has the placeholder, the output has the type filled in.
    const guess = entry(entries, "src/catalogue.ts:23 guessPrice");
    expect(guess.template).toContain("{{outputTypes}}");
    expect(guess.outputTypes).toContain("interface PriceGuess {");
    const lines = block(stdout, "guessPrice ");
    const prompt = promptUnder(lines, JSON_PROMPT);
    expect(prompt).toEqual(expectedPrompt(guess).split("\n").map((line) => line.trimEnd()));
    expect(prompt).toContain("Input: {{input}}");
    expect(prompt).toContain("interface PriceGuess {");
    // In structured and tools mode the schema states the reply's types: the prompt keeps the doc text and the input.
    const schemaSentPrompt = promptUnder(lines, SCHEMA_SENT_PROMPT);
    expect(schemaSentPrompt).toEqual(expectedSchemaSentPrompt(guess).split("\n").map((line) => line.trimEnd()));
    expect(schemaSentPrompt).toEqual(["Guess the price of a product from its name alone.", "", "Input: {{input}}"]);
    expect(lines).toContain(schemaSentLine(guess));
    expect(guess.schemaSent).toMatchObject({ name: "guessPrice", strict: true, schema: { type: "object", required: ["amount", "currency"], additionalProperties: false } });
    expect(lines.indexOf(JSON_PROMPT)).toBeLessThan(lines.indexOf(SCHEMA_SENT_PROMPT));
    expect(lines).toContain(`  id           src/catalogue.ts:23 guessPrice`);
    expect(lines).toContain(`  hash         ${guess.hash}`);
    expect(lines).toContain(`  tokens       json ${guess.tokens.json}, structured ${guess.tokens.structured}`);
    expect(lines).toContain(`  input        ${JSON.stringify(guess.input)}`);
    expect(lines).toContain(`  output       ${JSON.stringify(guess.output)}`);
    expect(lines).toContain(`  definitions  PriceGuess ${JSON.stringify(guess.definitions["PriceGuess"])}`);
    expect(stdout).not.toContain("{{outputTypes}}");

    const slogan = block(stdout, "slogan ");
    expect(slogan).toContain(`  output       {"type":"string"}  (the reply is {"value": <output>})`);
    const specialised = block(stdout, "echo <number> ");
    expect(specialised).toContain("  specialised  <number> at src/main.ts:2");
    expect(specialised).toContain("    | function echo(described: string): number");
    expect(block(stdout, "echo (")).toContain("  generic      the declaration's constraints (used by callers the transformer did not compile)");
  });

  test("the manifest by path, or the tsconfig by -p (file or folder), from another folder", () => {
    const inProject = runBin(projectOf(v1), ["prompts"]).stdout;
    const rest = (stdout: string) => stdout.slice(stdout.indexOf("\n"));
    for (const args of [["prompts", "v1/dist/llm-prompts.json"], ["prompts", "-p", "v1/tsconfig.json"], ["prompts", "--project=v1"]]) {
      const { code, stdout, stderr } = runBin(root, args);
      expect({ args, code, stderr }).toEqual({ args, code: 0, stderr: "" });
      expect(stdout.split("\n")[0]).toBe("v1/dist/llm-prompts.json: 8 stubs in 4 files.");
      expect(rest(stdout)).toBe(rest(inProject));
    }
  });

  test("--stub filters by id and type arguments in any case, --file by file or folder; no match is exit 1", () => {
    const heads = (args: string[]) => {
      const { code, stdout } = runBin(projectOf(v1), ["prompts", ...args]);
      expect(code).toBe(0);
      return stdout.split("\n").filter((line) => /^[A-Za-z]\S* .*\(\w+, line \d+\)$/.test(line));
    };
    expect(heads(["--stub", "SUGGEST"])).toEqual(["Shop.suggest (method, line 10)"]);
    expect(heads(["--stub", "<number>"])).toEqual(["echo <number> (function, line 4)"]);
    expect(heads(["--stub", "catalogue.ts:23"])).toEqual(["guessPrice (function, line 23)"]);
    expect(heads(["--file", "src/shop.ts"])).toEqual(["Shop.suggest (method, line 10)", "slogan (function, line 14)", "legacyHeadline (function, line 17)"]);
    expect(heads(["--file", "./src/"])).toHaveLength(8);
    expect(heads(["--file", path.join(projectOf(v1), "src", "generic.ts")])).toEqual(["echo <number> (function, line 4)", "echo (function, line 4)"]);
    expect(heads(["--file=src/shop.ts", "--stub=slo"])).toEqual(["slogan (function, line 14)"]);
    const filtered = runBin(projectOf(v1), ["prompts", "--stub", "suggest"]);
    expect(filtered.stdout.split("\n")[0]).toBe("dist/llm-prompts.json: 1 stub in 1 file (of 8 in the manifest).");

    const none = runBin(projectOf(v1), ["prompts", "--stub", "nothing-like-this", "--file", "src"]);
    expect(none).toEqual({ code: 1, stdout: "", stderr: 'No stub matches --stub "nothing-like-this" --file "src" among the 8 stubs of dist/llm-prompts.json.\n' });
  });

  test("--json: the manifest's entries in source order, with the qualified name and the prompt as the model reads it", () => {
    const entries = readEntries(v1);
    const { code, stdout } = runBin(projectOf(v1), ["prompts", "--json", "--file", "src/catalogue.ts"]);
    expect(code).toBe(0);
    const json = JSON.parse(stdout) as { manifest: string; specVersion: number; stubs: (Entry & { name: string; prompt: string; promptIfSchemaSent: string })[] };
    expect(json.manifest).toBe(v1);
    expect(json.specVersion).toBe(SPEC_VERSION);
    const describe = entry(entries, "src/catalogue.ts:20 describeProduct");
    const guess = entry(entries, "src/catalogue.ts:23 guessPrice");
    expect(json.stubs).toEqual([
      { ...describe, name: "describeProduct", prompt: expectedPrompt(describe), promptIfSchemaSent: expectedSchemaSentPrompt(describe) },
      { ...guess, name: "guessPrice", prompt: expectedPrompt(guess), promptIfSchemaSent: expectedSchemaSentPrompt(guess) },
    ]);
    expect(json.stubs.every((stub) => stub.schemaSent.schema && stub.promptIfSchemaSent !== stub.prompt)).toBe(true);
  });

  test("colour only on a terminal, and not with NO_COLOR", () => {
    const piped = runBin(projectOf(v1), ["prompts"]);
    expect(piped.stdout).not.toContain("\x1b[");
    // `script` gives the command a pseudo-terminal, as a person's shell would.
    const inTerminal = (env: NodeJS.ProcessEnv) =>
      spawnSync("script", ["-qec", `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} prompts --stub guessPrice`, "/dev/null"], {
        cwd: projectOf(v1),
        encoding: "utf8",
        env: { ...process.env, TERM: "xterm", ...env },
      });
    const coloured = inTerminal({ NO_COLOR: "" });
    expect(coloured.status).toBe(0);
    expect(coloured.stdout).toContain("\x1b[1m== src/catalogue.ts ==\x1b[22m");
    expect(coloured.stdout).toContain("Input: \x1b[33m{{input}}\x1b[39m");
    const plain = inTerminal({ NO_COLOR: "1" });
    expect(plain.status).toBe(0);
    expect(plain.stdout).toContain("== src/catalogue.ts ==");
    expect(plain.stdout).not.toContain("\x1b[");
  });

  test("a manifest written before schemaSent was recorded: says so, and shows the schema-sent prompt as the runtime renders such a spec", () => {
    const manifest = JSON.parse(fs.readFileSync(v1, "utf8")) as { stubs: Partial<Entry>[] };
    for (const stub of manifest.stubs) {
      delete stub.schemaSent;
      delete stub.templateIfSchemaSent;
    }
    const older = path.join(root, "older.json");
    fs.writeFileSync(older, JSON.stringify(manifest));
    const { code, stdout, stderr } = runBin(root, ["prompts", older, "--stub", "guessPrice"]);
    expect([code, stderr]).toEqual([0, ""]);
    const lines = block(stdout, "guessPrice ");
    expect(lines).toContain("  schema sent  not in this manifest (written by an older build): build again to see it");
    // Without a schema-sent template the runtime sends the template with {{outputTypes}} left empty.
    const guess = entry(readEntries(v1), "src/catalogue.ts:23 guessPrice");
    expect(promptUnder(lines, SCHEMA_SENT_PROMPT).join("\n")).toBe(guess.template.replace("{{outputTypes}}", "").trim().replace(/\n\n\n+/g, "\n\n"));
  });

  test("what is shown is what openAI() sends: the schema-sent prompt and schema in structured and tools mode, the other prompt in json mode", async () => {
    const guess = entry(readEntries(v1), "src/catalogue.ts:23 guessPrice");
    const lines = block(runBin(projectOf(v1), ["prompts", "--stub", "guessPrice"]).stdout, "guessPrice ");
    const reply = JSON.stringify({ amount: 12, currency: "EUR" });
    const server = await startOpenAIServer((request) => (request.body.tools ? { toolArguments: reply } : { content: reply }));
    try {
      // The built project calls its stub as a user's program does, through openAI() in each mode.
      const call = (mode: string) =>
        promisify(execFile)(
          process.execPath,
          [
            "-e",
            `const { configure, openAI } = require("llm-strategy");
             configure({ model: openAI({ baseURL: ${JSON.stringify(server.baseURL)}, apiKey: "test", mode: ${JSON.stringify(mode)} }) });
             require("./dist/catalogue.js").guessPrice("a red kettle").then((value) => process.stdout.write(JSON.stringify(value)));`,
          ],
          { cwd: projectOf(v1), encoding: "utf8" },
        );
      for (const mode of ["structured", "tools", "json"]) expect((await call(mode)).stdout).toBe(reply);
    } finally {
      await server.close();
    }
    const [structured, tools, json] = server.requests.map((request) => request.body);
    const withInput = (prompt: string[]) => prompt.join("\n").replace("{{input}}", JSON.stringify({ name: "a red kettle" }));
    expect(structured!.messages).toEqual([{ role: "user", content: withInput(promptUnder(lines, SCHEMA_SENT_PROMPT)) }]);
    expect(structured!.response_format).toEqual({ type: "json_schema", json_schema: guess.schemaSent });
    expect(tools!.messages).toEqual(structured!.messages);
    expect(tools!.tools).toEqual([{ type: "function", function: { name: guess.schemaSent.name, parameters: guess.schemaSent.schema, strict: guess.schemaSent.strict } }]);
    expect(json!.messages).toEqual([{ role: "user", content: withInput(promptUnder(lines, JSON_PROMPT)) }]);
    expect(json!.response_format).toEqual({ type: "json_object" });
    // The line shown is the manifest's schema, which is the one sent.
    expect(lines).toContain(schemaSentLine(guess));
  });
});

test("private, protected, #private and @llmHidden fields: absent from the input schema and definitions, listed as never sent (real tspc build)", () => {
  const manifest = buildProject(path.join(root, "privacy"), {
    "src/account.ts": `import { stub } from "llm-strategy";
export class Account {
  owner = "";
  private pinCode = "";
  protected ledgerBalance = 0;
  #sessionToken = "";
  /** For staff only. @llmHidden */
  staffNote = "";
  /** Say whose account this is. */
  describe(other: Account): Promise<string> { return stub(); }
}
`,
  });
  const stub = entry(readEntries(manifest), "src/account.ts:10 Account.describe");
  const { code, stdout, stderr } = runBin(projectOf(manifest), ["prompts", "--stub", "describe"]);
  expect([code, stderr]).toEqual([0, ""]);
  const lines = block(stdout, "Account.describe ");
  expect(lines).toContain(`  input        ${JSON.stringify(stub.input)}`);
  expect(lines).toContain(`  definitions  Account {"additionalProperties":false,"properties":{"owner":{"type":"string"}},"required":["owner"],"type":"object"}`);
  expect(lines).toContain("  never sent   Account: #sessionToken (#private), ledgerBalance (protected), pinCode (private), staffNote (@llmHidden)");
  const shown = lines.filter((line) => !line.startsWith("  never sent")).join("\n");
  for (const name of ["pinCode", "ledgerBalance", "sessionToken", "staffNote"]) expect([name, shown.includes(name)]).toEqual([name, false]);
});

describe("prompts --diff <old> <new>", () => {
  test("added, removed and changed stubs, matched across line moves; unified diffs only where content changed; exit 1", () => {
    const before = readEntries(v1);
    const after = readEntries(v2);
    const { code, stdout, stderr } = runBin(root, ["prompts", "--diff", "v1/dist/llm-prompts.json", "v2/dist/llm-prompts.json"]);
    expect(stderr).toBe("");
    expect(code).toBe(1);
    const [summary, list] = stdout.split("\n\n");
    expect(summary).toBe("v1/dist/llm-prompts.json -> v2/dist/llm-prompts.json: 1 added, 1 removed, 2 changed, 1 moved without changes, 4 unchanged.");
    // slogan moved from line 14 to 18 (a helper was added above it): same prompt, so not "changed".
    expect(entry(before, "src/shop.ts:14 slogan").hash).toBe(entry(after, "src/shop.ts:18 slogan").hash);
    expect(list!.split("\n")).toEqual([
      "  added    src/extra.ts:4 tagline",
      "  removed  src/shop.ts:17 legacyHeadline",
      "  changed  src/catalogue.ts:20 describeProduct",
      "  changed  src/shop.ts:10 Shop.suggest",
      "  moved    src/shop.ts:18 slogan  (was line 14; prompt and schemas unchanged)",
    ]);

    const changedLines = (lines: string[]) => lines.filter((line) => /^[-+](?![-+]{2} )/.test(line));
    const sections = (lines: string[]) => lines.filter((line) => line.startsWith("--- ")).map((line) => line.split("  ").pop());

    // The JSDoc change: only the prompt's first line.
    const suggest = block(stdout, "~ src/shop.ts:10 Shop.suggest");
    const [oldSuggest, newSuggest] = [entry(before, "src/shop.ts:10 Shop.suggest"), entry(after, "src/shop.ts:10 Shop.suggest")];
    expect(suggest.slice(1, 3)).toEqual([
      `  tokens: json ${oldSuggest.tokens.json} -> ${newSuggest.tokens.json} (+${newSuggest.tokens.json - oldSuggest.tokens.json}), structured ${oldSuggest.tokens.structured} -> ${newSuggest.tokens.structured} (+${newSuggest.tokens.structured - oldSuggest.tokens.structured})`,
      `  hash: ${oldSuggest.hash} -> ${newSuggest.hash}`,
    ]);
    expect(sections(suggest)).toEqual(["prompt", "promptIfSchemaSent"]);
    expect(suggest).toContain("--- v1/dist/llm-prompts.json  src/shop.ts:10 Shop.suggest  prompt");
    expect(suggest).toContain("+++ v2/dist/llm-prompts.json  src/shop.ts:10 Shop.suggest  prompt");
    expect(suggest).toContain("@@ -1,4 +1,4 @@");
    // The same change in both prompts: the doc text goes in every mode.
    const docChange = ["-Suggest a product name for a customer's wish.", "+Suggest the one product name that fits a customer's wish best."];
    expect(changedLines(suggest)).toEqual([...docChange, ...docChange]);

    // The property type change: the interface in the prompt and the definition, nothing else.
    const describe = block(stdout, "~ src/catalogue.ts:20 describeProduct");
    // Product is an input type: declared in both prompts; the reply schema sent does not use it.
    expect(sections(describe)).toEqual(["prompt", "promptIfSchemaSent", "definitions"]);
    expect(changedLines(describe)).toEqual(["-  price: number;", "+  price: string;", "-  price: number;", "+  price: string;", '-        "type": "number"', '+        "type": "string"']);
    // Context around the change, as `diff -u` shows it.
    expect(describe).toContain("   /** Price in euros. */");

    // An added stub reads like new code: its whole prompt and schemas as added lines.
    const added = block(stdout, "+ src/extra.ts:4 tagline");
    expect(sections(added)).toEqual(["prompt", "promptIfSchemaSent", "schemaSent", "input", "output"]);
    expect(added).toContain("+Write a tagline for a product name.");
    expect(added).toContain("+Input: {{input}}");
    expect(stdout).not.toContain("~ src/shop.ts:18 slogan");
    expect(stdout).not.toContain("guessPrice");
  });

  test("a build where only lines moved: every stub matched, nothing changed, exit 0", () => {
    const { code, stdout } = runBin(root, ["prompts", "--diff", v1, shifted]);
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/: 0 added, 0 removed, 0 changed, 8 moved without changes, 0 unchanged\.$/);
    expect(lines[1]).toBe("No prompt or schema changed.");
    expect(lines).toContain("  moved    src/shop.ts:16 slogan  (was line 14)");
    expect(lines).toContain("  moved    src/generic.ts:6 echo <number>  (was line 4)");
    expect(lines).toContain("  moved    src/generic.ts:6 echo (constraints)  (was line 4)");

    const same = runBin(root, ["prompts", "--diff", v1, v1]);
    expect(same).toEqual({ code: 0, stderr: "", stdout: `${path.relative(root, v1)} -> ${path.relative(root, v1)}: 0 added, 0 removed, 0 changed, 8 unchanged.\nNo prompt or schema changed.\n` });
  });

  test("filters apply to both builds; --json gives the same findings with unified text per section", () => {
    expect(runBin(root, ["prompts", "--diff", v1, v2, "--stub", "slogan"]).code).toBe(0);
    const onlySuggest = runBin(root, ["prompts", "--diff", v1, v2, "--file", "src/shop.ts", "--stub", "suggest"]);
    expect(onlySuggest.code).toBe(1);
    expect(onlySuggest.stdout.split("\n")[0]).toMatch(/ \(--stub "suggest" --file "src\/shop\.ts"\): 0 added, 0 removed, 1 changed, 0 unchanged\.$/);

    const { code, stdout } = runBin(root, ["prompts", "--diff", v1, v2, "--json"]);
    expect(code).toBe(1);
    const json = JSON.parse(stdout) as {
      old: string;
      new: string;
      counts: Record<string, number>;
      added: { id: string }[];
      removed: { id: string }[];
      changed: { id: string; was: { id: string; hash: string }; hash: string; sections: Record<string, string> }[];
      moved: { id: string; was: { id: string } }[];
    };
    expect(json.old).toBe(v1);
    expect(json.new).toBe(v2);
    expect(json.counts).toEqual({ added: 1, removed: 1, changed: 2, moved: 1, unchanged: 4 });
    expect(json.added.map((stub) => stub.id)).toEqual(["src/extra.ts:4 tagline"]);
    expect(json.removed.map((stub) => stub.id)).toEqual(["src/shop.ts:17 legacyHeadline"]);
    expect(json.moved.map((stub) => [stub.was.id, stub.id])).toEqual([["src/shop.ts:14 slogan", "src/shop.ts:18 slogan"]]);
    expect(json.changed.map((stub) => [stub.id, Object.keys(stub.sections)])).toEqual([
      ["src/catalogue.ts:20 describeProduct", ["prompt", "promptIfSchemaSent", "definitions"]],
      ["src/shop.ts:10 Shop.suggest", ["prompt", "promptIfSchemaSent"]],
    ]);
    expect(json.changed[1]!.sections["prompt"]).toBe(
      "@@ -1,4 +1,4 @@\n-Suggest a product name for a customer's wish.\n+Suggest the one product name that fits a customer's wish best.\n \n interface Shop {\n   name: string;",
    );
    expect(json.changed[1]!.hash).not.toBe(json.changed[1]!.was.hash);
  });

  test("a stub whose file was renamed is matched by its name; colour on a terminal only", () => {
    const renamed = path.join(root, "renamed.json");
    const manifest = JSON.parse(fs.readFileSync(v1, "utf8")) as { stubs: Entry[] };
    for (const stub of manifest.stubs.filter((each) => each.file === "src/shop.ts")) {
      stub.file = "src/store.ts";
      stub.id = stub.id.replace("src/shop.ts", "src/store.ts");
    }
    fs.writeFileSync(renamed, JSON.stringify(manifest));
    const { code, stdout } = runBin(root, ["prompts", "--diff", v1, renamed]);
    expect(code).toBe(0);
    expect(stdout).toContain("  moved    src/store.ts:10 Shop.suggest  (was src/shop.ts:10)");
    expect(stdout).toContain("  moved    src/store.ts:14 slogan  (was src/shop.ts:14)");
    expect(stdout).toMatch(/: 0 added, 0 removed, 0 changed, 3 moved without changes, 5 unchanged\.\n/);
    expect(stdout).not.toContain("\x1b[");
    const terminal = spawnSync("script", ["-qec", `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} prompts --diff ${JSON.stringify(v1)} ${JSON.stringify(v2)}`, "/dev/null"], {
      cwd: root,
      encoding: "utf8",
      env: { ...process.env, TERM: "xterm", NO_COLOR: "" },
    });
    expect(terminal.stdout).toContain("\x1b[31m-Suggest a product name for a customer's wish.\x1b[39m");
    expect(terminal.stdout).toContain("\x1b[32m+Suggest the one product name that fits a customer's wish best.\x1b[39m");
  });
});

describe("errors: exit 2, one line naming the file, no stack trace", () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "llm-strategy-cli-errors-"));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  function expectError(run: { code: number | null; stdout: string; stderr: string }, message: string | RegExp): void {
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr.endsWith("\n")).toBe(true);
    expect(run.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(run.stderr).not.toMatch(/\bat .*:\d+:\d+/);
    if (typeof message === "string") expect(run.stderr).toBe(`${message}\n`);
    else expect(run.stderr).toMatch(message);
  }

  const write = (name: string, text: string) => {
    fs.writeFileSync(path.join(dir, name), text);
    return path.join(dir, name);
  };

  test("a missing file, a folder, a file that is not JSON", () => {
    expectError(runBin(dir, ["prompts", "nope.json"]), `llm-strategy prompts: ${path.join(dir, "nope.json")} does not exist.`);
    expectError(runBin(dir, ["tokens", "nope.json"]), `llm-strategy tokens: ${path.join(dir, "nope.json")} does not exist.`);
    expectError(runBin(dir, ["prompts", "--diff", v1, "nope.json"]), `llm-strategy prompts: ${path.join(dir, "nope.json")} does not exist.`);
    expectError(runBin(dir, ["prompts", "."]), `llm-strategy prompts: ${dir} is a folder, not a manifest file.`);
    const broken = write("broken.json", "{ stubs: [");
    expectError(runBin(dir, ["prompts", "broken.json"]), new RegExp(`^llm-strategy prompts: ${escape(broken)} is not JSON \\(.+\\)\\.\\n$`));
    expectError(runBin(dir, ["prompts", "--diff", "broken.json", v1]), new RegExp(`^llm-strategy prompts: ${escape(broken)} is not JSON`));
  });

  test("JSON that is not a manifest, a manifest of another version, an entry of the wrong shape", () => {
    const notManifest = (file: string, why: string) =>
      `llm-strategy prompts: ${file} is not an llm-strategy prompt manifest: ${why} (the transformer writes one when the plugin option "manifest" is set).`;
    const pkg = write("package.json", JSON.stringify({ name: "x", version: "1.0.0" }));
    expectError(runBin(dir, ["prompts", "package.json"]), notManifest(pkg, 'it has no "stubs"'));
    const list = write("list.json", "[]");
    expectError(runBin(dir, ["prompts", "list.json"]), notManifest(list, "it holds a list, not an object"));
    const trace = write("trace.json", JSON.stringify({ format: "llm-strategy.trace", version: 1, spans: [] }));
    expectError(runBin(dir, ["prompts", "--diff", v1, "trace.json"]), notManifest(trace, 'it has no "stubs"'));

    const manifest = JSON.parse(fs.readFileSync(v1, "utf8")) as { specVersion: number; stubs: Partial<Entry>[] };
    const future = write("future.json", JSON.stringify({ ...manifest, specVersion: 99 }));
    expectError(
      runBin(dir, ["tokens", "future.json"]),
      `llm-strategy tokens: ${future} has spec version 99; this llm-strategy reads version ${SPEC_VERSION}: build the project again with tspc to write a fresh one with this version.`,
    );
    delete manifest.stubs[1]!.tokens;
    const shape = write("shape.json", JSON.stringify(manifest));
    expectError(runBin(dir, ["prompts", "shape.json"]), notManifest(shape, `stubs[1] (${manifest.stubs[1]!.id}) has nothing for "tokens", not an object`));
    const sent = write("sent.json", JSON.stringify({ ...manifest, stubs: [{ ...manifest.stubs[0], schemaSent: { name: "x", schema: {} } }] }));
    expectError(runBin(dir, ["prompts", "sent.json"]), notManifest(sent, `stubs[0] (${manifest.stubs[0]!.id}) has an object for "schemaSent", not { name, schema, strict }`));
    const hidden = write("hidden.json", JSON.stringify({ ...manifest, stubs: [{ ...manifest.stubs[0], hiddenFields: { Account: ["pin"] } }] }));
    expectError(runBin(dir, ["prompts", "hidden.json"]), notManifest(hidden, `stubs[0] (${manifest.stubs[0]!.id}) has an object for "hiddenFields", not an object of field reasons by definition`));
  });

  test("no manifest given: what to do when there is no tsconfig, no plugin, no manifest option, or no build yet", () => {
    expectError(
      runBin(dir, ["prompts"]),
      `llm-strategy prompts: no manifest given and no tsconfig.json in ${dir}: give the manifest's path (llm-strategy prompts dist/llm-prompts.json) or the project's tsconfig (-p path/to/tsconfig.json).`,
    );
    expectError(runBin(dir, ["tokens", "-p", "missing/tsconfig.json"]), `llm-strategy tokens: ${path.join(dir, "missing", "tsconfig.json")} does not exist.`);
    const project = path.join(dir, "project");
    fs.mkdirSync(project);
    const tsconfig = (plugins: unknown[]) =>
      fs.writeFileSync(path.join(project, "tsconfig.json"), `{\n  // comments are fine\n  "compilerOptions": { "outDir": "dist", "plugins": ${JSON.stringify(plugins)}, },\n}\n`);
    tsconfig([]);
    expectError(
      runBin(project, ["prompts"]),
      'llm-strategy prompts: tsconfig.json has no llm-strategy transformer plugin: add { "transform": "llm-strategy/transformer", "manifest": "dist/llm-prompts.json" } to "compilerOptions.plugins", then build with node_modules/.bin/tspc -p tsconfig.json.',
    );
    tsconfig([{ transform: "llm-strategy/transformer" }]);
    expectError(
      runBin(project, ["tokens"]),
      'llm-strategy tokens: tsconfig.json uses the llm-strategy transformer but sets no "manifest" option: add "manifest": "dist/llm-prompts.json" to its plugin entry, then build with node_modules/.bin/tspc -p tsconfig.json.',
    );
    tsconfig([{ transform: "llm-strategy/transformer", manifest: "out/prompts.json" }]);
    expectError(
      runBin(dir, ["prompts", "-p", "project"]),
      "llm-strategy prompts: project/out/prompts.json (the manifest project/tsconfig.json names) does not exist yet: build with node_modules/.bin/tspc -p project/tsconfig.json.",
    );
    // Once it exists, that is the one read.
    fs.mkdirSync(path.join(project, "out"));
    fs.copyFileSync(v1, path.join(project, "out", "prompts.json"));
    expect(runBin(dir, ["tokens", "-p", "project"]).code).toBe(0);
  });

  test("usage mistakes print the usage", () => {
    const one = runBin(dir, ["prompts", "--diff", "a.json"]);
    expect(one.code).toBe(2);
    expect(one.stderr).toMatch(/^llm-strategy prompts: --diff compares two manifests: give the old one and the new one, not 1\.\nUsage: llm-strategy prompts /);
    expect(runBin(dir, ["prompts", "a.json", "b.json"]).stderr).toContain("Give one manifest, not 2 (to compare two, use --diff).");
    expect(runBin(dir, ["prompts", "--bogus"]).stderr).toContain("Unknown option --bogus.");
    expect(runBin(dir, ["prompts", "--stub"])).toMatchObject({ code: 2, stderr: expect.stringContaining("--stub needs a value.") });
    expect(runBin(dir, ["tokens", "a.json", "-p", "."])).toMatchObject({ code: 2, stderr: expect.stringContaining("Give a manifest or -p <tsconfig>, not both.") });
  });
});

test("--help lists the commands; <command> --help lists its options", () => {
  const help = runBin(root, ["--help"]);
  expect(help.code).toBe(0);
  expect(help.stdout).toMatch(/^Usage: llm-strategy <command> \[options\]\n\nCommands:\n/);
  expect(help.stdout).toMatch(/\n {2}prompts +Print every stub's prompt and schemas/);
  expect(help.stdout).toMatch(/\n {2}tokens +List the estimated prompt tokens/);
  expect(help.stdout).toMatch(/\n {2}trace +Write a trace JSON/);
  const prompts = runBin(root, ["prompts", "--help"]);
  expect(prompts.code).toBe(0);
  expect(prompts.stdout).toMatch(/^Usage: llm-strategy prompts \[manifest\.json\] \[-p tsconfig\.json\] \[--stub <text>\] \[--file <path>\] \[--json\]\n {7}llm-strategy prompts --diff <old\.json> <new\.json>/);
  for (const option of ["-p, --project <tsconfig>\n", "--stub <text> ", "--file <path> ", "--json ", "--diff "]) expect(prompts.stdout).toContain(`\n  ${option}`);
  const tokens = runBin(root, ["tokens", "--help"]);
  expect(tokens.code).toBe(0);
  for (const option of ["-p, --project <tsconfig>\n", "--sort <mode|place> ", "--stub <text> ", "--file <path> ", "--json "]) expect(tokens.stdout).toContain(`\n  ${option}`);
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

describe("prompts with hyperparameters", () => {
  const SOURCES = {
    "src/essay.ts": `import { hyperparameter, stub } from "llm-strategy";

export const words = hyperparameter("essay.words", 300, { description: "Target length, in words" });
export const styles = hyperparameter("essay.styles", ["formal", "short"]);
export const tone = hyperparameter("essay.tone", ["dry", "warm"].join(" and "));

/** Write an essay about the topic in about {{hp:essay.words}} words, styles {{hp:essay.styles}}, tone {{hp:essay.tone}}. */
export function writeEssay(topic: string): Promise<string> { return stub(); }
`,
  };
  let project: string;
  beforeAll(() => {
    project = projectOf(buildProject(path.join(root, "hyperparameters"), SOURCES));
  });

  test("placeholders show the defaults a call sends, listed as hyperparameters; a computed default stays a placeholder", () => {
    const { code, stdout, stderr } = runBin(project, ["prompts"]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const lines = block(stdout, "writeEssay ");
    // By name, as the manifest sorts keys.
    const hp = lines.indexOf(`  hp           essay.styles = ["formal","short"] (the default, filled into the prompt)`);
    expect(lines.slice(hp + 1, hp + 3)).toEqual([
      `               essay.tone: default not known at build time (left as {{hp:essay.tone}})`,
      `               essay.words = 300 (the default, filled into the prompt)`,
    ]);
    const prompt = promptUnder(lines, JSON_PROMPT);
    expect(prompt[0]).toBe(`Write an essay about the topic in about 300 words, styles ["formal","short"], tone {{hp:essay.tone}}.`);
    // The prompt that goes with the schema has the same doc text, defaults filled in alike.
    expect(promptUnder(lines, SCHEMA_SENT_PROMPT)[0]).toBe(prompt[0]);
    expect(stdout).not.toContain("{{hp:essay.words}}");

    // What a call outside any scope sends, through the runtime, is that prompt with the input and the computed default filled in.
    const sent = spawnSync(
      process.execPath,
      [
        "-e",
        `const { configure, scriptedModel } = require("llm-strategy");
         const model = scriptedModel([{ value: "An essay." }]);
         configure({ model });
         require("./dist/essay.js").writeEssay("tides").then(() => process.stdout.write(model.requests[0].messages[0].content));`,
      ],
      { cwd: project, encoding: "utf8" },
    );
    expect(sent.stderr).toBe("");
    expect(sent.stdout).toBe(prompt.join("\n").replace("{{hp:essay.tone}}", "dry and warm").replace("{{input}}", JSON.stringify({ topic: "tides" })));

    const json = JSON.parse(runBin(project, ["prompts", "--json"]).stdout) as { stubs: (Entry & { prompt: string; hyperparameters: unknown })[] };
    expect(json.stubs[0]!.hyperparameters).toEqual({ "essay.styles": { default: ["formal", "short"] }, "essay.tone": {}, "essay.words": { default: 300 } });
    expect(json.stubs[0]!.prompt).toBe(prompt.join("\n"));

    // On a terminal (\`script\` gives one), the filled-in values stand out in colour.
    const inTerminal = spawnSync("script", ["-qec", `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} prompts`, "/dev/null"], {
      cwd: project,
      encoding: "utf8",
      env: { ...process.env, TERM: "xterm", NO_COLOR: "" },
    });
    expect(inTerminal.status).toBe(0);
    expect(inTerminal.stdout).toContain('in about \x1b[36m300\x1b[39m words, styles \x1b[36m["formal","short"]\x1b[39m, tone {{hp:essay.tone}}.');
  });
});
