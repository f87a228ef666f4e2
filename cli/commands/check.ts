import * as fs from "node:fs";
import * as path from "node:path";
import { howToCompile } from "../../runtime/build-route";
import { uncompiledCallName } from "../../runtime/errors";
import { loadTypeScriptEngine, TypeScriptEngineError } from "../../transformer/engine";
import { parseArgs, UsageError, type CliCommand, type CliIO } from "../command";
import { relativeOrAbsolute } from "../manifest";
import { hasInlineSourceMap, SourcePlaces, type Place } from "../../runtime/original-position";
import { checkJavaScript, type UncompiledStub } from "../uncompiled-stubs";

const JS_EXTENSIONS = new Set([".js", ".mjs", ".cjs"]);

/** `llm-strategy check [folder ...]`: the stubs a build left uncompiled, for CI. */
export const checkCommand: CliCommand = {
  summary: "List the stubs a build left uncompiled (plain tsc, a bundler without the plugin); exit code 1 when there are any.",
  usage: [
    "llm-strategy check [folder-or-file ...]",
    "",
    "Reads the JavaScript (.js, .mjs, .cjs) under each folder, node_modules skipped; default: the outDir of",
    "./tsconfig.json, else dist. Lists every call of llm-strategy's stub() or implement<I>() that the transformer",
    "did not rewrite (each throws StubNotCompiledError when it runs), at its source file and line through the",
    "file's source map, whether the runtime was bundled in or kept external.",
    "Exit code 0: every stub compiled; 1: some were not; 2: no such folder or no JavaScript in it.",
  ].join("\n"),
  async run(args, io) {
    const { positionals } = parseArgs(args, [], []);
    let tsi: typeof import("typescript");
    try {
      tsi = loadTypeScriptEngine(io.cwd).ts;
    } catch (error) {
      if (!(error instanceof TypeScriptEngineError)) throw error;
      io.stderr(`llm-strategy check: reading JavaScript needs TypeScript's parser: ${error.message}\n`);
      return 2;
    }
    const targets = positionals.length > 0 ? positionals.map((target) => ({ target, why: "" })) : [defaultTarget(tsi, io.cwd)];
    const files = targets.flatMap(({ target, why }) => javaScriptFiles(path.resolve(io.cwd, target), `${target}${why}`));
    const shownTargets = targets.map(({ target }) => target).join(", ");
    if (files.length === 0) throw new UsageError(`${shownTargets} holds no JavaScript files (.js, .mjs, .cjs): name the folder your build writes.`);

    const places = new SourcePlaces(io.cwd);
    const compiled = new Set<string>();
    const findings: string[] = [];
    let filesWithFindings = 0;
    for (const file of files) {
      const text = fs.readFileSync(file, "utf8");
      const result = checkJavaScript(tsi, file, text);
      for (const id of result.compiledIds) compiled.add(id);
      if (result.uncompiled.length === 0) continue;
      filesWithFindings++;
      findings.push(...describeFindings(io, places, file, text, result.uncompiled));
    }
    if (findings.length === 0) {
      io.stdout(`llm-strategy check: ${shownTargets}: ${plural(files.length, "JavaScript file")}, ${plural(compiled.size, "compiled stub")}, none uncompiled.\n`);
      return 0;
    }
    io.stdout(`${findings.join("\n")}\n\n`);
    io.stdout(
      `llm-strategy check: ${shownTargets}: ${plural(findings.length, "uncompiled stub")} in ${filesWithFindings} of ${plural(files.length, "JavaScript file")} ` +
        `(${compiled.size} compiled). ${howToCompile({}, io.cwd)}\n`,
    );
    return 1;
  },
};

/**
 * One line per finding, `src/a.ts:5:39: stub() was not compiled (dist/a.js:9:43)`, in source order.
 * A finding in eval'd code (webpack's development builds) is mapped through that code's inline
 * source map (devtool `eval-source-map`); without one (devtool `eval`) its place is given in the
 * module as the bundler rewrote it, since the module's original map no longer fits that code.
 */
