import * as path from "node:path";
import { parseArgs, UsageError, type CliCommand, type CliIO } from "../command";
import { byPlace, diffManifests, textHunks, type ChangedStub, type ManifestDiff, type SectionDiff } from "../manifest-diff";
import { displayName, loadManifest, qualifiedName, relativeOrAbsolute, type LoadedManifest, type ManifestStub } from "../manifest";
import { exitOnManifestError, FILTER_OPTIONS, manifestPathFrom, PROJECT_OPTION, stubFilter } from "../manifest-options";
import { compactJson, promptAtDefaults, REVIEWED_SECTIONS, reviewSections, type PromptKind } from "../prompt-text";
import { styleFor, type Style } from "../style";
import type { Hunk } from "../line-diff";

/**
 * `llm-strategy prompts [manifest]`: every stub's prompt and schemas, grouped by file.
 * `llm-strategy prompts --diff <old> <new>`: what changed between two builds; exit 0 when
 * nothing did, 1 when something did, 2 on errors (as `diff`).
 */
export const promptsCommand: CliCommand = {
  summary: "Print every stub's prompt and schemas from a build's manifest; --diff <old> <new> shows what changed between two builds.",
  usage: [
    "llm-strategy prompts [manifest.json] [-p tsconfig.json] [--stub <text>] [--file <path>] [--json]",
    "       llm-strategy prompts --diff <old.json> <new.json> [--stub <text>] [--file <path>] [--json]",
    "",
    "  manifest.json       the manifest a build wrote (plugin option \"manifest\"); default: the one ./tsconfig.json names",
    PROJECT_OPTION,
    FILTER_OPTIONS,
    "  --diff              compare two builds' manifests: added, removed and changed stubs, with unified diffs of",
    "                      prompts and schemas; exit code 0 when nothing changed, 1 when something did, 2 on errors",
    "",
    "Colour only when stdout is a terminal and NO_COLOR is not set.",
  ].join("\n"),
  async run(args, io) {
    const { positionals, options } = parseArgs(args, ["--stub", "--file", "-p", "--project"], ["--json", "--diff"]);
    return exitOnManifestError("prompts", io, () => (options.has("--diff") ? runDiff(positionals, options, io) : runList(positionals, options, io)));
  },
};

function runList(positionals: string[], options: Map<string, string | true>, io: CliIO): number {
  const manifest = loadManifest(manifestPathFrom(positionals, options, io.cwd));
  const filter = stubFilter(options);
  const stubs = manifest.stubs.filter(filter.matches).sort(byPlace);
  const shown = relativeOrAbsolute(io.cwd, manifest.file);
  if (filter.description && !stubs.length) {
    io.stderr(`No stub matches ${filter.description} among the ${manifest.stubs.length} stubs of ${shown}.\n`);
    return 1;
  }
  if (options.has("--json")) {
    io.stdout(`${JSON.stringify({ manifest: manifest.file, specVersion: manifest.specVersion, stubs: stubs.map(withPrompt) }, null, 2)}\n`);
    return 0;
  }
  io.stdout(listing(manifest, stubs, shown, styleFor(process.stdout)));
  return 0;
}

/**
 * A manifest entry plus its qualified name and both prompts as the model reads them
 * (hyperparameters at their defaults), for `--json`: `prompt` in JSON and prompt mode,
 * `promptIfSchemaSent` in structured and tools mode (sent with `schemaSent`).
 */
function withPrompt(stub: ManifestStub): ManifestStub & { name: string; prompt: string; promptIfSchemaSent: string } {
  return { ...stub, name: qualifiedName(stub), prompt: promptAtDefaults(stub), promptIfSchemaSent: promptAtDefaults(stub, undefined, "schemaSent") };
}

