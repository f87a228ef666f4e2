/**
 * A tsconfig read the way `tsc` reads it, for the routes that build their own Program
 * (`llm-strategy build`, the bundler plugins): the TypeScript engine to use, the parsed
 * options and files, and the plugin options from the tsconfig's llm-strategy entry.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type * as ts from "typescript";
import { loadTypeScriptEngine, type TypeScriptEngine } from "./engine";
import { analysesTypeScript7, applyTypeScript7Defaults, typeScript7System } from "./typescript7";
import { readPluginOptions, type PluginOptions } from "./options";

export interface ProjectSettings {
  /** A tsconfig file, or a folder holding `tsconfig.json`, relative to `cwd`. Default: the nearest `tsconfig.json` from `cwd` up. */
  tsconfig?: string;
  /** Plugin options that override the tsconfig's llm-strategy plugin entry (`manifest`, `warnings`, `runtimeModule`). */
  pluginOptions?: Record<string, unknown>;
  /** Compiler options that override the tsconfig's (the bundler plugins emit ES modules with source maps). */
  compilerOptions?: ts.CompilerOptions;
  cwd: string;
}

export interface Project {
  engine: TypeScriptEngine;
  /** Absolute path of the tsconfig. */
  configPath: string;
  parsed: ts.ParsedCommandLine;
  pluginOptions: PluginOptions;
}

/** A mistake in the project's set-up (no tsconfig, an unreadable one): one line for the user. */
export class ProjectError extends Error {
  override name = "ProjectError";
}

/** A plugin entry that names this transformer (`llm-strategy/transformer`, or a path to it). */
export function isLlmStrategyPluginEntry(entry: unknown): entry is Record<string, unknown> {
  if (typeof entry !== "object" || entry === null) return false;
  const transform = (entry as Record<string, unknown>)["transform"];
  return typeof transform === "string" && /llm-strategy[\\/](dist[\\/])?transformer|[\\/]transformer([\\/]index(\.js)?)?$/.test(transform);
}

/**
 * The tsconfig to read: `tsconfig` (a tsconfig file, or a folder holding `tsconfig.json`,
 * relative to `cwd`), else the nearest `tsconfig.json` from `cwd` up. Throws a `ProjectError`
 * when it does not exist.
 */
export function findTsconfig(cwd: string, tsconfig?: string): string {
  if (tsconfig !== undefined) {
    const given = path.resolve(cwd, tsconfig);
    const file = isDirectory(given) ? path.join(given, "tsconfig.json") : given;
    if (!fs.existsSync(file)) throw new ProjectError(`${file} does not exist.`);
    return file;
  }
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    const file = path.join(dir, "tsconfig.json");
    if (fs.existsSync(file)) return file;
    if (path.dirname(dir) === dir) throw new ProjectError(`no tsconfig.json in ${cwd} or any folder above it: give one with -p (or the plugin's "tsconfig" option).`);
  }
}

/**
 * Reads the project. Problems in the tsconfig come back in `parsed.errors` (as `tsc` reports
 * them); only a missing or unreadable file throws.
 */
export function loadProject(settings: ProjectSettings): Project {
  const configPath = findTsconfig(settings.cwd, settings.tsconfig);
  const engine = loadTypeScriptEngine(path.dirname(configPath));
  const { ts: tsi } = engine;
  let unrecoverable: ts.Diagnostic | undefined;
  const parsed = tsi.getParsedCommandLineOfConfigFile(configPath, settings.compilerOptions ?? {}, {
    // Reading a tsconfig reads only it and the files it extends: every .json here is a tsconfig.
    ...(analysesTypeScript7(engine) ? typeScript7System(tsi, (file) => file.endsWith(".json")) : tsi.sys),
    onUnRecoverableConfigFileDiagnostic: (diagnostic) => (unrecoverable = diagnostic),
  });
  if (!parsed) {
    const reason = unrecoverable ? tsi.flattenDiagnosticMessageText(unrecoverable.messageText, " ") : "unreadable";
    throw new ProjectError(`cannot read ${configPath}: ${reason}`);
  }
  if (analysesTypeScript7(engine)) applyTypeScript7Defaults(tsi, parsed.options, path.dirname(configPath));
  const plugins = Array.isArray(parsed.options.plugins) ? (parsed.options.plugins as unknown[]) : [];
  const entry = plugins.find(isLlmStrategyPluginEntry) ?? {};
  const pluginOptions = readPluginOptions({ ...entry, ...definedOnly(settings.pluginOptions ?? {}) });
  return { engine, configPath, parsed, pluginOptions };
}

/** Diagnostics as `tsc` prints them without `--pretty`: `src/a.ts(12,5): error TS91001: LLM1001: ...`. */
export function formatDiagnostics(tsi: typeof ts, diagnostics: readonly ts.Diagnostic[], cwd: string): string {
  return tsi.formatDiagnostics(diagnostics, {
    getCanonicalFileName: (fileName) => fileName,
    getCurrentDirectory: () => cwd,
    getNewLine: () => "\n",
  });
}

function definedOnly(options: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
}

function isDirectory(file: string): boolean {
  try {
    return fs.statSync(file).isDirectory();
  } catch {
    return false;
  }
}
