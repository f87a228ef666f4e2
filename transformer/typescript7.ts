/**
 * TypeScript 7 projects analysed on TypeScript 5.9 (see engine.ts): the compiler options whose
 * defaults changed in 6.0/7.0, the tsconfig spellings 5.9 does not know, and 7.0's one new
 * rootDir error, so `llm-strategy build` and the bundler plugins read a tsconfig as `tsc` 7 does.
 */
import * as path from "node:path";
import type * as ts from "typescript";
import type { TypeScriptEngine } from "./engine";

/**
 * Fills in the compiler options whose defaults changed in TypeScript 6.0/7.0, as 7.0 computes
 * them, for a project on TypeScript 7 analysed with 5.9: without them a tsconfig that leaves
 * `strict` out would lose `null` from every schema. Only options the tsconfig leaves unset are
 * filled, and `module`/`moduleResolution` follow the ones it does set, as in 7.0 (a tsconfig
 * with `"module": "nodenext"` gets NodeNext resolution, not Bundler). Mutates and returns `options`.
 */
export function applyTypeScript7Defaults(tsi: typeof ts, options: ts.CompilerOptions, configDir: string): ts.CompilerOptions {
  const unset = (name: keyof ts.CompilerOptions): boolean => options[name] === undefined;
  if (unset("strict")) options.strict = true;
  if (unset("esModuleInterop")) options.esModuleInterop = true;
  if (unset("allowSyntheticDefaultImports")) options.allowSyntheticDefaultImports = true;
  if (unset("types")) options.types = [];
  if (unset("rootDir")) {
    options.rootDir = configDir;
    defaultedRootDir.add(options);
  }
  // 7.0's default target is ES2025, which 5.9 does not know; ES2024 is its latest standard.
  if (unset("target")) options.target = tsi.ScriptTarget.ES2024;
  const target = options.target!;
  if (unset("module")) options.module = target === tsi.ScriptTarget.ESNext ? tsi.ModuleKind.ESNext : target >= tsi.ScriptTarget.ES2022 ? tsi.ModuleKind.ES2022 : tsi.ModuleKind.ES2015;
  if (unset("moduleResolution")) {
    const module = options.module!;
    if (module === tsi.ModuleKind.NodeNext) options.moduleResolution = tsi.ModuleResolutionKind.NodeNext;
    else if (module >= tsi.ModuleKind.Node16 && module < tsi.ModuleKind.NodeNext) options.moduleResolution = tsi.ModuleResolutionKind.Node16;
    // 7.0 resolves CommonJS output like a bundler too; 5.9 rejects that pair, so its own default (node10) stays.
    else if (module >= tsi.ModuleKind.ES2015) options.moduleResolution = tsi.ModuleResolutionKind.Bundler;
  }
  return options;
}

/** Options whose `rootDir` is 7.0's default, not the tsconfig's (see `typeScript7RootDirDiagnostic`). */
const defaultedRootDir = new WeakSet<ts.CompilerOptions>();

/**
 * TypeScript 7's error TS5011, which 5.9 does not know: a tsconfig that leaves `rootDir` out
 * gets the tsconfig's folder as its root (7.0's default), so with sources in `src/` the outputs
 * would land in `dist/src/`; 7.0 stops and asks for an explicit `rootDir` rather than move them.
 * Reported on the tsconfig's `outDir` as 7.0 does, with its text.
 */
export function typeScript7RootDirDiagnostic(tsi: typeof ts, program: ts.Program): ts.Diagnostic | undefined {
  const options = program.getCompilerOptions();
  const configFile = options["configFile"] as ts.TsConfigSourceFile | undefined;
  const configPath = options.configFilePath as string | undefined;
  if (!defaultedRootDir.has(options) || !configPath || options.noEmit || options.composite || !(options.outDir || (options.declaration && options.declarationDir))) return undefined;
  const emitted = program.getRootFileNames().filter((file) => !/\.d\.[cm]?ts$|\.json$/.test(file));
  const common = commonDirectory(emitted);
  if (common === undefined || common === path.dirname(configPath)) return undefined;
  const relative = path.relative(path.dirname(configPath), common).split(path.sep).join("/");
  const key = options.outDir ? "outDir" : "declarationDir";
  const keyNode = configFile && compilerOptionKey(tsi, configFile, key);
  return {
    category: tsi.DiagnosticCategory.Error,
    code: 5011,
    file: keyNode ? configFile : undefined,
    start: keyNode?.getStart(configFile),
    length: keyNode ? keyNode.getEnd() - keyNode.getStart(configFile) : undefined,
    messageText: {
      category: tsi.DiagnosticCategory.Error,
      code: 5011,
      messageText:
        `The common source directory of '${path.basename(configPath)}' is '${relative.startsWith("..") ? relative : `./${relative}`}'. ` +
        `The 'rootDir' setting must be explicitly set to this or another path to adjust your output's file layout.`,
      next: [{ category: tsi.DiagnosticCategory.Message, code: 0, messageText: "Visit https://aka.ms/ts6 for migration information." }],
    },
  };
}

