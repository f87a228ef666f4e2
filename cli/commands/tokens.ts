import { parseArgs, UsageError, type CliCommand, type CliIO } from "../command";
import { displayName, loadManifest, qualifiedName, relativeOrAbsolute, type ManifestStub } from "../manifest";
import { byPlace } from "../manifest-diff";
import { exitOnManifestError, FILTER_OPTIONS, manifestPathFrom, PROJECT_OPTION, stubFilter } from "../manifest-options";
import { styleFor } from "../style";

/** `llm-strategy tokens [manifest]`: estimated prompt tokens per stub and mode, most first, with totals. */
export const tokensCommand: CliCommand = {
  summary: "List the estimated prompt tokens of every stub (per mode, as the build's manifest records them), most first, with a total.",
  usage: [
    "llm-strategy tokens [manifest.json] [-p tsconfig.json] [--sort <mode|place>] [--stub <text>] [--file <path>] [--json]",
    "",
    "  manifest.json       the manifest a build wrote (plugin option \"manifest\"); default: the one ./tsconfig.json names",
    PROJECT_OPTION,
    "  --sort <mode|place> a mode (json, structured) to sort by, most tokens first, or place (file and line); default: json",
    FILTER_OPTIONS,
  ].join("\n"),
  async run(args, io) {
    const { positionals, options } = parseArgs(args, ["--stub", "--file", "-p", "--project", "--sort"], ["--json"]);
    return exitOnManifestError("tokens", io, () => runTokens(positionals, options, io));
  },
};

function runTokens(positionals: string[], options: Map<string, string | true>, io: CliIO): number {
  const manifest = loadManifest(manifestPathFrom(positionals, options, io.cwd));
  const filter = stubFilter(options);
  const shown = relativeOrAbsolute(io.cwd, manifest.file);
  // Columns follow the manifest, so a mode it adds later shows up without a change here.
  const modes = [...new Set(manifest.stubs.flatMap((stub) => Object.keys(stub.tokens)))];
  const sort = options.get("--sort") ?? modes[0] ?? "place";
  if (sort !== "place" && !modes.includes(String(sort))) {
    throw new UsageError(`--sort takes ${[...modes, "place"].join(", ")}; got ${JSON.stringify(sort)}.`);
  }
  const stubs = manifest.stubs.filter(filter.matches).sort((a, b) => (sort === "place" ? byPlace(a, b) : tokensOf(b, String(sort)) - tokensOf(a, String(sort)) || byPlace(a, b)));
  if (filter.description && !stubs.length) {
    io.stderr(`No stub matches ${filter.description} among the ${manifest.stubs.length} stubs of ${shown}.\n`);
    return 1;
  }
  const total = Object.fromEntries(modes.map((mode) => [mode, stubs.reduce((sum, stub) => sum + tokensOf(stub, mode), 0)]));
  if (options.has("--json")) {
    const rows = stubs.map((stub) => ({
      id: stub.id,
      name: qualifiedName(stub),
      ...(stub.typeArguments !== undefined ? { typeArguments: stub.typeArguments } : {}),
      file: stub.file,
      line: stub.line,
      tokens: stub.tokens,
    }));
    io.stdout(`${JSON.stringify({ manifest: manifest.file, counted: manifest.tokensNote, stubs: rows, total }, null, 2)}\n`);
    return 0;
  }
  const style = styleFor(process.stdout);
  const order = sort === "place" ? "in source order" : `most ${sort} tokens first`;
  const out = [`${shown}: estimated prompt tokens of ${stubs.length} stub${stubs.length === 1 ? "" : "s"}${filter.description ? ` matching ${filter.description}` : ""}, ${order}.`, ""];
  const widths = modes.map((mode) => Math.max(mode.length, ...[...stubs.map((stub) => tokensOf(stub, mode)), total[mode]!].map((n) => String(n).length)));
  const row = (cells: string[], name: string) => `  ${cells.map((cell, index) => cell.padStart(widths[index]!)).join("  ")}  ${name}`;
  out.push(style.bold(row(modes, "stub")));
  for (const stub of stubs) out.push(row(modes.map((mode) => (mode in stub.tokens ? String(tokensOf(stub, mode)) : "-")), displayName(stub)));
  out.push(row(widths.map((width) => "-".repeat(width)), ""));
  out.push(style.bold(row(modes.map((mode) => String(total[mode])), "total (each stub called once)")));
  if (manifest.tokensNote) out.push("", ...wrap(manifest.tokensNote, 100).map((line) => style.dim(line)));
  io.stdout(`${out.map((line) => line.trimEnd()).join("\n")}\n`);
  return 0;
}

function tokensOf(stub: ManifestStub, mode: string): number {
  return (stub.tokens as Record<string, number>)[mode] ?? 0;
}

/** Words of `text` in lines of at most `width` characters (a longer word gets a line of its own). */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}
