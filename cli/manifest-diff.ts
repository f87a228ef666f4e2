/**
 * What changed between two builds' manifests. Stubs are matched by identity, not by id: an id
 * holds the declaration's line, which moves whenever code above it changes.
 */
import { diffLines, hunks, type Hunk } from "./line-diff";
import { qualifiedName, type ManifestStub } from "./manifest";
import { contentKey, REVIEWED_SECTIONS, reviewSections, type ReviewSections } from "./prompt-text";

/** A stub in both builds. */
export interface MatchedStub {
  before: ManifestStub;
  after: ManifestStub;
}

/** One changed section of a stub (`prompt`, `promptIfSchemaSent`, `schemaSent`, `input`, `output`, `definitions`) as unified diff hunks. */
export interface SectionDiff {
  section: keyof ReviewSections | "template" | "outputTypes" | "templateIfSchemaSent";
  hunks: Hunk[];
}

export interface ChangedStub extends MatchedStub {
  sections: SectionDiff[];
}

export interface ManifestDiff {
  added: ManifestStub[];
  removed: ManifestStub[];
  /** The prompt or a schema differs. */
  changed: ChangedStub[];
  /** Same content under another id (the declaration moved to another line or file). */
  moved: MatchedStub[];
  /** Same content and id. */
  unchanged: MatchedStub[];
}

/**
 * Matches the stubs of two manifests and diffs the pairs whose content differs.
 * Matching, in order: same file, qualified name and type arguments (so a stub that moved lines
 * is the same stub; several with one identity, e.g. specialisations whose type arguments read
 * alike, pair up by identical content first, then in line order); then, for what is left, the
 * same qualified name and type arguments in another file when that pairing is unambiguous
 * (a renamed or moved file).
 */
export function diffManifests(before: readonly ManifestStub[], after: readonly ManifestStub[]): ManifestDiff {
  const pairs: MatchedStub[] = [];
  const leftBefore = new Set(before);
  const leftAfter = new Set(after);
  const pair = (old: ManifestStub, next: ManifestStub) => {
    pairs.push({ before: old, after: next });
    leftBefore.delete(old);
    leftAfter.delete(next);
  };

  const inFile = (stub: ManifestStub) => `${stub.file}\u0000${qualifiedName(stub)}\u0000${stub.typeArguments ?? ""}`;
  const newInFile = groupBy(after, inFile);
  for (const [key, olds] of groupBy(before, inFile)) {
    const news = newInFile.get(key) ?? [];
    for (const old of olds) {
      const same = news.find((next) => leftAfter.has(next) && contentKey(next) === contentKey(old));
      if (same) pair(old, same);
    }
    const restOld = olds.filter((stub) => leftBefore.has(stub)).sort(byLine);
    const restNew = news.filter((stub) => leftAfter.has(stub)).sort(byLine);
    for (let index = 0; index < Math.min(restOld.length, restNew.length); index++) pair(restOld[index]!, restNew[index]!);
  }

  const anyFile = (stub: ManifestStub) => `${qualifiedName(stub)}\u0000${stub.typeArguments ?? ""}`;
  const newByName = groupBy([...leftAfter], anyFile);
  for (const [key, olds] of groupBy([...leftBefore], anyFile)) {
    const news = newByName.get(key) ?? [];
    if (olds.length === 1 && news.length === 1) pair(olds[0]!, news[0]!);
  }

  const result: ManifestDiff = { added: [...leftAfter], removed: [...leftBefore], changed: [], moved: [], unchanged: [] };
  for (const matched of pairs) {
    if (contentKey(matched.before) !== contentKey(matched.after)) result.changed.push({ ...matched, sections: diffSections(matched.before, matched.after) });
    else if (matched.before.id !== matched.after.id) result.moved.push(matched);
    else result.unchanged.push(matched);
  }
  for (const list of [result.changed, result.moved, result.unchanged]) list.sort((a, b) => byPlace(a.after, b.after));
  result.added.sort(byPlace);
  result.removed.sort(byPlace);
  return result;
}

/** The sections of two versions of a stub that differ, as hunks. */
function diffSections(before: ManifestStub, after: ManifestStub): SectionDiff[] {
  const old = reviewSections(before);
  const next = reviewSections(after);
  const sections: SectionDiff[] = [];
  for (const section of REVIEWED_SECTIONS) {
    if (old[section] !== next[section]) sections.push({ section, hunks: textHunks(old[section], next[section]) });
  }
  if (!sections.length) {
    // Everything reviewed reads alike although the raw texts differ (text moved between
    // template and output types, or a schema-sent template as old manifests lack it): show those.
    for (const section of ["template", "outputTypes", "templateIfSchemaSent"] as const) {
      const [was, now] = [before[section] ?? "", after[section] ?? ""];
      if (was !== now) sections.push({ section, hunks: textHunks(was, now) });
    }
  }
  return sections;
}

/** Hunks turning `before` into `after`; an empty text is no lines (an added stub diffs from nothing). */
export function textHunks(before: string, after: string): Hunk[] {
  const lines = (text: string) => (text === "" ? [] : text.split("\n"));
  return hunks(diffLines(lines(before), lines(after)));
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const name = key(item);
    const group = groups.get(name);
    if (group) group.push(item);
    else groups.set(name, [item]);
  }
  return groups;
}

function byLine(a: ManifestStub, b: ManifestStub): number {
  return a.line - b.line || compareText(a.hash, b.hash);
}

/** File, then line, then type arguments: the order a reader walks the sources in. */
export function byPlace(a: ManifestStub, b: ManifestStub): number {
  return compareText(a.file, b.file) || a.line - b.line || compareText(a.typeArguments ?? "", b.typeArguments ?? "") || compareText(a.hash, b.hash);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
