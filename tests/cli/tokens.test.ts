/** `llm-strategy tokens`, run as the built bin on the manifest of a real tspc build of the fixture project. */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { buildProject, readEntries, requireBuild, runBin, SOURCES_V1, type Entry } from "./helpers";

jest.setTimeout(120_000);

let root: string;
let project: string;
let entries: Entry[];

beforeAll(() => {
  requireBuild();
  root = fs.mkdtempSync(path.join(os.tmpdir(), "llm-strategy-cli-tokens-"));
  const manifest = buildProject(path.join(root, "project"), SOURCES_V1);
  project = path.dirname(path.dirname(manifest));
  entries = readEntries(manifest);
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** How the table names a stub, worked out here: the id, then the specialisation's type arguments. */
function nameOf(stub: Entry): string {
  if (stub.typeArguments === undefined) return stub.id;
  return stub.typeArguments === "constraints" ? `${stub.id} (constraints)` : `${stub.id} ${stub.typeArguments}`;
}

/** The table's stub rows as [json, structured, name]. */
function rows(stdout: string): [number, number, string][] {
  return stdout
    .split("\n")
    .map((line) => /^ +(\d+) +(\d+) +(src\/.+)$/.exec(line))
    .filter((match) => match !== null)
    .map((match) => [Number(match[1]), Number(match[2]), match[3]!]);
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const sum = (stubs: Entry[], mode: "json" | "structured") => stubs.reduce((total, stub) => total + stub.tokens[mode], 0);

test("a table of every stub's estimated prompt tokens per mode, most json tokens first, with the total", () => {
  const { code, stdout, stderr } = runBin(project, ["tokens"]);
  expect(stderr).toBe("");
  expect(code).toBe(0);
  const lines = stdout.split("\n");
  expect(lines[0]).toBe("dist/llm-prompts.json: estimated prompt tokens of 8 stubs, most json tokens first.");
  expect(lines[2]).toMatch(/^ +json +structured +stub$/);
  const expected = [...entries]
    .sort((a, b) => b.tokens.json - a.tokens.json || compare(a.file, b.file) || a.line - b.line || compare(a.typeArguments ?? "", b.typeArguments ?? ""))
    .map((stub) => [stub.tokens.json, stub.tokens.structured, nameOf(stub)]);
  expect(rows(stdout)).toEqual(expected);
  // The fixture's stubs differ in size, so the order is a real sort and not the manifest's.
  expect(new Set(entries.map((stub) => stub.tokens.json)).size).toBeGreaterThan(3);
  const total = lines.find((line) => line.includes("total"))!;
  expect(total).toMatch(new RegExp(`^ +${sum(entries, "json")} +${sum(entries, "structured")} +total \\(each stub called once\\)$`));
  // The columns line up: every number ends where its header does.
  const header = lines[2]!;
  const jsonEnd = header.indexOf("json") + "json".length;
  const structuredEnd = header.indexOf("structured") + "structured".length;
  for (const line of [...lines.filter((line) => / src\//.test(line)), total]) {
    expect([line.slice(jsonEnd - 1, jsonEnd + 1), line.slice(structuredEnd - 1, structuredEnd + 1)]).toEqual([expect.stringMatching(/^\d $/), expect.stringMatching(/^\d $/)]);
  }
  // The manifest's own note on what was counted follows the table.
  expect(stdout.replace(/\n/g, " ")).toContain("Estimated prompt tokens with the o200k_base tokenizer, excluding the call's input values");
});

test("--sort by another mode or by place; filters narrow the rows and the total", () => {
  const structured = runBin(project, ["tokens", "--sort", "structured"]);
  expect(structured.code).toBe(0);
  expect(structured.stdout.split("\n")[0]).toBe("dist/llm-prompts.json: estimated prompt tokens of 8 stubs, most structured tokens first.");
  const byStructured = rows(structured.stdout).map((row) => row[1]);
  expect(byStructured).toEqual([...byStructured].sort((a, b) => b - a));

  const place = runBin(project, ["tokens", "--sort=place"]);
  expect(rows(place.stdout).map((row) => row[2])).toEqual([
    "src/banner.ts:4 slogan",
    "src/catalogue.ts:20 describeProduct",
    "src/catalogue.ts:23 guessPrice",
    "src/generic.ts:4 echo <number>",
    "src/generic.ts:4 echo (constraints)",
    "src/shop.ts:10 Shop.suggest",
    "src/shop.ts:14 slogan",
    "src/shop.ts:17 legacyHeadline",
  ]);

  const shop = runBin(project, ["tokens", "--file", "src/shop.ts"]);
  const shopStubs = entries.filter((stub) => stub.file === "src/shop.ts");
  expect(shop.stdout.split("\n")[0]).toBe('dist/llm-prompts.json: estimated prompt tokens of 3 stubs matching --file "src/shop.ts", most json tokens first.');
  expect(rows(shop.stdout)).toHaveLength(3);
  expect(shop.stdout).toMatch(new RegExp(`\\n +${sum(shopStubs, "json")} +${sum(shopStubs, "structured")} +total`));

  expect(runBin(project, ["tokens", "--stub", "no-such-stub"])).toEqual({
    code: 1,
    stdout: "",
    stderr: 'No stub matches --stub "no-such-stub" among the 8 stubs of dist/llm-prompts.json.\n',
  });
  const bogus = runBin(project, ["tokens", "--sort", "size"]);
  expect(bogus.code).toBe(2);
  expect(bogus.stderr).toMatch(/^llm-strategy tokens: --sort takes json, structured, place; got "size"\.\nUsage: llm-strategy tokens /);
});

test("--json: every row with its tokens per mode, and the totals", () => {
  const { code, stdout } = runBin(project, ["tokens", "--json", "--stub", "echo"]);
  expect(code).toBe(0);
  const json = JSON.parse(stdout) as {
    manifest: string;
    counted: string;
    stubs: { id: string; name: string; typeArguments?: string; file: string; line: number; tokens: Entry["tokens"] }[];
    total: Entry["tokens"];
  };
  const echoes = entries.filter((stub) => stub.id === "src/generic.ts:4 echo");
  expect(echoes).toHaveLength(2);
  expect(json.manifest).toBe(path.join(project, "dist", "llm-prompts.json"));
  expect(json.counted).toMatch(/^Estimated prompt tokens with the o200k_base tokenizer/);
  expect(json.stubs).toEqual(
    [...echoes]
      .sort((a, b) => b.tokens.json - a.tokens.json || compare(a.typeArguments ?? "", b.typeArguments ?? ""))
      .map((stub) => ({ id: stub.id, name: "echo", typeArguments: stub.typeArguments, file: "src/generic.ts", line: 4, tokens: stub.tokens })),
  );
  expect(json.total).toEqual({ json: sum(echoes, "json"), structured: sum(echoes, "structured") });
});
