import * as fs from "node:fs";
import * as path from "node:path";
import type * as ts from "typescript";

const PACKAGE_NAME = "llm-strategy";

const packageNameByDir = new Map<string, string | undefined>();

/**
 * A file under the `runtime/` folder of the package named `llm-strategy` (the nearest
 * package.json decides): `runtime/stub.ts` in its repository, `dist/runtime/*.d.ts` installed.
 * Declarations are recognised as ours by where they live, never by their names, so aliased
 * imports work and a user's own `stub` is left alone.
 */
export function isPackageRuntimeFile(fileName: string): boolean {
  const normalized = fileName.replace(/\\/g, "/");
  if (!/\/runtime\/(?:[^/]+\/)*[^/]+\.(?:d\.)?[cm]?ts$/.test(normalized)) return false;
  return nearestPackageName(path.dirname(normalized)) === PACKAGE_NAME;
}

/**
 * Whether the Program holds any file of the package's runtime. Without one no call can resolve
 * to `stub`, `implement`, `hyperparameter` or `ChatChain.structuredQuery`, so a build of a
 * Program without it has nothing for the transformer to do.
 */
export function usesPackageRuntime(program: ts.Program): boolean {
  let uses = programsUsingRuntime.get(program);
  if (uses === undefined) programsUsingRuntime.set(program, (uses = program.getSourceFiles().some((file) => isPackageRuntimeFile(file.fileName))));
  return uses;
}

const programsUsingRuntime = new WeakMap<ts.Program, boolean>();

/**
 * Whether the transformer has anything to do for a Program: it holds the package's runtime, or
 * a manifest is asked for (written even without stubs, so an old one does not linger).
 */
export function programHasWork(program: ts.Program, options: { manifest?: string }): boolean {
  return options.manifest !== undefined || usesPackageRuntime(program);
}

function nearestPackageName(dir: string): string | undefined {
  if (packageNameByDir.has(dir)) return packageNameByDir.get(dir);
  let name: string | undefined;
  const manifest = path.join(dir, "package.json");
  if (fs.existsSync(manifest)) {
    try {
      const parsed: unknown = JSON.parse(fs.readFileSync(manifest, "utf8"));
      const value = typeof parsed === "object" && parsed !== null ? (parsed as { name?: unknown }).name : undefined;
      name = typeof value === "string" ? value : undefined;
    } catch {
      name = undefined;
    }
  } else {
    const parent = path.dirname(dir);
    name = parent === dir ? undefined : nearestPackageName(parent);
  }
  packageNameByDir.set(dir, name);
  return name;
}
