/**
 * Reading the prompt manifest the transformer writes (plugin option `manifest`), and finding it
 * from a tsconfig. Every failure is a `ManifestError` with one line a person can act on.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { qualifiedNameOfSpecId, SPEC_VERSION } from "../runtime/spec";
import type { ManifestEntry } from "../transformer/manifest";
import { loadTypeScriptEngine } from "../transformer/engine";
import { findTsconfig, isLlmStrategyPluginEntry, ProjectError } from "../transformer/project";
import { errorMessage } from "../runtime/util";

/**
 * One stub (or one generic specialisation of it) as the manifest lists it. Manifests written
 * before `schemaSent` was added (same spec version) lack it.
 */
export type ManifestStub = Omit<ManifestEntry, "schemaSent"> & Partial<Pick<ManifestEntry, "schemaSent">>;

/** A manifest as read from disk, with where it came from. */
export interface LoadedManifest {
  /** Absolute path of the file. */
  file: string;
  specVersion: number;
  /** The manifest's own explanation of its token estimates. */
  tokensNote: string;
  stubs: ManifestStub[];
}

/** A manifest that cannot be found or read: the message names the file and what to do. Exit code 2. */
export class ManifestError extends Error {
  override name = "ManifestError";
}

/** Reads and checks a manifest file; `file` is absolute. */
export function loadManifest(file: string): LoadedManifest {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new ManifestError(`${file} does not exist.`);
    if (code === "EISDIR") throw new ManifestError(`${file} is a folder, not a manifest file.`);
    throw new ManifestError(`cannot read ${file}: ${code ?? String(error)}.`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ManifestError(`${file} is not JSON (${errorMessage(error)}).`);
  }
  return { file, ...checkManifest(json, file) };
}

const REBUILD = "build the project again with tspc to write a fresh one";

/** The shape check: what the commands read, so a wrong file fails here and not halfway through printing. */
function checkManifest(json: unknown, file: string): Omit<LoadedManifest, "file"> {
  const notManifest = (why: string) =>
    new ManifestError(`${file} is not an llm-strategy prompt manifest: ${why} (the transformer writes one when the plugin option "manifest" is set).`);
  if (!isObject(json)) throw notManifest(`it holds ${describe(json)}, not an object`);
  if (!("stubs" in json) || !("specVersion" in json)) throw notManifest(`it has no ${"stubs" in json ? '"specVersion"' : '"stubs"'}`);
  const { specVersion, stubs, tokens } = json;
  if (typeof specVersion !== "number") throw notManifest(`"specVersion" is ${describe(specVersion)}`);
  if (specVersion !== SPEC_VERSION) {
    throw new ManifestError(`${file} has spec version ${specVersion}; this llm-strategy reads version ${SPEC_VERSION}: ${REBUILD} with this version.`);
  }
  if (!Array.isArray(stubs)) throw notManifest(`"stubs" is ${describe(stubs)}, not a list`);
  stubs.forEach((stub, index) => {
    const problem = stubProblem(stub);
    if (problem) throw notManifest(`stubs[${index}]${isObject(stub) && typeof stub["id"] === "string" ? ` (${stub["id"]})` : ""} ${problem}`);
  });
  return { specVersion, tokensNote: typeof tokens === "string" ? tokens : "", stubs: stubs as ManifestStub[] };
}

function stubProblem(stub: unknown): string | undefined {
  if (!isObject(stub)) return `is ${describe(stub)}, not an object`;
  for (const key of ["id", "file", "template", "outputTypes", "hash", "kind"]) {
    if (typeof stub[key] !== "string") return `has ${describe(stub[key])} for "${key}", not a string`;
  }
  if (typeof stub["line"] !== "number") return `has ${describe(stub["line"])} for "line", not a number`;
  for (const key of ["input", "output", "definitions", "tokens"]) {
    if (!isObject(stub[key])) return `has ${describe(stub[key])} for "${key}", not an object`;
  }
  for (const [mode, count] of Object.entries(stub["tokens"] as object)) {
    if (typeof count !== "number") return `has ${describe(count)} for "tokens.${mode}", not a number`;
  }
  for (const key of ["typeArguments", "wrapper", "templateIfSchemaSent"]) {
    if (stub[key] !== undefined && typeof stub[key] !== "string") return `has ${describe(stub[key])} for "${key}", not a string`;
  }
  if (stub["callSites"] !== undefined && !(Array.isArray(stub["callSites"]) && stub["callSites"].every((site) => typeof site === "string"))) {
    return `has ${describe(stub["callSites"])} for "callSites", not a list of strings`;
  }
  const sent = stub["schemaSent"];
  if (sent !== undefined && !(isObject(sent) && typeof sent["name"] === "string" && typeof sent["strict"] === "boolean" && isObject(sent["schema"]))) {
    return `has ${describe(sent)} for "schemaSent", not { name, schema, strict }`;
  }
  const hidden = stub["hiddenFields"];
  if (hidden !== undefined && !(isObject(hidden) && Object.values(hidden).every((fields) => isObject(fields) && Object.values(fields).every((reason) => typeof reason === "string")))) {
    return `has ${describe(hidden)} for "hiddenFields", not an object of field reasons by definition`;
  }
  const checks = stub["checks"];
  if (checks !== undefined && !(Array.isArray(checks) && checks.every((check) => isObject(check) && typeof check["expression"] === "string" && (check["message"] === undefined || typeof check["message"] === "string")))) {
    return `has ${describe(checks)} for "checks", not a list of { expression, message? }`;
  }
  const hyperparameters = stub["hyperparameters"];
  if (hyperparameters !== undefined && !(isObject(hyperparameters) && Object.values(hyperparameters).every(isObject))) {
    return `has ${describe(hyperparameters)} for "hyperparameters", not an object of { default } by name`;
  }
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "an object";
  return `${typeof value === "string" ? "a string" : `a ${typeof value}`} (${JSON.stringify(value).slice(0, 40)})`;
}

