/**
 * The repository explains itself: no text in it sends a maintainer to files that are not in it
 * (the style notes and API notes its first authors worked from). And typescript-json-schema,
 * whose private internals the analyser overrides, is pinned to the version those overrides
 * were written against.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { REPO_ROOT } from "../helpers/compile";

const FOLDERS = ["runtime", "transformer", "cli", "tests", "bench", "examples", "scripts", "viewer", ".ci"];
const TEXT = /\.(ts|mts|cts|js|mjs|cjs|json|md|html|sh|yml|yaml)$|^run$/;

function textFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name === "node_modules" || entry.name === "dist") return [];
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return textFiles(full);
    return TEXT.test(entry.name) ? [full] : [];
  });
}

// Written in pieces so that this file does not match itself.
const OUTSIDE = new RegExp(["\\bSTYLE\\.md\\b", "\\bAPI\\.md\\b", "\\.\\./shared\\b", "/work/" + "shared", "\\btrap \\d+", "\\btraps? #?\\d+"].join("|"), "i");

test("no file points to notes outside the repository (style notes, API notes, the shared folder, numbered traps)", () => {
  const files = [path.join(REPO_ROOT, "README.md"), ...FOLDERS.flatMap((folder) => textFiles(path.join(REPO_ROOT, folder)))];
  expect(files.length).toBeGreaterThan(200);
  const found: string[] = [];
  for (const file of files) {
    fs.readFileSync(file, "utf8")
      .split("\n")
      .forEach((line, index) => {
        if (OUTSIDE.test(line)) found.push(`${path.relative(REPO_ROOT, file)}:${index + 1}: ${line.trim()}`);
      });
  }
  expect(found).toEqual([]);
});

test("typescript-json-schema is pinned to the exact version whose internals the analyser overrides", () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as { optionalDependencies: Record<string, string> };
  const pinned = manifest.optionalDependencies["typescript-json-schema"];
  expect(pinned).toMatch(/^\d+\.\d+\.\d+$/);
  const schemaSource = fs.readFileSync(path.join(REPO_ROOT, "transformer", "analyse", "schema.ts"), "utf8");
  expect(schemaSource).toContain(`are those of version ${pinned} (pinned)`);
  const lock = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package-lock.json"), "utf8")) as { packages: Record<string, { version?: string; optionalDependencies?: Record<string, string> }> };
  expect(lock.packages[""]!.optionalDependencies!["typescript-json-schema"]).toBe(pinned);
  expect(lock.packages["node_modules/typescript-json-schema"]!.version).toBe(pinned);
});
