/**
 * `llm-strategy build`: an emitting build with the transformer, for projects whose `tsc` is
 * TypeScript 7 (no transformer can run inside it) or that do not want ts-patch. It writes what
 * `tspc` would (JS, declarations, source maps, the manifest) and reports diagnostics as `tsc`
 * does; `watch` rebuilds only the files a change affects (TypeScript's builder program).
 */
import * as path from "node:path";
import type * as ts from "typescript";
import type { TypeScriptEngine } from "./engine";
import { analysesTypeScript7, applyTypeScript7Defaults, isTsconfigFile, typeScript7RootDirDiagnostic, typeScript7System } from "./typescript7";
import { formatDiagnostics, loadProject, type Project } from "./project";
import { createTransformerFactory } from "./transform";

export interface BuildOptions {
  /** A tsconfig file or a folder holding one, relative to `cwd`. Default: `tsconfig.json` found from `cwd` up. */
  tsconfig?: string;
  cwd: string;
  /** Where diagnostics and watch status lines go. */
  write(text: string): void;
}

export interface BuildResult {
  /** Errors found (the tsconfig's, the compiler's and the transformer's). */
  errorCount: number;
  /** Which TypeScript the analysis ran on. */
  typescript: { version: string; origin: TypeScriptEngine["origin"] };
}

/** One build, like `tspc -p`: nothing is emitted when `noEmitOnError` is set and there are errors. */
export function build(options: BuildOptions): BuildResult {
  const project = loadBuildProject(options);
  const { ts: tsi } = project.engine;
  const { parsed } = project;
  const host = tsi.createCompilerHost(parsed.options);
  // JSDoc parsed as `tsc` does, only where type errors need it, rather than in every file of the
  // Program (lib and node_modules included): the transformer parses the doc comments it reads.
  host.jsDocParsingMode = tsi.JSDocParsingMode.ParseForTypeErrors;
  const createProgramOptions: ts.CreateProgramOptions = {
    rootNames: parsed.fileNames,
    options: parsed.options,
    configFileParsingDiagnostics: tsi.getConfigFileParsingDiagnostics(parsed),
    projectReferences: parsed.projectReferences,
    host,
  };
  const builder = parsed.options.incremental || parsed.options.composite ? tsi.createIncrementalProgram(createProgramOptions) : undefined;
  const program = builder?.getProgram() ?? tsi.createProgram(createProgramOptions);
  const diagnostics = [...tsi.getPreEmitDiagnostics(program), ...typeScript7Diagnostics(project, program)];
  const added: ts.Diagnostic[] = [];
  const transformers = customTransformers(project, program, added);
  const emitted = builder ? builder.emit(undefined, undefined, undefined, undefined, transformers) : program.emit(undefined, undefined, undefined, undefined, transformers);
  diagnostics.push(...emitted.diagnostics, ...added);
  return report(project, tsi.sortAndDeduplicateDiagnostics(diagnostics), options);
}

/**
 * `build --watch`: builds, then rebuilds on every change until the process ends. Only files the
 * change affects are emitted again (a file whose imported types changed is affected too).
 * Returns a function that stops watching.
 */
export function watch(options: BuildOptions): { close(): void; typescript: BuildResult["typescript"] } {
  const project = loadBuildProject(options);
  const { ts: tsi } = project.engine;
  const host = tsi.createWatchCompilerHost(
    project.configPath,
    {},
    // The watch host reads the program's JSON modules and .tsbuildinfo through it as well.
    analysesTypeScript7(project.engine) ? typeScript7System(tsi, isTsconfigFile([project.configPath, ...extendedConfigFiles(project)])) : tsi.sys,
    tsi.createEmitAndSemanticDiagnosticsBuilderProgram,
    () => undefined, // diagnostics are reported once per build, below
    (status) => options.write(`${tsi.flattenDiagnosticMessageText(status.messageText, "\n")}\n`),
  );
  host.jsDocParsingMode = tsi.JSDocParsingMode.ParseForTypeErrors; // as in `build` above
  if (analysesTypeScript7(project.engine)) {
    // The watch host reads the tsconfig itself (again after each change to it), so the defaults
    // loadProject applied are applied here to every Program it creates.
    const createProgram = host.createProgram;
    const configDir = path.dirname(project.configPath);
    host.createProgram = (rootNames, options, ...rest) => createProgram(rootNames, options && applyTypeScript7Defaults(tsi, options, configDir), ...rest);
  }
  host.afterProgramCreate = (builder) => {
    const program = builder.getProgram();
    const diagnostics = [
      ...builder.getConfigFileParsingDiagnostics(),
      ...builder.getOptionsDiagnostics(),
      ...builder.getGlobalDiagnostics(),
      ...builder.getSyntacticDiagnostics(),
      ...builder.getSemanticDiagnostics(),
      ...typeScript7Diagnostics(project, program),
    ];
    const added: ts.Diagnostic[] = [];
    const emitted = builder.emit(undefined, undefined, undefined, undefined, customTransformers(project, program, added));
    diagnostics.push(...emitted.diagnostics, ...added);
    const { errorCount } = report(project, tsi.sortAndDeduplicateDiagnostics(diagnostics), options);
    options.write(`llm-strategy build: ${errorCount === 0 ? "no errors" : `${errorCount} error${errorCount === 1 ? "" : "s"}`}, watching for changes.\n`);
  };
  const watcher = tsi.createWatchProgram(host);
  return { close: () => watcher.close(), typescript: { version: tsi.version, origin: project.engine.origin } };
}

function loadBuildProject(options: BuildOptions): Project {
  return loadProject({ cwd: options.cwd, ...(options.tsconfig !== undefined ? { tsconfig: options.tsconfig } : {}) });
}

/** The files the project's tsconfig extends (as `tsc` found them when reading it). */
function extendedConfigFiles(project: Project): readonly string[] {
  const configFile = project.parsed.options["configFile"] as ts.TsConfigSourceFile | undefined;
  return configFile?.extendedSourceFiles ?? [];
}

/** What TypeScript 7 would report and the 5.9 engine does not (a project on TypeScript 7 only). */
function typeScript7Diagnostics(project: Project, program: ts.Program): ts.Diagnostic[] {
  const rootDir = analysesTypeScript7(project.engine) ? typeScript7RootDirDiagnostic(project.engine.ts, program) : undefined;
  return rootDir ? [rootDir] : [];
}

function customTransformers(project: Project, program: ts.Program, added: ts.Diagnostic[]): ts.CustomTransformers {
  const factory = createTransformerFactory(program, {
    ts: project.engine.ts,
    options: project.pluginOptions,
    addDiagnostic: (diagnostic) => added.push(diagnostic),
  });
  return { before: [factory] };
}

function report(project: Project, diagnostics: readonly ts.Diagnostic[], options: BuildOptions): BuildResult {
  const { ts: tsi, origin } = project.engine;
  if (diagnostics.length > 0) options.write(formatDiagnostics(tsi, diagnostics, options.cwd));
  const errorCount = diagnostics.filter((diagnostic) => diagnostic.category === tsi.DiagnosticCategory.Error).length;
  return { errorCount, typescript: { version: tsi.version, origin } };
}
