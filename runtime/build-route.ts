/**
 * Which way of running the transformer fits the setup a `StubNotCompiledError` happened in, so its
 * message names one fix rather than every route. Reads only environment variables and the
 * project's `typescript/package.json`; never loads TypeScript itself (the runtime must not).
 */
import * as fs from "node:fs";
import * as path from "node:path";

const BUNDLER_PLUGINS = "llm-strategy/vite, /esbuild, /rollup, /webpack or /rspack";

/** One or two sentences: how to get the transformer into this setup's build. */
export function howToCompile(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): string {
  if (env["VITEST"]) {
    return 'Vitest compiled it without the plugin: add it to vitest.config (`import llmStrategy from "llm-strategy/vite"`, then `plugins: [llmStrategy()]`).';
  }
  if (env["JEST_WORKER_ID"]) {
    return (
      "Jest compiled it without the transformer: give it to ts-jest in jest.config " +
      '(`transform: { "^.+\\\\.ts$": ["ts-jest", { astTransformers: { before: [{ path: require.resolve("llm-strategy/transformer") }] } }] }`).'
    );
  }
  const version = projectTypeScriptVersion(cwd);
  if (version !== undefined && Number.parseInt(version, 10) >= 7) {
    return (
      `This project's TypeScript is ${version}, whose tsc cannot run transformers: build with \`npx llm-strategy build\` ` +
      `(it reads your tsconfig.json) instead of tsc, or bundle with the plugin for your bundler (${BUNDLER_PLUGINS}).`
    );
  }
  return (
    'Add { "transform": "llm-strategy/transformer" } to "compilerOptions.plugins" in your tsconfig.json and build with ' +
    `ts-patch's tspc (node_modules/.bin/tspc), not tsc; a bundler needs its plugin (${BUNDLER_PLUGINS}).`
  );
}

/**
 * The version in the `typescript/package.json` that Node's resolution finds from `cwd` (the
 * nearest `node_modules/typescript` up the folders), or undefined when there is none or it
 * cannot be read. The package.json is read as text, not resolved through `require`: bundlers
 * rewrite `require.resolve`, and TypeScript 7's package may not export its package.json.
 */
function projectTypeScriptVersion(cwd: string): string | undefined {
  try {
    for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
      const file = path.join(dir, "node_modules", "typescript", "package.json");
      if (fs.existsSync(file)) {
        const version = (JSON.parse(fs.readFileSync(file, "utf8")) as { version?: unknown }).version;
        return typeof version === "string" ? version : undefined;
      }
      if (path.dirname(dir) === dir) return undefined;
    }
  } catch {
    return undefined;
  }
}
