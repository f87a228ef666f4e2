/**
 * Each bundler's configuration as a user writes it, with the llm-strategy plugin, building
 * `src/main.ts` (or the entry in `ENTRY`) for Node. Webpack and rollup compile TypeScript only
 * through a loader or plugin of the user's choice (ts-loader, rollup-plugin-esbuild, ...), none
 * of which this repository installs: a small stand-in built on esbuild's `transform` plays that
 * part. Vite, esbuild and rspack (`builtin:swc-loader`) compile TypeScript themselves.
 */

export interface BundlerSetup {
  /** Files written into the project. */
  files: Record<string, string>;
  /** Node arguments that build the project (run in its folder). */
  build: (repo: string) => string[];
  /** The built program, relative to the project. */
  output: string;
}

const EXTERNAL_PACKAGES = `({ request }, callback) => (/^[a-z@]/.test(request) ? callback(null, \`commonjs \${request}\`) : callback())`;

/**
 * webpack.config.cjs or rspack.config.cjs as a user writes it: rspack takes webpack's
 * configuration; the two differ in the plugin's entry point and the rule that compiles TypeScript
 * (`moduleRules`, as written in the file).
 */
const webpackStyleConfig = (bundler: "webpack" | "rspack", moduleRules: string) => `const path = require("node:path");
const llmStrategy = require("llm-strategy/${bundler}");

module.exports = {
  mode: "none",
  target: "node",
  entry: process.env.ENTRY ? \`./\${process.env.ENTRY}\` : "./src/main.ts",
  output: { path: path.resolve(__dirname, "dist"), filename: "main.cjs", library: { type: "commonjs2" } },
  devtool: "source-map",
  resolve: { extensions: [".ts", ".js"], extensionAlias: { ".js": [".ts", ".js"] } },
  externals: [${EXTERNAL_PACKAGES}],
  module: ${moduleRules},
  plugins: [llmStrategy()],
};
`;

/** The script that runs webpack or rspack (brought in by `importLine` as `bundler`) on its config file, printing the stats and failing on errors. */
const webpackStyleBuild = (importLine: string, bundler: "webpack" | "rspack") => `${importLine}

${bundler}(require("./${bundler}.config.cjs"), (error, stats) => {
  if (error) throw error;
  process.stdout.write(stats.toString({ colors: false, modules: false, assets: false }) + "\\n");
  process.exitCode = stats.hasErrors() ? 1 : 0;
});
`;

export const BUNDLERS: Record<"vite" | "rollup" | "esbuild" | "webpack" | "rspack", BundlerSetup> = {
  vite: {
    files: {
      "vite.config.mts": `import llmStrategy from "llm-strategy/vite";
import { defineConfig } from "vite";

export default defineConfig({
  plugins: [llmStrategy()],
  build: { ssr: process.env.ENTRY ?? "src/main.ts", outDir: "dist", sourcemap: true, minify: false },
});
`,
    },
    build: (repo) => [`${repo}/node_modules/vite/bin/vite.js`, "build", "--logLevel", "warn"],
    output: "dist/main.js",
  },
  rollup: {
    files: {
      "rollup.config.mjs": `import * as fs from "node:fs";
import * as path from "node:path";
import { transform } from "esbuild";
import llmStrategy from "llm-strategy/rollup";

// Stands in for the plugin a project compiles TypeScript with (rollup-plugin-esbuild, @rollup/plugin-typescript).
const typescript = {
  name: "typescript-stand-in",
  resolveId(source, importer) {
    if (!importer || !source.startsWith(".")) return null;
    const base = path.resolve(path.dirname(importer), source.replace(/\\.js$/, ""));
    return [".ts", ".js"].map((extension) => base + extension).find((file) => fs.existsSync(file)) ?? null;
  },
  async transform(code, id) {
    if (!id.endsWith(".ts")) return null;
    const result = await transform(code, { loader: "ts", sourcemap: true, sourcefile: id });
    return { code: result.code, map: result.map };
  },
};

export default {
  input: process.env.ENTRY ?? "src/main.ts",
  output: { file: "dist/main.js", format: "es", sourcemap: true },
  external: (id) => !id.startsWith(".") && !path.isAbsolute(id),
  plugins: [llmStrategy(), typescript],
};
`,
    },
    build: (repo) => [`${repo}/node_modules/rollup/dist/bin/rollup`, "-c", "rollup.config.mjs", "--silent"],
    output: "dist/main.js",
  },
  esbuild: {
    files: {
      "build.mjs": `import * as esbuild from "esbuild";
import llmStrategy from "llm-strategy/esbuild";

await esbuild.build({
  entryPoints: [process.env.ENTRY ?? "src/main.ts"],
  bundle: true,
  platform: "node",
  format: "esm",
  packages: "external",
  outfile: "dist/main.js",
  sourcemap: true,
  plugins: [llmStrategy()],
  logLevel: "warning",
});
`,
    },
    build: () => ["build.mjs"],
    output: "dist/main.js",
  },
  webpack: {
    files: {
      "ts-loader-stand-in.cjs": `// Stands in for the loader a project compiles TypeScript with (ts-loader, esbuild-loader, babel-loader).
const { transformSync } = require("esbuild");

module.exports = function typescriptStandIn(source) {
  const result = transformSync(source, { loader: "ts", sourcemap: true, sourcefile: this.resourcePath });
  this.callback(null, result.code, JSON.parse(result.map));
};
`,
      "webpack.config.cjs": webpackStyleConfig("webpack", `{ rules: [{ test: /\\.ts$/, use: path.resolve(__dirname, "ts-loader-stand-in.cjs") }] }`),
      "build-webpack.cjs": webpackStyleBuild(`const webpack = require("webpack");`, "webpack"),
    },
    build: () => ["build-webpack.cjs"],
    output: "dist/main.cjs",
  },
  rspack: {
    files: {
      "rspack.config.cjs": webpackStyleConfig(
        "rspack",
        `{
    rules: [{ test: /\\.ts$/, loader: "builtin:swc-loader", options: { jsc: { parser: { syntax: "typescript" } } }, type: "javascript/auto" }],
  }`,
      ),
      "build-rspack.cjs": webpackStyleBuild(`const { rspack } = require("@rspack/core");`, "rspack"),
    },
    build: () => ["build-rspack.cjs"],
    output: "dist/main.cjs",
  },
};
