/**
 * Compiles fixture files in memory through the llm-strategy transformer with the real compiler,
 * collects the diagnostics it reports, and runs the emitted CommonJS with `llm-strategy` mapped to
 * the repository's runtime (the same module instance the test imports, so `configure` applies).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";
import type { CreateAnalyser } from "../../transformer/analyse/types";
import { readPluginOptions } from "../../transformer/options";
import { createTransformerFactory } from "../../transformer/transform";

export const REPO_ROOT = path.resolve(__dirname, "..", "..");
const RUNTIME_ENTRY = path.join(REPO_ROOT, "runtime", "index.ts");

export interface CompileRequest {
  /** Source files by path relative to the virtual project folder, e.g. `{ "src/customer.ts": "..." }`. */
  files: Record<string, string>;
  /** Added to the defaults (ES2022, CommonJS, strict, source maps, declarations). */
  compilerOptions?: ts.CompilerOptions;
  /** Plugin options as written in a tsconfig; `false` compiles without the plugin. */
  plugin?: Record<string, unknown> | false;
  /** Replace the analyser (tests of find/emit alone). */
  createAnalyser?: CreateAnalyser;
  /** How the compiler parses JSDoc; the API default is to parse all of it, `tsc` skips it. */
  jsDocParsingMode?: ts.JSDocParsingMode;
  /** Name of the virtual project folder (unique per call when absent). */
  project?: string;
}

/** A diagnostic as tests compare it. */
export interface ReportedDiagnostic {
  /** `LLM1001` for ours, `TS2322` for the compiler's. */
  code: string;
  category: "error" | "warning" | "message";
  /** Project-relative file. */
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
  /** The source text the diagnostic spans. */
  text: string;
  message: string;
  related: { file: string; line: number; message: string }[];
}

export interface CompileResult {
  projectDir: string;
  program: ts.Program;
  /** Emitted files by project-relative path (`src/customer.js`, `.js.map`, `.d.ts`). */
  outputs: Map<string, string>;
  /** Diagnostics the plugin reported. */
  diagnostics: ReportedDiagnostic[];
  /** The compiler's own errors in the fixtures (fixtures should have none). */
  compilerErrors: ReportedDiagnostic[];
  /** Emitted JavaScript of a source file (`src/customer.ts` -> its `.js`). */
  js(sourceFile: string): string;
  /** Runs the emitted CommonJS of a source file and returns its exports. */
  load<T = Record<string, unknown>>(sourceFile: string): T;
}

let projectCounter = 0;

/** Parsed lib and runtime files, shared by every compile of a test file. */
const sourceFileCache = new Map<string, ts.SourceFile>();

export function compile(request: CompileRequest): CompileResult {
  const projectDir = path.join(REPO_ROOT, "tests", ".virtual", request.project ?? `project-${process.pid}-${++projectCounter}`).replace(/\\/g, "/");
  const virtual = new Map<string, string>();
  for (const [name, text] of Object.entries(request.files)) virtual.set(path.posix.join(projectDir, name), text);

  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    lib: ["lib.es2022.d.ts"],
    types: [],
    strict: true,
    esModuleInterop: true,
    skipLibCheck: true,
    sourceMap: true,
    declaration: true,
    experimentalDecorators: false,
    paths: { "llm-strategy": [RUNTIME_ENTRY] },
    configFilePath: path.posix.join(projectDir, "tsconfig.json"),
    ...request.compilerOptions,
  };
  const host = ts.createCompilerHost(options, true);
  const virtualDirs = new Set<string>();
  for (const file of virtual.keys()) {
    for (let dir = path.posix.dirname(file); dir.startsWith(projectDir); dir = path.posix.dirname(dir)) virtualDirs.add(dir);
  }
  if (request.jsDocParsingMode !== undefined) host.jsDocParsingMode = request.jsDocParsingMode;
  const originalGetSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, languageVersionOrOptions, onError, shouldCreate) => {
    const text = virtual.get(fileName);
    if (text !== undefined) return ts.createSourceFile(fileName, text, languageVersionOrOptions, true);
    const settings = typeof languageVersionOrOptions === "object" ? languageVersionOrOptions : { languageVersion: languageVersionOrOptions };
    const key = `${fileName}|${settings.languageVersion}|${settings.impliedNodeFormat}|${settings.jsDocParsingMode}`;
    let cached = sourceFileCache.get(key);
    if (!cached) {
      cached = originalGetSourceFile(fileName, languageVersionOrOptions, onError, shouldCreate);
      if (cached) sourceFileCache.set(key, cached);
    }
    return cached;
  };
  host.fileExists = (fileName) => virtual.has(fileName) || (!fileName.startsWith(projectDir + "/") && ts.sys.fileExists(fileName));
  host.readFile = (fileName) => virtual.get(fileName) ?? (fileName.startsWith(projectDir + "/") ? undefined : ts.sys.readFile(fileName));
  host.directoryExists = (dir) => virtualDirs.has(dir.replace(/\/$/, "")) || (!dir.startsWith(projectDir + "/") && ts.sys.directoryExists(dir));
  const outputs = new Map<string, string>();
  host.writeFile = (fileName, text) => outputs.set(path.posix.relative(projectDir, fileName.replace(/\\/g, "/")), text);

  const program = ts.createProgram([...virtual.keys()].filter((file) => /\.[cm]?tsx?$/.test(file)), options, host);
  const fixtureFiles = program.getSourceFiles().filter((file) => virtual.has(file.fileName));
  const compilerErrors = fixtureFiles
    .flatMap((file) => [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)])
    .filter((diagnostic) => diagnostic.category === ts.DiagnosticCategory.Error)
    .map((diagnostic) => report(projectDir, diagnostic));

  const collected: ts.Diagnostic[] = [];
  const before =
    request.plugin === false
      ? []
      : [
          createTransformerFactory(program, {
            ts,
            options: readPluginOptions({ ...(request.plugin ?? {}) }),
            addDiagnostic: (diagnostic) => collected.push(diagnostic),
            ...(request.createAnalyser ? { createAnalyser: request.createAnalyser } : {}),
          }),
        ];
  for (const file of fixtureFiles) program.emit(file, undefined, undefined, false, { before });

  const js = (sourceFile: string): string => {
    const output = outputs.get(sourceFile.replace(/\.([cm]?)tsx?$/, ".$1js").replace(/\.cjs$/, ".cjs"));
    if (output === undefined) throw new Error(`no output for ${sourceFile}; outputs: ${[...outputs.keys()].join(", ")}`);
    return output;
  };
  const modules = new Map<string, { exports: Record<string, unknown> }>();
  const load = <T>(sourceFile: string): T => loadModule(projectDir, outputs, modules, sourceFile.replace(/\.([cm]?)tsx?$/, ".$1js")) as T;

  return {
    projectDir,
    program,
    outputs,
    diagnostics: collected.map((diagnostic) => report(projectDir, diagnostic)),
    compilerErrors,
    js,
    load,
  };
}

