/**
 * One tsconfig's Program for the bundler plugins, kept up to date by a LanguageService: the host
 * serves the text the bundler handed to `transform` and disk text otherwise, and a file's version
 * changes only when its text does, so a rebuild re-parses only the files that changed.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type * as ts from "typescript";
import { isCompiledSource } from "../find/scan-program";
import { findTsconfig, loadProject, ProjectError, type Project } from "../project";
import { createTransformerFactory, transformerHasWork, type TransformerInputs } from "../transform";

/** What emitting one file gave: JavaScript and its map, or nothing to do; the transformer's diagnostics. */
export interface FileOutcome {
  /** Undefined when the transformer has nothing to do in the file (the bundler compiles it). */
  code?: string;
  map?: SourceMapJson;
  errors: ts.Diagnostic[];
  warnings: ts.Diagnostic[];
  /** Project sources the file imports, directly or not: their types (and JSDoc) shape its specs. */
  watchFiles: string[];
}

export interface SourceMapJson {
  version: number;
  file?: string;
  sources: string[];
  sourcesContent?: (string | null)[];
  names: string[];
  mappings: string;
  sourceRoot?: string;
}

export class ProjectService {
  readonly tsi: typeof ts;
  readonly configPath: string;
  private project: Project;
  private options: ts.CompilerOptions;
  private rootNames: Set<string>;
  /** Files the bundler compiles that the tsconfig does not include (tests outside `include`, say). */
  private readonly extraRoots = new Set<string>();
  private readonly texts = new Map<string, string>();
  private readonly versions = new Map<string, number>();
  /** Modification times of project sources read from disk, to notice edits no watcher reported. */
  private readonly diskTimes = new Map<string, number>();
  private readonly service: ts.LanguageService;
  /** Diagnostics the transformer adds while one file is emitted (emit is synchronous). */
  private readonly pending: ts.Diagnostic[] = [];
  private readonly outcomes = new WeakMap<ts.Program, Map<string, FileOutcome>>();
  private manifest: { program: ts.Program; file: string; text: string } | undefined;

  constructor(
    configPath: string,
    private readonly pluginOptions: Record<string, unknown>,
  ) {
    this.configPath = configPath;
    this.project = loadProject({ cwd: path.dirname(configPath), tsconfig: configPath, pluginOptions });
    this.tsi = this.project.engine.ts;
    this.options = bundlerCompilerOptions(this.tsi, this.project.parsed.options);
    this.rootNames = new Set(this.project.parsed.fileNames.map(normalizePath));
    const tsi = this.tsi;
    const host: ts.LanguageServiceHost = {
      getCompilationSettings: () => this.options,
      getScriptFileNames: () => [...this.rootNames, ...this.extraRoots],
      getScriptVersion: (fileName) => String(this.versions.get(fileName) ?? 0),
      getScriptSnapshot: (fileName) => {
        const text = this.textOf(fileName);
        return text === undefined ? undefined : tsi.ScriptSnapshot.fromString(text);
      },
      getCurrentDirectory: () => path.dirname(this.configPath),
      getDefaultLibFileName: (options) => tsi.getDefaultLibFilePath(options),
      fileExists: (fileName) => this.texts.has(fileName) || tsi.sys.fileExists(fileName),
      readFile: (fileName, encoding) => this.texts.get(fileName) ?? tsi.sys.readFile(fileName, encoding),
      readDirectory: (...args) => tsi.sys.readDirectory(...args),
      directoryExists: (dir) => tsi.sys.directoryExists(dir),
      getDirectories: (dir) => tsi.sys.getDirectories(dir),
      realpath: (fileName) => (tsi.sys.realpath ? tsi.sys.realpath(fileName) : fileName),
      useCaseSensitiveFileNames: () => tsi.sys.useCaseSensitiveFileNames,
      getProjectReferences: () => this.project.parsed.projectReferences,
      // The prompts are the JSDoc: never let the compiler skip it (tsc does by default since 5.3).
      jsDocParsingMode: tsi.JSDocParsingMode.ParseAll,
    };
    const registry = tsi.createDocumentRegistry(tsi.sys.useCaseSensitiveFileNames, path.dirname(configPath), tsi.JSDocParsingMode.ParseAll);
    this.service = tsi.createLanguageService(host, registry);
  }

  /** Whether the tsconfig includes `file` (its `files`/`include`, not what it reaches by imports). */
  includes(file: string): boolean {
    return this.rootNames.has(file);
  }

