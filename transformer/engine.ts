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
 * typescript7.ts reads a TypeScript 7 project's tsconfig on that engine as `tsc` 7 would.
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

/** Thrown when no TypeScript with a compiler API, or a build-time package, can be found; the message says what to install. */
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
        : { ts: ownTypeScript(projectDir, projectVersion), origin: "llm-strategy", ...(projectVersion ? { projectVersion } : {}) };
    engines.set(key, engine);
  }
  return engine;
}

function projectTypeScript(projectDir: string): Partial<typeof ts> | undefined {
  try {
    return require(require.resolve("typescript", { paths: [projectDir] })) as Partial<typeof ts>;
  } catch {
    return undefined;
  }
}

function ownTypeScript(projectDir: string, projectVersion: string | undefined): typeof ts {
  assertBuildTools(
    ["typescript-json-schema"],
    `${projectVersion === undefined ? `The project in ${projectDir} has no TypeScript` : `The project's TypeScript ${projectVersion} has no compiler API`}, ` +
      `so llm-strategy analyses it with the TypeScript its build tools bring. `,
  );
  const generator = require.resolve("typescript-json-schema");
  const candidate = require(require.resolve("typescript", { paths: [path.dirname(generator)] })) as Partial<typeof ts>;
  if (!hasCompilerApi(candidate)) throw new TypeScriptEngineError(`the TypeScript typescript-json-schema resolves (${candidate.version}) has no compiler API.`);
  return candidate;
}

/**
 * Fails with one actionable message when a build-time package is missing: they are optional
 * dependencies, so a production install (`--omit=optional`) leaves them out, and without this
 * check a build would stop on a "Cannot find module" stack trace deep in the analysis.
 * `preface` goes before the message (why the package is needed).
 */
export function assertBuildTools(packages: readonly string[], preface = ""): void {
  const missing = packages.filter((name) => {
    try {
      require.resolve(name);
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length === 0) return;
  throw new TypeScriptEngineError(
    `${preface}${missing.join(" and ")} ${missing.length === 1 ? "is" : "are"} not installed: llm-strategy's build tools are optional ` +
      `dependencies, and this install left them out (npm --omit=optional, or a production install). ` +
      `Where you build, install them with \`npm install --include=optional\`.`,
  );
}

function hasCompilerApi(candidate: Partial<typeof ts>): candidate is typeof ts {
  return typeof candidate.createProgram === "function" && typeof candidate.version === "string" && Number.parseInt(candidate.version, 10) < 7;
}
