import Module from "node:module";
import * as path from "node:path";
import type * as ts from "typescript";
import type { CreateAnalyser } from "./analyse/types";
import { createContext, type DiagnosticSink } from "./context";
import type { PluginOptions } from "./options";
import { createProgramState, visitFile, type ProgramState } from "./visit-file";

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
  const state = programState(program, inputs);
  return (transformation) => (file) => visitFile(state, transformation, file);
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
const loadAnalyser: CreateAnalyser = (options, sourceFile) => {
  shareCompilerTypeScript(options.ts);
  const analyse = require("./analyse") as { createAnalyser: CreateAnalyser };
  return analyse.createAnalyser(options, sourceFile);
};

/**
 * typescript-json-schema does `require("typescript")`. Under `tspc` that module is already loaded
 * (ts-patch loads it itself), but under a persistently patched `tsc` nothing has loaded it, and
 * loading TypeScript a second time costs 150-260 ms. Register the compiler's own instance (same
 * package, same API) under that module's path first, so there is one TypeScript in the process.
 */
function shareCompilerTypeScript(compilerTypeScript: typeof ts): void {
  let resolved: string;
  try {
    resolved = require.resolve("typescript", { paths: [path.dirname(require.resolve("typescript-json-schema"))] });
  } catch {
    return; // typescript-json-schema resolves it some other way; let it
  }
  if (require.cache[resolved]) return;
  const shared = new Module(resolved);
  shared.filename = resolved;
  shared.loaded = true;
  shared.exports = compilerTypeScript;
  require.cache[resolved] = shared;
}