  /** Referenced projects' tsconfig paths (a solution tsconfig lists its projects here); a reference whose tsconfig does not exist is left out. */
  references(): string[] {
    return (this.project.parsed.projectReferences ?? []).flatMap((reference) => {
      try {
        return [findTsconfig(path.dirname(this.configPath), reference.path)];
      } catch (error) {
        if (error instanceof ProjectError) return [];
        throw error;
      }
    });
  }

  /**
   * Emits `file` (with the text the bundler hands over) through TypeScript with the transformer,
   * when the transformer has anything to do in it.
   */
  transform(file: string, code: string): FileOutcome | undefined {
    this.setText(file, code.charCodeAt(0) === 0xfeff ? code.slice(1) : code);
    let program = this.program();
    if (!program.getSourceFile(file) && !this.extraRoots.has(file)) {
      this.extraRoots.add(file);
      program = this.program();
    }
    const sourceFile = program.getSourceFile(file);
    if (!sourceFile || !isCompiledSource(program, sourceFile)) return undefined;
    let outcomes = this.outcomes.get(program);
    if (!outcomes) this.outcomes.set(program, (outcomes = new Map()));
    let outcome = outcomes.get(file);
    if (!outcome) {
      // The transformer reports a file's problems once per Program: the outcome is kept, so a
      // second environment (vite's client and SSR) or a rebuild without changes sees them again.
      outcome = this.emit(program, sourceFile);
      outcomes.set(file, outcome);
    }
    return outcome;
  }

  /** A watcher saw `file` change: read it again; a file added or removed may change the tsconfig's file list. */
  fileChanged(file: string, event: "create" | "update" | "delete"): void {
    if (file === normalizePath(this.configPath)) {
      this.reload();
      return;
    }
    this.forget(file);
    if (event !== "update" && /\.[cm]?tsx?$/.test(file)) this.reload();
  }

  /** Before a build: forget project sources edited on disk since they were read (bundlers without a watch hook, esbuild). */
  refreshFromDisk(): void {
    for (const [file, time] of this.diskTimes) {
      if (modifiedTime(file) !== time) this.forget(file);
    }
  }

  /**
   * Writes the manifest again when it is gone or differs from what the transformer wrote: a
   * bundler that empties its output folder after transforming (vite) removes one written inside it.
   */
  restoreManifest(): void {
    if (!this.manifest) return;
    const { file, text } = this.manifest;
    let current: string | undefined;
    try {
      current = fs.readFileSync(file, "utf8");
    } catch {
      current = undefined;
    }
    if (current === text) return;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
  }

  /** Frees the language service and what it holds; the service must not be used afterwards. */
  dispose(): void {
    this.service.dispose();
  }

  private program(): ts.Program {
    const program = this.service.getProgram();
    if (!program) throw new Error(`llm-strategy: TypeScript built no Program for ${this.configPath}`);
    return program;
  }

