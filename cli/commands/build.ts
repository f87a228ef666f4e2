import { parseArgs, UsageError, type CliCommand, type CliIO } from "../command";

/** `llm-strategy build [-p tsconfig.json] [--watch]`: an emitting build with the transformer, for TypeScript 7 projects and others without ts-patch. */
export const buildCommand: CliCommand = {
  summary: "Build the project with the llm-strategy transformer (what tspc would write), for projects on TypeScript 7 or without ts-patch.",
  usage: [
    "llm-strategy build [-p tsconfig.json] [--watch]",
    "",
    "  -p, --project <path>  the tsconfig, or a folder holding tsconfig.json; default: the nearest tsconfig.json",
    "  -w, --watch           build, then rebuild what each change affects until stopped (Ctrl-C)",
    "",
    "Writes the JS, declarations, source maps and prompt manifest the tsconfig asks for, and prints",
    "diagnostics as tsc does (file(line,col): error TS91001: LLM1001: ...); exit code 1 on errors.",
    "The analysis runs on the project's own TypeScript when it has a compiler API (5.9, 6.x), else",
    "(TypeScript 7) on the TypeScript 5.9 that llm-strategy's build tools bring, with TypeScript 7's",
    "defaults. Keep `tsc --noEmit` for fast type checking.",
  ].join("\n"),
  async run(args, io) {
    const { positionals, options } = parseArgs(args, ["-p", "--project"], ["--watch", "-w"]);
    if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}: give the project with -p.`);
    const project = options.get("-p") ?? options.get("--project");
    const settings = { cwd: io.cwd, write: io.stdout, ...(typeof project === "string" ? { tsconfig: project } : {}) };
    // Loaded here: the other commands need no compiler.
    const { build, watch } = require("../../transformer/build") as typeof import("../../transformer/build");
    if (options.has("--watch") || options.has("-w")) return watchUntilStopped(watch, settings, io);
    return build(settings).errorCount > 0 ? 1 : 0;
  },
};

function watchUntilStopped(watch: typeof import("../../transformer/build").watch, settings: Parameters<typeof watch>[0], io: CliIO): Promise<number> {
  const watcher = watch(settings);
  return new Promise((resolve) => {
    const stop = (): void => {
      watcher.close();
      io.stdout("llm-strategy build: stopped watching.\n");
      resolve(0);
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
}
