/**
 * Which TypeScript JS API the analysis runs on, for the routes that build a Program themselves
 * (`llm-strategy build`, the bundler plugins). `tspc` and ts-jest hand the transformer their own
 * instance and never come here.
 *
 * The project's own `typescript` is used when it has the compiler API (5.9 and 6.x), so those
 * builds see exactly the types `tsc` sees. TypeScript 7 is the native compiler: its
 * `require("typescript")` has no compiler API, so the analysis then runs on the TypeScript that
 * typescript-json-schema (our build-time dependency) is built against, 5.9: the one version
 * whose flags that library reads correctly. It is installed nested under typescript-json-schema
 * whenever the project has another TypeScript, so it never takes over the project's `tsc`
 * (a second top-level TypeScript package would: npm links its `tsc` over the project's).
 */
import * as path from "node:path";
import type * as ts from "typescript";

export interface TypeScriptEngine {
  ts: typeof ts;
  /** `"project"`: the project's own `typescript`; `"llm-strategy"`: the one llm-strategy installs (the project has TypeScript 7 or none). */
  origin: "project" | "llm-strategy";
  /** The project's TypeScript version, when it has one (`7.0.2` while the engine is 5.9). */
  projectVersion?: string;
}

/** Thrown when no TypeScript with a compiler API can be found; the message says what to install. */
export class TypeScriptEngineError extends Error {
  override name = "TypeScriptEngineError";
}

const engines = new Map<string, TypeScriptEngine>();

/**
 * The TypeScript to analyse the project in `projectDir` with: the project's own when it has the
 * compiler API, else llm-strategy's. `LLM_STRATEGY_TYPESCRIPT=llm-strategy` forces llm-strategy's
 * own (to compare routes on one engine).
 */
export function loadTypeScriptEngine(projectDir: string): TypeScriptEngine {
  const forceOwn = process.env["LLM_STRATEGY_TYPESCRIPT"] === "llm-strategy";
  const key = `${forceOwn}:${projectDir}`;
  let engine = engines.get(key);
  if (!engine) {
    const project = projectTypeScript(projectDir);
    const projectVersion = project?.version;
    engine =
      project && hasCompilerApi(project) && !forceOwn
        ? { ts: project, origin: "project", projectVersion: project.version }
        : { ts: ownTypeScript(projectDir), origin: "llm-strategy", ...(projectVersion ? { projectVersion } : {}) };
    engines.set(key, engine);
  }
  return engine;
}

/**
 * Compiler options whose defaults changed in TypeScript 6.0/7.0, as 7.0 sets them, for a
 * project on TypeScript 7 analysed with 5.9: without them a tsconfig that leaves `strict` out
 * would lose `null` from every schema. Applied only where the tsconfig sets nothing.
 */
export function typeScript7Defaults(tsi: typeof ts, configDir: string): ts.CompilerOptions {
  return {
    strict: true,
    target: tsi.ScriptTarget.ES2024,
    module: tsi.ModuleKind.ES2022,
    moduleResolution: tsi.ModuleResolutionKind.Bundler,
    esModuleInterop: true,
    allowSyntheticDefaultImports: true,
    types: [],
    rootDir: configDir,
  };
}

/** Whether `engine` analyses a TypeScript 7 project (so `typeScript7Defaults` apply). */
export function analysesTypeScript7(engine: TypeScriptEngine): boolean {
  return engine.origin === "llm-strategy" && engine.projectVersion !== undefined && Number.parseInt(engine.projectVersion, 10) >= 7;
}

function projectTypeScript(projectDir: string): Partial<typeof ts> | undefined {
  try {
    return require(require.resolve("typescript", { paths: [projectDir] })) as Partial<typeof ts>;
  } catch {
    return undefined;
  }
}

function ownTypeScript(projectDir: string): typeof ts {
  let candidate: Partial<typeof ts>;
  try {
    const generator = require.resolve("typescript-json-schema");
    candidate = require(require.resolve("typescript", { paths: [path.dirname(generator)] })) as Partial<typeof ts>;
  } catch {
    throw new TypeScriptEngineError(
      `The project in ${projectDir} has no TypeScript with a compiler API (TypeScript 7 has none), and llm-strategy's ` +
        `build tools (its optional dependency typescript-json-schema, with the TypeScript it brings) are not installed: ` +
        `install llm-strategy without --omit=optional where you build.`,
    );
  }
  if (!hasCompilerApi(candidate)) throw new TypeScriptEngineError(`the TypeScript typescript-json-schema resolves (${candidate.version}) has no compiler API.`);
  return candidate;
}

function hasCompilerApi(candidate: Partial<typeof ts>): candidate is typeof ts {
  return typeof candidate.createProgram === "function" && typeof candidate.version === "string" && Number.parseInt(candidate.version, 10) < 7;
}