function describeFindings(io: CliIO, places: SourcePlaces, file: string, text: string, uncompiled: readonly UncompiledStub[]): string[] {
  const placed = uncompiled.map(({ called, line, column, evalModule: module }) => {
    const what = `${uncompiledCallName(called)} was not compiled`;
    if (!module) {
      const js = show(io, { file, line: line + 1, column: column + 1 });
      const { place, unmapped } = places.original(file, text, line, column);
      if (unmapped !== undefined || place.file === file) return { place, line: `${js}: ${what}${unmapped ? ` (positions in the JavaScript: ${unmapped})` : ""}` };
      return { place, line: `${show(io, place)}: ${what} (${js})` };
    }
    const evalLine = show(io, { file, line: module.line + 1 });
    const inModule = `line ${line + 1} column ${column + 1} of the eval'd module ${module.sourceUrl !== undefined ? relativeOrAbsolute(io.cwd, moduleFile(module.sourceUrl, io.cwd)) : "without a name"}`;
    if (hasInlineSourceMap(module.text)) {
      const { place } = places.original(file, module.text, line, column, `${file}#${module.line}:${column}`);
      if (place.file !== file) return { place, line: `${show(io, place)}: ${what} (${evalLine}, ${inModule})` };
    }
    return { place: { file, line: module.line + 1, column: 0 }, line: `${evalLine}: ${what} (${inModule} as the bundler rewrote it; it has no source map)` };
  });
  placed.sort((a, b) => a.place.file.localeCompare(b.place.file) || a.place.line - b.place.line || a.place.column - b.place.column);
  return placed.map(({ line }) => line);
}

/** The file a module's `//# sourceURL=` names: webpack's are `webpack:///./src/a.js?` (relative to the project), others a path or file URL. */
function moduleFile(sourceUrl: string, cwd: string): string {
  const webpack = /^webpack(?:-internal)?:\/\/[^/]*\/(.*?)(?:\?.*)?$/.exec(sourceUrl);
  if (webpack) return path.resolve(cwd, webpack[1]!);
  return sourceUrl.startsWith("file://") ? new URL(sourceUrl).pathname : path.resolve(cwd, sourceUrl);
}

/** The tsconfig's outDir when ./tsconfig.json has one, else `dist`. */
function defaultTarget(tsi: typeof import("typescript"), cwd: string): { target: string; why: string } {
  const tsconfig = path.join(cwd, "tsconfig.json");
  if (!fs.existsSync(tsconfig)) return { target: "dist", why: " (the default without a tsconfig.json)" };
  const read = tsi.readConfigFile(tsconfig, tsi.sys.readFile);
  if (read.error) throw new UsageError(`cannot read tsconfig.json: ${tsi.flattenDiagnosticMessageText(read.error.messageText, " ")}`);
  const outDir = tsi.parseJsonConfigFileContent(read.config, tsi.sys, cwd, undefined, tsconfig).options.outDir;
  if (outDir === undefined) return { target: "dist", why: " (tsconfig.json sets no outDir)" };
  return { target: relativeOrAbsolute(cwd, outDir), why: " (the outDir of tsconfig.json)" };
}

/** The JavaScript files at `target` (a file or a folder, searched recursively without node_modules and hidden folders), sorted. */
function javaScriptFiles(target: string, shown: string): string[] {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(target);
  } catch {
    throw new UsageError(`${shown} does not exist: build first, or name the folder your build writes (llm-strategy check build).`);
  }
  if (!stat.isDirectory()) return [target];
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== "node_modules" && !entry.name.startsWith(".")) walk(full);
      } else if (JS_EXTENSIONS.has(path.extname(entry.name)) && (entry.isFile() || (entry.isSymbolicLink() && isFile(full)))) {
        found.push(full);
      }
    }
  };
  walk(target);
  return found;
}

function isFile(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function show(io: CliIO, place: Omit<Place, "column"> & { column?: number }): string {
  return `${relativeOrAbsolute(io.cwd, place.file)}:${place.line}${place.column === undefined ? "" : `:${place.column}`}`;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}
