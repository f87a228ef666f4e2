import type * as ts from "typescript";
import type { CreateAnalyser, Problem } from "./analyse/types";
import { Diagnostics, formatMessage, typeScriptCode } from "./diagnostics";
import type { PluginOptions } from "./options";

/**
 * Everything the transformer needs about one Program, built once per Program and shared by
 * every file it transforms: the compiler's own `ts` instance, the checker, the options, and
 * where diagnostics go.
 */
export interface TransformerContext {
  /** The TypeScript instance the compiler runs on (ts-patch's `extras.ts`); never a second copy. */
  readonly ts: typeof ts;
  readonly program: ts.Program;
  readonly checker: ts.TypeChecker;
  readonly options: PluginOptions;
  /** Absolute folder (forward slashes) that ids and the manifest path are relative to: the tsconfig's, else the current directory. */
  readonly projectDir: string;
  /** Loads the analyser on first use, so projects without stubs never load typescript-json-schema. */
  readonly createAnalyser: CreateAnalyser;
  /** Reports one problem as a TypeScript diagnostic on its node. */
  report(problem: Problem): void;
}

/** Where diagnostics go: ts-patch's `extras.addDiagnostic`, or a collector in tests and under ts-jest. */
export type DiagnosticSink = (diagnostic: ts.Diagnostic) => void;

export interface ContextInputs {
  ts: typeof ts;
  program: ts.Program;
  options: PluginOptions;
  addDiagnostic: DiagnosticSink;
  createAnalyser: CreateAnalyser;
}

export function createContext(inputs: ContextInputs): TransformerContext {
  const { ts, program } = inputs;
  return {
    ts,
    program,
    checker: program.getTypeChecker(),
    options: inputs.options,
    projectDir: projectDirOf(program),
    createAnalyser: inputs.createAnalyser,
    report: (problem) => inputs.addDiagnostic(toDiagnostic(ts, problem)),
  };
}

/** The tsconfig's folder, else the Program's current directory; forward slashes, no trailing slash. */
function projectDirOf(program: ts.Program): string {
  const configFilePath = program.getCompilerOptions()["configFilePath"];
  const dir =
    typeof configFilePath === "string"
      ? configFilePath.replace(/\\/g, "/").replace(/\/[^/]*$/, "")
      : program.getCurrentDirectory().replace(/\\/g, "/");
  return dir.length > 1 ? dir.replace(/\/$/, "") : dir;
}

/** A problem as TypeScript prints it: `file.ts(line,col): error TS91001: LLM1001: ...`. */
function toDiagnostic(tsInstance: typeof ts, problem: Problem): ts.Diagnostic {
  const entry = Diagnostics[problem.kind];
  const category =
    entry.category === "error" ? tsInstance.DiagnosticCategory.Error : tsInstance.DiagnosticCategory.Warning;
  const file = problem.node.getSourceFile();
  const start = problem.node.getStart(file);
  return {
    file,
    start,
    length: problem.node.getEnd() - start,
    category,
    code: typeScriptCode(problem.kind),
    messageText: formatMessage(problem.kind, problem.args as never),
    relatedInformation: problem.related?.map((related) => {
      const relatedFile = related.node.getSourceFile();
      const relatedStart = related.node.getStart(relatedFile);
      return {
        file: relatedFile,
        start: relatedStart,
        length: related.node.getEnd() - relatedStart,
        category: tsInstance.DiagnosticCategory.Message,
        code: typeScriptCode(problem.kind),
        messageText: related.message,
      };
    }),
  };
}
