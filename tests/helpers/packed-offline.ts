/**
 * The packed package installed without network: `npm pack` of the repository, the tarball
 * extracted into `node_modules/llm-strategy` of a temporary folder, every other dependency a
 * symlink into this repository's node_modules. Needs `npm run build` first.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { REPO_ROOT } from "./compile";
import { packRepositoryListing } from "./installed-project";

/** Packs the repository and installs the tarball offline into a new temporary folder (named from `prefix`): the folder and the files the tarball holds. */
export function installPackedOffline(prefix: string): { root: string; packedFiles: string[] } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const { tarball, files } = packRepositoryListing(root);
  const installed = path.join(root, "node_modules", "llm-strategy");
  fs.mkdirSync(installed, { recursive: true });
  execFileSync("tar", ["-xzf", tarball, "-C", installed, "--strip-components=1"]);
  for (const entry of fs.readdirSync(path.join(REPO_ROOT, "node_modules"))) {
    if (entry === "llm-strategy" || entry.startsWith(".")) continue;
    fs.symlinkSync(path.join(REPO_ROOT, "node_modules", entry), path.join(root, "node_modules", entry));
  }
  return { root, packedFiles: files };
}