  private emit(program: ts.Program, sourceFile: ts.SourceFile): FileOutcome {
    const tsi = this.tsi;
    const inputs: TransformerInputs = { ts: tsi, options: this.project.pluginOptions, addDiagnostic: (diagnostic) => this.pending.push(diagnostic) };
    if (!transformerHasWork(program, inputs, sourceFile)) return { errors: [], warnings: [], watchFiles: [] };
    this.pending.length = 0;
    let code: string | undefined;
    let mapText: string | undefined;
    const emitted = program.emit(
      sourceFile,
      (fileName, text) => {
        if (fileName.endsWith(".map")) mapText = text;
        else if (/\.[cm]?jsx?$/.test(fileName)) code = text;
      },
      undefined,
      false,
      { before: [createTransformerFactory(program, inputs)] },
    );
    const diagnostics = [...program.getSyntacticDiagnostics(sourceFile), ...emitted.diagnostics, ...this.pending.splice(0)];
    this.rememberManifest(program);
    const errors = diagnostics.filter((diagnostic) => diagnostic.category === tsi.DiagnosticCategory.Error);
    const warnings = diagnostics.filter((diagnostic) => diagnostic.category === tsi.DiagnosticCategory.Warning);
    const watchFiles = importedSources(tsi, program, sourceFile);
    if (code === undefined) return { errors, warnings, watchFiles };
    const map = mapText === undefined ? undefined : (JSON.parse(mapText) as SourceMapJson);
    if (map) {
      // The one source is the file itself, by absolute path: every bundler resolves that the same way
      // (a relative one came out wrong through webpack's loader chain).
      map.sources = [sourceFile.fileName];
      delete map.sourceRoot;
      delete map.file;
    }
    return { code: code.replace(/\n?\/\/# sourceMappingURL=\S*\s*$/, "\n"), ...(map ? { map } : {}), errors, warnings, watchFiles };
  }

  private rememberManifest(program: ts.Program): void {
    const manifest = this.project.pluginOptions.manifest;
    if (manifest === undefined || this.manifest?.program === program) return;
    const file = path.resolve(path.dirname(this.configPath), manifest);
    try {
      this.manifest = { program, file, text: fs.readFileSync(file, "utf8") };
    } catch {
      // Not written (a Program in which no file was emitted yet).
    }
  }

  private reload(): void {
    this.project = loadProject({ cwd: path.dirname(this.configPath), tsconfig: this.configPath, pluginOptions: this.pluginOptions });
    this.options = bundlerCompilerOptions(this.tsi, this.project.parsed.options);
    this.rootNames = new Set(this.project.parsed.fileNames.map(normalizePath));
  }

  private textOf(file: string): string | undefined {
    let text = this.texts.get(file);
    if (text === undefined) {
      text = this.tsi.sys.readFile(file);
      if (text === undefined) return undefined;
      this.texts.set(file, text);
      if (!file.includes("/node_modules/")) this.diskTimes.set(file, modifiedTime(file));
    }
    return text;
  }

  private setText(file: string, text: string): void {
    if (this.texts.get(file) === text) return;
    this.texts.set(file, text);
    this.diskTimes.delete(file);
    this.versions.set(file, (this.versions.get(file) ?? 0) + 1);
  }

  private forget(file: string): void {
    this.diskTimes.delete(file);
    if (this.texts.delete(file)) this.versions.set(file, (this.versions.get(file) ?? 0) + 1);
  }
}

/**
 * The tsconfig's options, changed so one file emits as ES module JavaScript with a source map
 * the bundler can chain: `module: preserve` keeps the file's import syntax (bundlers resolve
 * bundler-style, so node16/nodenext resolution becomes `bundler`), no declarations, no
 * incremental state, nothing written (the emit goes to a callback).
 */
function bundlerCompilerOptions(tsi: typeof ts, options: ts.CompilerOptions): ts.CompilerOptions {
  const changed: ts.CompilerOptions = {
    ...options,
    module: tsi.ModuleKind.Preserve,
    sourceMap: true,
    inlineSourceMap: false,
    inlineSources: true,
    declaration: false,
    declarationMap: false,
    emitDeclarationOnly: false,
    noEmit: false,
    noEmitOnError: false,
    incremental: false,
    composite: false,
  };
  for (const key of ["outDir", "outFile", "out", "rootDir", "declarationDir", "tsBuildInfoFile", "mapRoot", "sourceRoot"]) delete changed[key];
  if (options.moduleResolution === tsi.ModuleResolutionKind.Node16 || options.moduleResolution === tsi.ModuleResolutionKind.NodeNext) {
    changed.moduleResolution = tsi.ModuleResolutionKind.Bundler;
  }
  return changed;
}

/** Forward slashes, as TypeScript names files. */
export function normalizePath(file: string): string {
  return path.resolve(file).replace(/\\/g, "/");
}

/** The project sources `file` imports, directly or through other project sources. */
function importedSources(tsi: typeof ts, program: ts.Program, file: ts.SourceFile): string[] {
  const checker = program.getTypeChecker();
  const seen = new Set<ts.SourceFile>([file]);
  const queue = [file];
  for (let current = queue.pop(); current; current = queue.pop()) {
    for (const statement of current.statements) {
      const specifier =
        (tsi.isImportDeclaration(statement) || tsi.isExportDeclaration(statement)) && statement.moduleSpecifier
          ? statement.moduleSpecifier
          : tsi.isImportEqualsDeclaration(statement) && tsi.isExternalModuleReference(statement.moduleReference)
            ? statement.moduleReference.expression
            : undefined;
      if (!specifier) continue;
      const declaration = checker.getSymbolAtLocation(specifier)?.valueDeclaration;
      if (declaration && tsi.isSourceFile(declaration) && !seen.has(declaration) && isCompiledSource(program, declaration)) {
        seen.add(declaration);
        queue.push(declaration);
      }
    }
  }
  seen.delete(file);
  return [...seen].map((source) => source.fileName);
}

function modifiedTime(file: string): number {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return -1;
  }
}