function report(projectDir: string, diagnostic: ts.Diagnostic): ReportedDiagnostic {
  const file = diagnostic.file;
  const position = file && diagnostic.start !== undefined ? file.getLineAndCharacterOfPosition(diagnostic.start) : { line: -1, character: -1 };
  const code = diagnostic.code >= 90000 ? `LLM${diagnostic.code - 90000}` : `TS${diagnostic.code}`;
  return {
    code,
    category: diagnostic.category === ts.DiagnosticCategory.Error ? "error" : diagnostic.category === ts.DiagnosticCategory.Warning ? "warning" : "message",
    file: file ? path.posix.relative(projectDir, file.fileName) : "",
    line: position.line + 1,
    column: position.character + 1,
    text: file && diagnostic.start !== undefined ? file.text.slice(diagnostic.start, diagnostic.start + (diagnostic.length ?? 0)) : "",
    message: ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n"),
    related: (diagnostic.relatedInformation ?? []).map((related) => {
      const relatedFile = related.file;
      const line = relatedFile && related.start !== undefined ? relatedFile.getLineAndCharacterOfPosition(related.start).line + 1 : -1;
      return { file: relatedFile ? path.posix.relative(projectDir, relatedFile.fileName) : "", line, message: ts.flattenDiagnosticMessageText(related.messageText, "\n") };
    }),
  };
}

/** A tiny CommonJS loader over the emitted files; `llm-strategy` is the repository's runtime. */
function loadModule(
  projectDir: string,
  outputs: Map<string, string>,
  modules: Map<string, { exports: Record<string, unknown> }>,
  outputFile: string,
): Record<string, unknown> {
  const cached = modules.get(outputFile);
  if (cached) return cached.exports;
  const code = outputs.get(outputFile);
  if (code === undefined) throw new Error(`no emitted file ${outputFile}`);
  const module = { exports: {} as Record<string, unknown> };
  modules.set(outputFile, module);
  const requireFromHere = (specifier: string): unknown => {
    if (specifier === "llm-strategy") return require(path.join(REPO_ROOT, "runtime"));
    if (specifier.startsWith(".")) {
      const base = path.posix.normalize(path.posix.join(path.posix.dirname(outputFile), specifier));
      const candidate = [base, `${base}.js`, `${base}/index.js`].find((name) => outputs.has(name));
      if (!candidate) throw new Error(`cannot find ${specifier} from ${outputFile}`);
      return loadModule(projectDir, outputs, modules, candidate);
    }
    return require(specifier);
  };
  const run = new Function("exports", "require", "module", "__filename", "__dirname", `${code}\n//# sourceURL=${projectDir}/${outputFile}`);
  run(module.exports, requireFromHere, module, path.posix.join(projectDir, outputFile), path.posix.dirname(path.posix.join(projectDir, outputFile)));
  return module.exports;
}

/** Whether a file exists on disk (tests choose between the real analyser and a stand-in). */
export function existsInRepo(relative: string): boolean {
  return fs.existsSync(path.join(REPO_ROOT, relative));
}
