import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { readTrace, traceSpans } from "../../runtime/tracing/format";
import { parseArgs, UsageError, type CliCommand } from "../command";
import { tracePage } from "../trace-page";
import { errorMessage } from "../../runtime/util";

/**
 * `llm-strategy trace <file.json> [--out page.html] [--open]`: writes the viewer with the trace
 * inside as one page (default: next to the trace, `.html` for `.json`) and prints its path.
 */
export const traceCommand: CliCommand = {
  summary: "Write a trace JSON (from withTrace / TraceRecorder) into a self-contained viewer page and print its path.",
  usage: "llm-strategy trace <file.json> [--out page.html] [--open]",
  async run(args, io) {
    const { positionals, options } = parseArgs(args, ["--out", "-o"], ["--open"]);
    if (positionals.length !== 1) throw new UsageError(positionals.length ? "Give one trace file." : "Which trace? Give the path of a trace JSON file.");
    const input = path.resolve(io.cwd, positionals[0]!);
    let text: string;
    try {
      text = fs.readFileSync(input, "utf8");
    } catch (error) {
      throw new Error(`cannot read ${input}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
    let trace;
    try {
      trace = readTrace(text);
    } catch (error) {
      throw new Error(`${input} is not a trace: ${errorMessage(error)}`);
    }
    const out = path.resolve(io.cwd, String(options.get("--out") ?? options.get("-o") ?? defaultOut(input)));
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, tracePage(trace, path.basename(input)));
    const spans = traceSpans(trace);
    const calls = spans.filter((span) => span.kind === "stub").length;
    const shown = path.relative(io.cwd, input);
    io.stderr(`Wrote ${spans.length} spans (${calls} model calls) from ${shown && !shown.startsWith("..") ? shown : input}.\n`);
    io.stdout(`${out}\n`);
    if (options.has("--open")) io.stderr(openInBrowser(out));
    return 0;
  },
};

function defaultOut(input: string): string {
  return input.replace(/\.json$/i, "") + ".html";
}

/** Starts the system's opener, detached; says what it did (opening is best effort). */
function openInBrowser(file: string): string {
  const [command, ...args] =
    process.platform === "darwin" ? ["open", file] : process.platform === "win32" ? ["cmd", "/c", "start", "", file] : ["xdg-open", file];
  try {
    const child = spawn(command!, args, { detached: true, stdio: "ignore" });
    child.on("error", () => {});
    child.unref();
    return `Opening it with ${command}.\n`;
  } catch {
    return `Could not start ${command}; open the file in a browser.\n`;
  }
}
