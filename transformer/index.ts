/**
 * The ts-patch plugin: `"plugins": [{ "transform": "llm-strategy/transformer" }]` in a tsconfig,
 * built with `tspc`. Wiring only; the work happens in `transform.ts` (per file: `plan-file.ts`, then `emit/`).
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import type * as ts from "typescript";
import { formatMessage, typeScriptCode } from "./diagnostics";
import { TypeScriptEngineError } from "./engine";
import { readPluginOptions } from "./options";
import { programHasWork } from "./package-files";
import type * as Transform from "./transform";

/**
 * `createTransformerFactory` of `./transform`, which is loaded (with find, plan, emit and the
 * manifest) only for a Program that holds the package's runtime or asks for a manifest: a build
 * without stubs loads this file and its few imports, nothing more.
 */
const createTransformerFactory: typeof Transform.createTransformerFactory = (program, inputs) =>
  programHasWork(program, inputs.options) ? (require("./transform") as typeof Transform).createTransformerFactory(program, inputs) : () => (file) => file;

/** What ts-patch passes to a "program" transformer (ts-patch's `TransformerExtras`, the parts used here). */
export interface TransformerExtras {
  /** The TypeScript instance the compiler runs on. */
  ts: typeof ts;
  addDiagnostic(diagnostic: ts.Diagnostic): number;
}

/**
 * ts-patch entry point. Options (all optional): `manifest` (path of the prompt manifest JSON,
 * relative to the tsconfig), `runtimeModule` (default `"llm-strategy"`), `warnings` (default `false`).
 */
export default function llmStrategyTransformer(
  program: ts.Program,
  config: Record<string, unknown> | undefined,
  extras: TransformerExtras,
): ts.TransformerFactory<ts.SourceFile> {
  const factory = createTransformerFactory(program, {
    ts: extras.ts,
    options: readPluginOptions(config),
    addDiagnostic: (diagnostic) => void extras.addDiagnostic(diagnostic),
  });
  // tspc prints an exception from a transformer as a crash with a stack trace. A missing
  // build tool is the user's to fix, so it becomes one diagnostic line, once per Program.
  let reported = false;
  return (transformation) => {
    const visit = factory(transformation);
    return (file) => {
      try {
        return visit(file);
      } catch (error) {
        if (!(error instanceof TypeScriptEngineError)) throw error;
        if (!reported) {
          reported = true;
          extras.addDiagnostic({
            category: extras.ts.DiagnosticCategory.Error,
            code: typeScriptCode("BuildToolsMissing"),
            file: undefined,
            start: undefined,
            length: undefined,
            messageText: formatMessage("BuildToolsMissing", { reason: error.message }),
          });
        }
        return file;
      }
    };
  };
}

/** For ts-jest's `astTransformers`. */
export const name = "llm-strategy";

/**
 * For ts-jest's cache key: a hash of the transformer's own files, so it changes whenever they do.
 * Computed at the first read (ts-jest's), not when tspc loads the plugin.
 */
export declare const version: number;
let computedVersion: number | undefined;
Object.defineProperty(exports, "version", { enumerable: true, get: () => (computedVersion ??= transformerVersion()) });

/** The part of ts-jest's compiler instance the transformer reads. */
export interface TsJestCompiler {
  program?: ts.Program;
  configSet: { compilerModule: typeof ts };
  /** ts-jest's language service (internal): its `program` is set once and goes stale as files change. */
  _languageService?: { getProgram(): ts.Program | undefined };
}

/**
 * ts-jest entry point (`astTransformers: { before: [{ path: "llm-strategy/transformer", options }] }`).
 * ts-jest shows no plugin diagnostics, so an error in a file fails that file's compilation.
 */
export function factory(compiler: TsJestCompiler, config?: Record<string, unknown>): ts.TransformerFactory<ts.SourceFile> {
  const options = readPluginOptions(config);
  const tsInstance = compiler.configSet.compilerModule;
  const pending: ts.Diagnostic[] = [];
  return (transformation) => (file) => {
    const program = [compiler.program, compiler._languageService?.getProgram()].find((candidate) => candidate?.getSourceFile(file.fileName) === file);
    if (!program) return file;
    const transformed = createTransformerFactory(program, {
      ts: tsInstance,
      options,
      addDiagnostic: (diagnostic) => pending.push(diagnostic),
    })(transformation)(file);
    const errors = pending.splice(0).filter((diagnostic) => diagnostic.category === tsInstance.DiagnosticCategory.Error);
    if (errors.length > 0) {
      throw new Error(
        tsInstance.formatDiagnostics(errors, {
          getCanonicalFileName: (fileName) => fileName,
          getCurrentDirectory: () => program.getCurrentDirectory(),
          getNewLine: () => "\n",
        }),
      );
    }
    return transformed;
  };
}

function transformerVersion(): number {
  const hash = crypto.createHash("sha256");
  const files = listSources(__dirname);
  const spec = ["spec.js", "spec.ts"].map((file) => path.join(__dirname, "..", "runtime", file)).find((file) => fs.existsSync(file));
  for (const file of spec ? [...files, spec] : files) {
    hash.update(path.relative(__dirname, file));
    hash.update(fs.readFileSync(file));
  }
  return Number.parseInt(hash.digest("hex").slice(0, 8), 16);
}

function listSources(dir: string): string[] {
  const found: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...listSources(full));
    else if (/\.[jt]s$/.test(entry.name) && !entry.name.endsWith(".d.ts")) found.push(full);
  }
  return found;
}