function listing(manifest: LoadedManifest, stubs: ManifestStub[], shown: string, style: Style): string {
  const files = [...new Set(stubs.map((stub) => stub.file))];
  const out: string[] = [
    `${shown}: ${count(stubs.length, "stub")} in ${count(files.length, "file")}${stubs.length < manifest.stubs.length ? ` (of ${manifest.stubs.length} in the manifest)` : ""}.`,
  ];
  if (!stubs.length) return `${out[0]}\n`;
  out.push(
    style.dim(`Each stub has two prompts, the message the model reads: in json and prompt mode, with the output types written in it;`),
    style.dim(`in structured and tools mode (openAI()'s default is structured), with the schema under "schema sent" going along instead.`),
    style.dim(`{{input}} stands for the call's input values (compact JSON). Replies are validated against "output" in every mode.`),
    ...(stubs.some((stub) => stub.hyperparameters)
      ? [style.dim(`Hyperparameters ({{hp:name}} in a prompt) show the default a call sends outside withHyperparameters (in colour on a terminal); each stub lists them under hp.`)]
      : []),
  );
  for (const file of files) {
    out.push("", style.bold(`== ${file} ==`));
    for (const stub of stubs.filter((each) => each.file === file)) out.push("", ...stubBlock(stub, style));
  }
  return `${out.join("\n")}\n`;
}

const LABEL_WIDTH = 13;

/** Each prompt's heading, above its lines. */
const PROMPT_LABELS: [PromptKind, string][] = [
  ["json", "prompt in json and prompt mode (the output types written in it)"],
  ["schemaSent", `prompt in structured and tools mode (sent with "schema sent" below)`],
];