/** The deepest folder holding every file, or undefined for none. */
function commonDirectory(files: readonly string[]): string | undefined {
  if (files.length === 0) return undefined;
  let common = path.dirname(path.resolve(files[0]!));
  for (const file of files.slice(1)) {
    const resolved = path.resolve(file);
    while (!resolved.startsWith(common.endsWith(path.sep) ? common : common + path.sep)) {
      const parent = path.dirname(common);
      if (parent === common) return common;
      common = parent;
    }
  }
  return common;
}

/** The `compilerOptions.<name>` key node in the tsconfig's own text, when it is written there (not in an extended file). */
function compilerOptionKey(tsi: typeof ts, configFile: ts.TsConfigSourceFile, name: string): ts.Node | undefined {
  const keyOf = (object: ts.Expression | undefined, key: string) =>
    object && tsi.isObjectLiteralExpression(object)
      ? object.properties.find((property): property is ts.PropertyAssignment => tsi.isPropertyAssignment(property) && tsi.isStringLiteral(property.name) && property.name.text === key)
      : undefined;
  return keyOf(keyOf(configFile.statements[0]?.expression, "compilerOptions")?.initializer, name)?.name;
}

/**
 * The tsconfig text a TypeScript 7 project wrote, with the ES2025 names 5.9 does not know
 * replaced by its nearest ones, so the settings are read rather than rejected with TS6046:
 * `"target": "es2025"` becomes `es2024` (ES2025 brings no syntax to lower), and lib entries
 * `es2025*` become `esnext*` (5.9's esnext libs hold what became ES2025). The replacements keep
 * the text's length, so positions in other tsconfig diagnostics stay right.
 */
export function adaptTypeScript7ConfigText(text: string): string {
  if (!/"es2025/i.test(text)) return text;
  return text.replace(/("target"\s*:\s*")es2025"/gi, '$1es2024"').replace(/"es2025(\.[a-z0-9]+)?"/gi, (_match, part: string | undefined) => `"esnext${part ?? ""}"`);
}

/**
 * `tsi.sys` reading the files `isConfigFile` accepts through `adaptTypeScript7ConfigText`, and
 * every other file (a JSON module the project imports, a `.tsbuildinfo`) as it is.
 */
export function typeScript7System(tsi: typeof ts, isConfigFile: (file: string) => boolean): ts.System {
  return {
    ...tsi.sys,
    readFile: (file, encoding) => {
      const text = tsi.sys.readFile(file, encoding);
      return text !== undefined && isConfigFile(file) ? adaptTypeScript7ConfigText(text) : text;
    },
  };
}

/**
 * A test for tsconfig files: those named like one (`tsconfig.json`, `tsconfig.build.json`), and
 * `configFiles` (a tsconfig and the files it extends, whatever their names).
 */
export function isTsconfigFile(configFiles: Iterable<string>): (file: string) => boolean {
  const known = new Set([...configFiles].map((file) => path.resolve(file)));
  return (file) => /(^|[\\/])tsconfig[^\\/]*\.json$/i.test(file) || known.has(path.resolve(file));
}

/** Whether `engine` analyses a TypeScript 7 project (so `applyTypeScript7Defaults` applies). */
export function analysesTypeScript7(engine: TypeScriptEngine): boolean {
  return engine.origin === "llm-strategy" && engine.projectVersion !== undefined && Number.parseInt(engine.projectVersion, 10) >= 7;
}
