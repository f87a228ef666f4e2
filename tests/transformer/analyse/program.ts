/**
 * Test-only: Programs in memory (fixture sources over the real lib files and the repository's
 * runtime, imported as `llm-strategy`), a small stub walker, and the analyser called on them.
 */
import * as path from "node:path";
import * as ts from "typescript";
import Ajv from "ajv";
import addFormats from "ajv-formats";
import { createAnalyser } from "../../../transformer/analyse";
import type { AnalysedSpec, Analyser, Problem, Result, StubSite } from "../../../transformer/analyse/types";
import type { JsonSchema } from "../../../runtime/spec";
import { formatMessage } from "../../../transformer/diagnostics";
import { findStubs } from "./stub-walker";

export const REPO_ROOT = path.resolve(__dirname, "..", "..", "..");
/** Fixture files live (virtually) in this folder. */
export const PROJECT_DIR = path.join(REPO_ROOT, "tests", "transformer", "analyse-fixtures", "virtual");

const COMPILER_OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  lib: ["lib.es2022.d.ts"],
  module: ts.ModuleKind.CommonJS,
  moduleResolution: ts.ModuleResolutionKind.Node10,
  strict: true,
  noEmit: true,
  skipLibCheck: true,
  types: ["node"],
  experimentalDecorators: false,
  paths: { "llm-strategy": [path.join(REPO_ROOT, "runtime", "index.ts")] },
};

/** Parsed real files (lib, @types/node, the runtime), shared by every Program of a test file. */
const realFiles = new Map<string, ts.SourceFile | undefined>();

export interface TestProgram {
  program: ts.Program;
  checker: ts.TypeChecker;
  /** Absolute path of a fixture file. */
  file(name: string): ts.SourceFile;
}

/**
 * A Program over fixture sources given as text (paths relative to `PROJECT_DIR`; they import
 * the runtime as `llm-strategy`). `roots` lists the root files in order (default: the keys of
 * `files`); a root not in `files` is read from disk, e.g. `../customer.ts`.
 */
export function createTestProgram(files: Record<string, string>, roots?: string[]): TestProgram {
  const absolute = new Map(Object.entries(files).map(([name, text]) => [path.join(PROJECT_DIR, name), text]));
  const host = ts.createCompilerHost(COMPILER_OPTIONS, true);
  const realGetSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, languageVersion, onError) => {
    const text = absolute.get(fileName);
    if (text !== undefined) return ts.createSourceFile(fileName, text, languageVersion, true);
    if (!realFiles.has(fileName)) realFiles.set(fileName, realGetSourceFile(fileName, languageVersion, onError));
    return realFiles.get(fileName);
  };
  const realFileExists = host.fileExists.bind(host);
  const realReadFile = host.readFile.bind(host);
  host.fileExists = (fileName) => absolute.has(fileName) || realFileExists(fileName);
  host.readFile = (fileName) => absolute.get(fileName) ?? realReadFile(fileName);
  const realDirectoryExists = host.directoryExists?.bind(host);
  host.directoryExists = (directory) =>
    [...absolute.keys()].some((file) => file.startsWith(directory + path.sep)) || (realDirectoryExists?.(directory) ?? true);
  const rootPaths = (roots ?? Object.keys(files)).map((name) => path.join(PROJECT_DIR, name));
  const program = ts.createProgram({ rootNames: rootPaths, options: COMPILER_OPTIONS, host });
  // Only the fixtures are checked here (the runtime and libs are checked by the repository's own build).
  const errors = rootPaths
    .map((root) => program.getSourceFile(root)!)
    .flatMap((source) => [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)])
    .filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (errors.length > 0) {
    throw new Error(`fixture does not compile:\n${ts.formatDiagnostics(errors, { getCanonicalFileName: (f) => f, getCurrentDirectory: () => PROJECT_DIR, getNewLine: () => "\n" })}`);
  }
  return {
    program,
    checker: program.getTypeChecker(),
    file: (name) => program.getSourceFile(path.join(PROJECT_DIR, name))!,
  };
}

/** Analyses every stub of `fileName` with one analyser; returns the results by qualified name. */
export function analyseFile(
  test: TestProgram,
  fileName: string,
  options: { warnings?: boolean } = {},
): { analyser: Analyser; results: Map<string, Result<AnalysedSpec>>; stubs: Map<string, StubSite> } {
  const source = test.file(fileName);
  const analyser = createAnalyser({ ts, program: test.program, projectDir: PROJECT_DIR, warnings: options.warnings ?? false });
  const results = new Map<string, Result<AnalysedSpec>>();
  const stubs = new Map<string, StubSite>();
  for (const site of findStubs(source, PROJECT_DIR)) {
    results.set(site.qualifiedName, analyser.analyseDeclaration(site));
    stubs.set(site.qualifiedName, site);
  }
  return { analyser, results, stubs };
}

/** The spec of a result that must have succeeded. */
export function ok(result: Result<AnalysedSpec> | undefined): AnalysedSpec {
  if (!result) throw new Error("no such stub");
  if (!result.ok) throw new Error(`expected success, got:\n${result.problems.map(describeProblem).join("\n")}`);
  return result.value;
}

/** The warnings of a result that must have succeeded. */
export function warningsOf(result: Result<AnalysedSpec> | undefined): Problem[] {
  ok(result);
  return (result as { warnings: Problem[] }).warnings;
}

/** The problems of a result that must have failed. */
export function failed(result: Result<AnalysedSpec> | undefined): Problem[] {
  if (!result) throw new Error("no such stub");
  if (result.ok) throw new Error("expected problems, got a spec");
  return result.problems;
}

/** `LLM1002 file.ts:12 message` (+ related lines), for assertions a person can read. */
export function describeProblem(problem: Problem): string {
  const where = (node: ts.Node): string => {
    const source = node.getSourceFile();
    const { line } = source.getLineAndCharacterOfPosition(node.getStart());
    return `${path.relative(PROJECT_DIR, source.fileName).replace(/\\/g, "/")}:${line + 1}`;
  };
  const message = formatMessage(problem.kind, problem.args as never);
  const related = (problem.related ?? []).map((r) => `\n  related ${where(r.node)} ${r.message}`).join("");
  return `${where(problem.node)} ${message}${related}`;
}

/** An ajv validator for a schema with the given definitions (as the runtime assembles it). */
export function validator(schema: JsonSchema, definitions: ReadonlyMap<string, JsonSchema>, names: readonly string[]): (value: unknown) => boolean {
  const ajv = new Ajv({ strict: true, allErrors: true });
  addFormats(ajv);
  const closure: { [name: string]: JsonSchema } = {};
  for (const name of names) closure[name] = definitions.get(name)!;
  const validate = ajv.compile({ ...schema, definitions: closure });
  return (value) => validate(value) as boolean;
}
