import Module from "node:module";
import * as path from "node:path";
import type * as ts from "typescript";
import type { CreateAnalyser } from "./analyse/types";
import { assertBuildTools } from "./engine";
import { createContext, type DiagnosticSink } from "./context";
import type { PluginOptions } from "./options";
import { emitFile } from "./emit/file";
import { isCompiledSource } from "./find/scan-program";
import type * as Manifest from "./manifest";
import { programHasWork } from "./package-files";
import { isEmptyPlan } from "./plan";
import { createProgramState, planFile, type ProgramState } from "./plan-file";

export interface TransformerInputs {
  /** The compiler's own TypeScript instance. */
  ts: typeof ts;
  options: PluginOptions;
  addDiagnostic: DiagnosticSink;
  /** Default: the real analyser from `./analyse`, loaded on first use. */
  createAnalyser?: CreateAnalyser;
}

/**
 * The `before` transformer for one Program. State (the scan of stubs, each file's plan) is
 * kept per Program, so emitting the same Program again reuses it.
 */
export function createTransformerFactory(program: ts.Program, inputs: TransformerInputs): ts.TransformerFactory<ts.SourceFile> {
  if (!programHasWork(program, inputs.options)) return () => (file) => file;
  const state = programState(program, inputs);
  return (transformation) => (file) => transformFile(state, transformation, file);
}

/**
 * Whether emitting `file` with the transformer changes or reports anything (a stub, an
 * `implement<I>()` call, a generic stub's call site, a problem). The bundler plugins leave every
 * other file to the bundler's own TypeScript handling. Shares the Program's state with
 * `createTransformerFactory`, so the plan made here is the one emitted.
 */
export function transformerHasWork(program: ts.Program, inputs: TransformerInputs, file: ts.SourceFile): boolean {
  if (!programHasWork(program, inputs.options)) return false;
  const { plan, problems } = planFile(programState(program, inputs), file);
  return problems.length > 0 || !isEmptyPlan(plan);
}

/**
 * Transforms one file: plan it (find + analyse), report its problems once, emit. A stub with
 * problems keeps its `stub()` body (the build fails on the diagnostics anyway).
 */
function transformFile(state: ProgramState, transformation: ts.TransformationContext, file: ts.SourceFile): ts.SourceFile {
  const { context } = state;
  if (context.options.manifest !== undefined && !state.manifestWritten) {
    state.manifestWritten = true;
    // The manifest covers the whole Program, also when only some files are emitted.
    // Required here, not imported: the manifest code loads much of the runtime (prompt rendering,
    // schema validation), which a build without a manifest never needs.
    const { writeManifest } = require("./manifest") as typeof Manifest;
    const records: Manifest.ManifestRecord[] = [];
    for (const source of context.program.getSourceFiles()) {
      if (isCompiledSource(context.program, source)) records.push(...planFile(state, source).manifest);
    }
    writeManifest(context.projectDir, context.options.manifest, records, state.scan?.hyperparameterDefaults);
  }
  const planned = planFile(state, file);
  if (!state.reported.has(file)) {
    state.reported.add(file);
    for (const problem of planned.problems) {
      const key = `${problem.node.getSourceFile().fileName}:${problem.node.pos}:${problem.node.end}:${problem.kind}:${JSON.stringify(problem.args)}`;
      if (state.reportedProblems.has(key)) continue;
      state.reportedProblems.add(key);
      context.report(problem);
    }
  }
  return emitFile(context.ts, transformation, file, planned.plan, context.options.runtimeModule);
}

const states = new WeakMap<ts.Program, ProgramState>();

function programState(program: ts.Program, inputs: TransformerInputs): ProgramState {
  let state = states.get(program);
  if (!state || JSON.stringify(state.context.options) !== JSON.stringify(inputs.options)) {
    state = createProgramState(
      createContext({
        ts: inputs.ts,
        program,
        options: inputs.options,
        addDiagnostic: inputs.addDiagnostic,
        createAnalyser: inputs.createAnalyser ?? loadAnalyser,
      }),
    );
    states.set(program, state);
  }
  return state;
}

/** Requires the analyser (and with it typescript-json-schema) only when a file has stubs. */
const loadAnalyser: CreateAnalyser = (options) => {
  assertBuildTools(["typescript-json-schema"]);
  shareCompilerTypeScript(options.ts);
  const analyse = require("./analyse") as { createAnalyser: CreateAnalyser };
  return analyse.createAnalyser(options);
};

/**
 * typescript-json-schema does `require("typescript")`, and its flags must be those of the
 * TypeScript that built the Program (TypeFlags differ between 5.9 and 6.0). Under `tspc` that
 * module is usually the compiler's own package, already loaded; under a persistently patched
 * `tsc`, `llm-strategy build` or a bundler plugin it may be another version (the project has
 * TypeScript 7, or typescript-json-schema has its own copy). Register the compiler's instance
 * under that module's path before typescript-json-schema loads, so there is one TypeScript.
 */
function shareCompilerTypeScript(compilerTypeScript: typeof ts): void {
  let generatorFile: string;
  let resolved: string;
  try {
    generatorFile = require.resolve("typescript-json-schema");
    resolved = require.resolve("typescript", { paths: [path.dirname(generatorFile)] });
  } catch {
    return; // typescript-json-schema resolves it some other way; let it
  }
  const cached = require.cache[resolved]?.exports as typeof ts | undefined;
  if (cached === compilerTypeScript || (cached && cached.version === compilerTypeScript.version)) return;
  if (require.cache[generatorFile]) {
    throw new Error(
      `typescript-json-schema was loaded with TypeScript ${cached?.version ?? "(unknown)"}, but this build runs on ${compilerTypeScript.version}: ` +
        `one process can analyse with one TypeScript version only.`,
    );
  }
  const shared = new Module(resolved);
  shared.filename = resolved;
  shared.loaded = true;
  shared.exports = compilerTypeScript;
  require.cache[resolved] = shared;
}
