/**
 * TypeScript 7's defaults on the 5.9 engine: what a TypeScript 7 project's tsconfig leaves out is
 * filled in as 7.0 computes it, what it sets stays, and the result is a combination 5.9 accepts;
 * ES2025 names, which 5.9 does not know, are read as 5.9's nearest.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as ts from "typescript";
import { adaptTypeScript7ConfigText, applyTypeScript7Defaults, isTsconfigFile, typeScript7System } from "../../transformer/typescript7";

const configDir = path.join(path.sep, "project");

/** The options after the defaults, and the option errors 5.9 reports for them. */
function withDefaults(options: ts.CompilerOptions): { options: ts.CompilerOptions; errors: string[] } {
  const filled = applyTypeScript7Defaults(ts, { ...options, noEmit: true }, configDir);
  const program = ts.createProgram({ rootNames: [], options: filled });
  const errors = program.getOptionsDiagnostics().map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, " "));
  return { options: filled, errors };
}

test("an empty tsconfig gets 7.0's defaults: strict, ES modules resolved like a bundler, no global types, rootDir at the tsconfig", () => {
  const { options, errors } = withDefaults({});
  expect(options).toMatchObject({
    strict: true,
    target: ts.ScriptTarget.ES2024,
    module: ts.ModuleKind.ES2022,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    esModuleInterop: true,
    allowSyntheticDefaultImports: true,
    types: [],
    rootDir: configDir,
  });
  expect(errors).toEqual([]);
});

test.each([
  ["nodenext", ts.ModuleKind.NodeNext, ts.ModuleResolutionKind.NodeNext],
  ["node16", ts.ModuleKind.Node16, ts.ModuleResolutionKind.Node16],
  ["node20", ts.ModuleKind.Node20, ts.ModuleResolutionKind.Node16],
  ["preserve", ts.ModuleKind.Preserve, ts.ModuleResolutionKind.Bundler],
  ["esnext", ts.ModuleKind.ESNext, ts.ModuleResolutionKind.Bundler],
])("module %s gets the module resolution 7.0 pairs with it, which 5.9 accepts", (_name, module, moduleResolution) => {
  const { options, errors } = withDefaults({ module });
  expect(options.moduleResolution).toBe(moduleResolution);
  expect(errors).toEqual([]);
});

test("module commonjs keeps 5.9's own resolution (5.9 rejects bundler resolution for CommonJS output)", () => {
  const { options, errors } = withDefaults({ module: ts.ModuleKind.CommonJS });
  expect(options.moduleResolution).toBeUndefined();
  expect(errors).toEqual([]);
});

test("a target of esnext gives ES modules of esnext", () => {
  expect(withDefaults({ target: ts.ScriptTarget.ESNext }).options.module).toBe(ts.ModuleKind.ESNext);
});

test("what the tsconfig sets stays as it is", () => {
  const set: ts.CompilerOptions = {
    strict: false,
    target: ts.ScriptTarget.ES2020,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    esModuleInterop: false,
    types: ["node"],
    rootDir: "/elsewhere",
  };
  expect(withDefaults(set).options).toMatchObject(set);
});

test("a tsconfig with ES2025 target and libs reads as ES2024 and esnext libs on 5.9, without TS6046, positions kept", () => {
  const text = `{
  // TypeScript 7 knows ES2025
  "compilerOptions": { "target": "ES2025", "lib": ["es2025", "ES2025.Collection", "dom"], "strict": 1 }
}`;
  const adapted = adaptTypeScript7ConfigText(text);
  expect(adapted.length).toBe(text.length);
  const config = ts.parseJsonText("tsconfig.json", adapted);
  const parsed = ts.parseJsonSourceFileConfigFileContent(config, ts.sys, configDir, undefined, "tsconfig.json");
  expect(parsed.options.target).toBe(ts.ScriptTarget.ES2024);
  expect(parsed.options.lib).toEqual(["lib.esnext.d.ts", "lib.esnext.collection.d.ts", "lib.dom.d.ts"]);
  // The one error left is the tsconfig's own mistake, at the same place as in the original text.
  const errors = parsed.errors.filter((error) => error.code !== 18003); // no inputs found: there are no files here
  expect(errors.map((error) => [error.code, error.start])).toEqual([[5024, text.indexOf("1 }")]]);
});

test("a tsconfig without ES2025 names is left as it is", () => {
  const text = '{ "compilerOptions": { "target": "es2024", "lib": ["esnext"] } }';
  expect(adaptTypeScript7ConfigText(text)).toBe(text);
});

test("the watch system adapts the tsconfig and the files it extends, never a JSON module or other data", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "llm-strategy-ts7-json-"));
  try {
    const files: Record<string, string> = {
      "tsconfig.json": '{ "extends": "./configs/base.json", "compilerOptions": { "target": "es2025" } }',
      "configs/base.json": '{ "compilerOptions": { "lib": ["es2025"] } }',
      "tsconfig.build.json": '{ "compilerOptions": { "target": "es2025" } }',
      "src/targets.json": '{ "target": "es2025", "lib": ["es2025"] }',
    };
    for (const [name, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
      fs.writeFileSync(path.join(dir, name), text);
    }
    const system = typeScript7System(ts, isTsconfigFile([path.join(dir, "tsconfig.json"), path.join(dir, "configs/base.json")]));
    const read = (name: string) => system.readFile(path.join(dir, name).split(path.sep).join("/"));
    expect(read("tsconfig.json")).toContain('"target": "es2024"');
    expect(read("configs/base.json")).toContain('"esnext"');
    expect(read("tsconfig.build.json")).toContain('"target": "es2024"');
    expect(read("src/targets.json")).toBe(files["src/targets.json"]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
