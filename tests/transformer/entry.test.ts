import * as ts from "typescript";
import plugin, { factory, name, version } from "../../transformer";
import { readPluginOptions } from "../../transformer/options";
import { compile } from "../helpers/compile";

// Each test builds a Program with the runtime's types: seconds on a loaded machine.
jest.setTimeout(60_000);

/** The entry points: ts-patch's program transformer and ts-jest's astTransformers. */

const source = {
  "src/a.ts": `import { stub } from "llm-strategy";
/** Adds. */
export function add(a: number, b: number): Promise<number> { return stub(); }
export const broken = (): number => stub();
`,
};

/** Emits src/a.ts of a fixture's Program through the given transformer. */
function emitWith(program: ts.Program, projectDir: string, transformer: ts.TransformerFactory<ts.SourceFile>): string {
  let js = "";
  program.emit(program.getSourceFile(`${projectDir}/src/a.ts`), (file, text) => {
    if (file.endsWith(".js")) js = text;
  }, undefined, false, { before: [transformer] });
  return js;
}

test("ts-patch entry: rewrites stubs and reports through extras.addDiagnostic", () => {
  const reported: ts.Diagnostic[] = [];
  const { program } = compile({ files: source, plugin: false });
  const transformer = plugin(program, { transform: "llm-strategy/transformer", runtimeModule: "my-runtime" }, {
    ts,
    addDiagnostic: (diagnostic) => reported.push(diagnostic),
  });
  let js = "";
  program.emit(program.getSourceFiles().find((file) => file.fileName.endsWith("src/a.ts")), (file, text) => {
    if (file.endsWith(".js")) js = text;
  }, undefined, false, { before: [transformer] });
  expect(js).toContain('const __llmStrategy = __importStar(require("my-runtime"));');
  expect(js).toContain("return __llmStrategy.invoke(__llmStrategySpec_add, void 0, [a, b]);");
  expect(reported.map((diagnostic) => [diagnostic.code, diagnostic.category, diagnostic.start, diagnostic.length])).toEqual([
    [91001, ts.DiagnosticCategory.Error, source["src/a.ts"].indexOf("number =>"), "number".length],
  ]);
});

test("ts-jest entry: name, a numeric version, and a factory that fails the file on errors", () => {
  expect(name).toBe("llm-strategy");
  expect(Number.isInteger(version)).toBe(true);
  const { program, projectDir } = compile({ files: source, plugin: false });
  expect(() => emitWith(program, projectDir, factory({ program, configSet: { compilerModule: ts } }))).toThrow(
    /TS91001: LLM1001: broken is a stub but returns `number`/,
  );
  const fine = compile({ files: { "src/a.ts": source["src/a.ts"].replace("export const broken = (): number => stub();\n", "") }, plugin: false });
  const js = emitWith(fine.program, fine.projectDir, factory({ program: fine.program, configSet: { compilerModule: ts } }));
  expect(js).toContain("__llmStrategy.invoke(__llmStrategySpec_add");
});

test("plugin options: defaults, and clear errors for wrong values", () => {
  expect(readPluginOptions({ transform: "llm-strategy/transformer" })).toEqual({ runtimeModule: "llm-strategy", warnings: false });
  expect(readPluginOptions({ manifest: "dist/p.json", warnings: true, runtimeModule: "x" })).toEqual({ manifest: "dist/p.json", runtimeModule: "x", warnings: true });
  expect(() => readPluginOptions({ warnings: "yes" })).toThrow('llm-strategy/transformer: option "warnings" must be true or false, got "yes".');
  expect(() => readPluginOptions({ manifest: 3 })).toThrow('option "manifest" must be a file path, got 3.');
  expect(() => readPluginOptions({ runtimeModule: "" })).toThrow('option "runtimeModule" must be a module specifier, got "".');
});
