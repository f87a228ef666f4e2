/** What `prompts` and `tokens` share: which manifest to read, which stubs to show, and how errors end. */
import * as path from "node:path";
import { UsageError, type CliIO } from "./command";
import { ManifestError, displayName, manifestFromTsconfig, type ManifestStub } from "./manifest";

/** The options line every manifest command's usage lists. */
export const FILTER_OPTIONS = [
  "  --stub <text>       only stubs whose id (`file:line Name`, type arguments included) contains <text>, any case",
  "  --file <path>       only stubs declared in this source file, or in files under this folder (as the manifest names them)",
  "  --json              machine-readable output",
].join("\n");

export const PROJECT_OPTION = [
  "  -p, --project <tsconfig>",
  "                      the tsconfig (or its folder) whose llm-strategy plugin option \"manifest\" names the manifest;",
  "                      default: ./tsconfig.json",
].join("\n");

/** The manifest named on the command line, else the one the tsconfig names. Absolute. */
export function manifestPathFrom(positionals: readonly string[], options: Map<string, string | true>, cwd: string): string {
  const project = options.get("-p") ?? options.get("--project");
  if (positionals.length > 1) throw new UsageError(`Give one manifest, not ${positionals.length} (to compare two, use --diff).`);
  if (positionals.length === 1 && project !== undefined) throw new UsageError("Give a manifest or -p <tsconfig>, not both.");
  if (positionals.length === 1) return path.resolve(cwd, positionals[0]!);
  return manifestFromTsconfig(cwd, typeof project === "string" ? project : undefined);
}

/** The `--stub` / `--file` filter. */
export interface StubFilter {
  matches(stub: ManifestStub): boolean;
  /** `--stub "age" --file src/a.ts`, for "no stub matches ..."; empty when nothing filters. */
  description: string;
}

export function stubFilter(options: Map<string, string | true>): StubFilter {
  const text = options.get("--stub");
  const file = options.get("--file");
  const needle = typeof text === "string" ? text.toLowerCase() : undefined;
  const place = typeof file === "string" ? file.replace(/\\/g, "/").replace(/^(\.\/)+/, "").replace(/\/+$/, "") : undefined;
  const inPlace = (stubFile: string) =>
    place === undefined || place === "." || place === "" || stubFile === place || stubFile.startsWith(`${place}/`) || place.endsWith(`/${stubFile}`);
  return {
    matches: (stub) => (needle === undefined || displayName(stub).toLowerCase().includes(needle)) && inPlace(stub.file),
    description: [needle !== undefined ? `--stub ${JSON.stringify(text)}` : "", place !== undefined ? `--file ${JSON.stringify(file)}` : ""].filter(Boolean).join(" "),
  };
}

/**
 * Runs a command's body; a `ManifestError` (missing file, not JSON, not a manifest, no manifest
 * configured) becomes one line on stderr and exit code 2, as `diff` and `grep` end on trouble.
 * Any other failure also exits 2: for `--diff`, exit code 1 means "prompts changed".
 */
export async function exitOnManifestError(command: string, io: CliIO, body: () => Promise<number> | number): Promise<number> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const message = error instanceof ManifestError ? error.message : `unexpected failure: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
    io.stderr(`llm-strategy ${command}: ${message}\n`);
    return 2;
  }
}