/** The qualified name in a stub's id (`src/a.ts:12 Customer.age` -> `Customer.age`): its identity across line moves. */
export function qualifiedName(stub: Pick<ManifestStub, "id">): string {
  return qualifiedNameOfSpecId(stub.id);
}

/** `src/a.ts:12 echo <number>`: the id, and the type arguments of a specialisation (`(constraints)` for a generic's fallback). */
export function displayName(stub: Pick<ManifestStub, "id" | "typeArguments">): string {
  if (stub.typeArguments === undefined) return stub.id;
  return stub.typeArguments === "constraints" ? `${stub.id} (constraints)` : `${stub.id} ${stub.typeArguments}`;
}

/**
 * Where the manifest is when none is given: the `manifest` option of the llm-strategy plugin
 * entry in the tsconfig, relative to that tsconfig's folder (where the transformer writes it).
 * @param project `-p`: a tsconfig file or a folder holding `tsconfig.json`; default `tsconfig.json` in `cwd`.
 */
export function manifestFromTsconfig(cwd: string, project?: string): string {
  let tsconfig: string;
  try {
    // Only the current folder by default (not upward as `llm-strategy build` looks): "."
    tsconfig = findTsconfig(cwd, project ?? ".");
  } catch (error) {
    if (!(error instanceof ProjectError)) throw error;
    throw new ManifestError(
      project === undefined
        ? `no manifest given and no tsconfig.json in ${cwd}: give the manifest's path (llm-strategy prompts dist/llm-prompts.json) or the project's tsconfig (-p path/to/tsconfig.json).`
        : error.message,
    );
  }
  const shown = relativeOrAbsolute(cwd, tsconfig);
  const plugins = readPlugins(tsconfig);
  const ours = plugins.filter(isLlmStrategyPluginEntry);
  const withManifest = (ours.length ? ours : plugins).filter((plugin) => plugin["manifest"] !== undefined);
  const entry = `{ "transform": "llm-strategy/transformer", "manifest": "dist/llm-prompts.json" }`;
  if (!withManifest.length) {
    throw new ManifestError(
      ours.length
        ? `${shown} uses the llm-strategy transformer but sets no "manifest" option: add "manifest": "dist/llm-prompts.json" to its plugin entry, then build with node_modules/.bin/tspc -p ${shown}.`
        : `${shown} has no llm-strategy transformer plugin: add ${entry} to "compilerOptions.plugins", then build with node_modules/.bin/tspc -p ${shown}.`,
    );
  }
  const manifest = withManifest[0]!["manifest"];
  if (typeof manifest !== "string" || manifest === "") throw new ManifestError(`${shown}: the plugin option "manifest" must be a file path, got ${JSON.stringify(manifest)}.`);
  const file = path.resolve(path.dirname(tsconfig), manifest);
  if (!fs.existsSync(file)) {
    throw new ManifestError(`${relativeOrAbsolute(cwd, file)} (the manifest ${shown} names) does not exist yet: build with node_modules/.bin/tspc -p ${shown}.`);
  }
  return file;
}

/** The tsconfig's plugin entries, `extends` followed, through TypeScript's own reader (tsconfig is JSON with comments). */
function readPlugins(tsconfig: string): Record<string, unknown>[] {
  let ts: typeof import("typescript");
  try {
    // Loaded only here: reading a manifest by path needs no compiler.
    ts = loadTypeScriptEngine(path.dirname(tsconfig)).ts;
  } catch (error) {
    throw new ManifestError(`reading ${tsconfig} needs TypeScript's JSON reader (${errorMessage(error)}): give the manifest's path instead.`);
  }
  const read = ts.readConfigFile(tsconfig, ts.sys.readFile);
  if (read.error) throw new ManifestError(`cannot read ${tsconfig}: ${ts.flattenDiagnosticMessageText(read.error.messageText, " ")}`);
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, path.dirname(tsconfig), undefined, tsconfig);
  const plugins = parsed.options.plugins as unknown;
  return Array.isArray(plugins) ? plugins.filter(isObject) : [];
}

/** A path as the user would type it from `cwd`, or absolute when it is outside. */
export function relativeOrAbsolute(cwd: string, file: string): string {
  const relative = path.relative(cwd, file);
  return relative && !relative.startsWith("..") && !path.isAbsolute(relative) ? relative : file;
}