function stubBlock(stub: ManifestStub, style: Style): string[] {
  const field = (label: string, value: string) => `  ${style.dim(label.padEnd(LABEL_WIDTH))}${value}`;
  const title = [style.bold(style.cyan(qualifiedName(stub))), stub.typeArguments && stub.typeArguments !== "constraints" ? stub.typeArguments : "", style.dim(`(${stub.kind}, line ${stub.line})`)];
  const lines = [title.filter(Boolean).join(" ")];
  lines.push(field("id", stub.id));
  if (stub.typeArguments === "constraints") lines.push(field("generic", "the declaration's constraints (used by callers the transformer did not compile)"));
  else if (stub.typeArguments !== undefined) lines.push(field("specialised", `${stub.typeArguments} at ${(stub.callSites ?? []).join(", ") || "(no call site recorded)"}`));
  lines.push(field("hash", stub.hash));
  lines.push(field("tokens", tokenSummary(stub)));
  Object.entries(stub.hyperparameters ?? {}).forEach(([name, { default: value }], index) =>
    lines.push(field(index ? "" : "hp", value === undefined ? `${name}: default not known at build time (left as {{hp:${name}}})` : `${name} = ${compactJson(value)} (the default, filled into the prompt)`)),
  );
  for (const [kind, label] of PROMPT_LABELS) {
    lines.push(`  ${style.dim(label)}`);
    for (const line of promptAtDefaults(stub, style.cyan, kind).split("\n")) {
      lines.push(`    ${style.dim("|")} ${line.replace(/\{\{input\}\}/g, (placeholder) => style.yellow(placeholder))}`.trimEnd());
    }
  }
  const sent = stub.schemaSent;
  lines.push(field("schema sent", sent ? `name ${sent.name}, strict ${sent.strict}, schema ${compactJson(sent.schema)}` : style.dim("not in this manifest (written by an older build): build again to see it")));
  lines.push(field("input", compactJson(stub.input)));
  lines.push(field("output", compactJson(stub.output) + (stub.wrapper ? style.dim(`  (the reply is {"${stub.wrapper}": <output>})`) : "")));
  (stub.checks ?? []).forEach((check, index) =>
    lines.push(field(index ? "" : "checks", `${check.expression.replace(/\s*\n\s*/g, " ")}${check.message ? style.dim(`  -- ${check.message}`) : ""}`)),
  );
  const definitions = Object.keys(stub.definitions).sort();
  definitions.forEach((name, index) => lines.push(field(index ? "" : "definitions", `${name} ${compactJson(stub.definitions[name])}`)));
  // Left out of every schema above and of the input sent; listed so a reviewer sees them go nowhere.
  const hidden = Object.entries(stub.hiddenFields ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  hidden.forEach(([name, fields], index) =>
    lines.push(field(index ? "" : "never sent", `${name}: ${Object.entries(fields).map(([field, reason]) => `${field} (${reason})`).join(", ")}`)),
  );
  return lines;
}

/** `json 121, structured 260`, in the manifest's order of modes. */
function tokenSummary(stub: ManifestStub): string {
  return Object.entries(stub.tokens)
    .map(([mode, tokens]) => `${mode} ${tokens}`)
    .join(", ");
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

function runDiff(positionals: string[], options: Map<string, string | true>, io: CliIO): number {
  if (positionals.length !== 2) throw new UsageError(`--diff compares two manifests: give the old one and the new one${positionals.length ? `, not ${positionals.length}` : ""}.`);
  if (options.has("-p") || options.has("--project")) throw new UsageError("--diff reads the two manifests given; -p does not apply.");
  const [before, after] = positionals.map((file) => loadManifest(path.resolve(io.cwd, file))) as [LoadedManifest, LoadedManifest];
  const filter = stubFilter(options);
  const diff = diffManifests(before.stubs.filter(filter.matches), after.stubs.filter(filter.matches));
  const changes = diff.added.length + diff.removed.length + diff.changed.length;
  const names = { before: relativeOrAbsolute(io.cwd, before.file), after: relativeOrAbsolute(io.cwd, after.file) };
  if (options.has("--json")) io.stdout(`${JSON.stringify(diffJson(diff, before.file, after.file), null, 2)}\n`);
  else io.stdout(diffReport(diff, names, filter.description, styleFor(process.stdout)));
  return changes ? 1 : 0;
}

function diffReport(diff: ManifestDiff, names: { before: string; after: string }, filtered: string, style: Style): string {
  const counts = [
    `${diff.added.length} added`,
    `${diff.removed.length} removed`,
    `${diff.changed.length} changed`,
    ...(diff.moved.length ? [`${diff.moved.length} moved without changes`] : []),
    `${diff.unchanged.length} unchanged`,
  ];
  const out = [`${names.before} -> ${names.after}${filtered ? ` (${filtered})` : ""}: ${counts.join(", ")}.`];
  if (!diff.added.length && !diff.removed.length && !diff.changed.length) {
    out.push("No prompt or schema changed.");
    if (diff.moved.length) out.push("", ...diff.moved.map(({ before, after }) => `  moved    ${displayName(after)}  ${style.dim(`(was ${placeOf(before, after)})`)}`));
    return `${out.join("\n")}\n`;
  }
  out.push("");
  for (const stub of diff.added) out.push(`  ${style.green("added")}    ${displayName(stub)}`);
  for (const stub of diff.removed) out.push(`  ${style.red("removed")}  ${displayName(stub)}`);
  for (const { before, after } of diff.changed) out.push(`  ${style.yellow("changed")}  ${displayName(after)}${before.id !== after.id ? style.dim(`  (was ${placeOf(before, after)})`) : ""}`);
  for (const { before, after } of diff.moved) out.push(`  moved    ${displayName(after)}  ${style.dim(`(was ${placeOf(before, after)}; prompt and schemas unchanged)`)}`);
  for (const changed of diff.changed) out.push("", ...changedBlock(changed, names, style));
  for (const stub of diff.added) out.push("", ...addedBlock(stub, names, style));
  return `${out.join("\n")}\n`;
}

/** `line 15`, or `src/old.ts:15` when the file changed too. */
function placeOf(before: ManifestStub, after: ManifestStub): string {
  return before.file === after.file ? `line ${before.line}` : `${before.file}:${before.line}`;
}

function changedBlock({ before, after, sections }: ChangedStub, names: { before: string; after: string }, style: Style): string[] {
  const lines = [style.bold(`~ ${displayName(after)}`) + (before.id !== after.id ? style.dim(`  (was ${before.id})`) : "")];
  lines.push(`  tokens: ${tokenChange(before, after)}`, `  hash: ${before.hash} -> ${after.hash}`);
  for (const section of sections) lines.push(...sectionLines(section, `${names.before}  ${before.id}`, `${names.after}  ${after.id}`, style));
  return lines;
}

/** An added stub, diffed from nothing, so a reviewer reads its whole prompt and schemas as for new code. */
function addedBlock(stub: ManifestStub, names: { before: string; after: string }, style: Style): string[] {
  const lines = [style.bold(`+ ${displayName(stub)}`), `  tokens: ${tokenSummary(stub)}`];
  const sections = reviewSections(stub);
  for (const section of REVIEWED_SECTIONS) {
    if (section === "definitions" ? !Object.keys(stub.definitions).length : !sections[section]) continue;
    lines.push(...sectionLines({ section, hunks: textHunks("", sections[section]) }, "/dev/null", `${names.after}  ${stub.id}`, style));
  }
  return lines;
}

function sectionLines({ section, hunks }: SectionDiff, from: string, to: string, style: Style): string[] {
  const lines = [style.bold(`--- ${from}  ${section}`), style.bold(`+++ ${to}  ${section}`)];
  for (const hunk of hunks) lines.push(...hunkLines(hunk, style));
  return lines;
}

function hunkLines(hunk: Hunk, style: Style): string[] {
  return [
    style.cyan(hunk.header),
    ...hunk.lines.map((line) => (line.op === "+" ? style.green(`+${line.text}`) : line.op === "-" ? style.red(`-${line.text}`) : ` ${line.text}`)),
  ];
}

/** `json 121 -> 130 (+9), structured 260 (unchanged)`; a mode only one side has shows as `-`. */
function tokenChange(before: ManifestStub, after: ManifestStub): string {
  const modes = [...new Set([...Object.keys(before.tokens), ...Object.keys(after.tokens)])];
  return modes
    .map((mode) => {
      const old = (before.tokens as Record<string, number>)[mode];
      const next = (after.tokens as Record<string, number>)[mode];
      if (old === undefined || next === undefined) return `${mode} ${old ?? "-"} -> ${next ?? "-"}`;
      const delta = next - old;
      if (delta === 0) return `${mode} ${old} (unchanged)`;
      return `${mode} ${old} -> ${next} (${delta > 0 ? "+" : ""}${delta})`;
    })
    .join(", ");
}

/** `--diff --json`: the same findings for scripts; each section's diff as unified text. */
function diffJson(diff: ManifestDiff, before: string, after: string): object {
  const brief = (stub: ManifestStub) => ({
    id: stub.id,
    name: qualifiedName(stub),
    ...(stub.typeArguments !== undefined ? { typeArguments: stub.typeArguments } : {}),
    file: stub.file,
    line: stub.line,
    hash: stub.hash,
    tokens: stub.tokens,
  });
  const unified = (hunks: Hunk[]) => hunks.map((hunk) => [hunk.header, ...hunk.lines.map((line) => `${line.op}${line.text}`)].join("\n")).join("\n");
  return {
    old: before,
    new: after,
    counts: { added: diff.added.length, removed: diff.removed.length, changed: diff.changed.length, moved: diff.moved.length, unchanged: diff.unchanged.length },
    added: diff.added.map(brief),
    removed: diff.removed.map(brief),
    changed: diff.changed.map(({ before: old, after: next, sections }) => ({
      ...brief(next),
      was: brief(old),
      sections: Object.fromEntries(sections.map(({ section, hunks }) => [section, unified(hunks)])),
    })),
    moved: diff.moved.map(({ before: old, after: next }) => ({ ...brief(next), was: brief(old) })),
  };
}
