/**
 * The line diff behind `prompts --diff`: every script rebuilds both texts, is as short as a
 * longest-common-subsequence allows, and its hunks apply with the system's `patch`.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { diffLines, hunks } from "../../cli/line-diff";

/** A small deterministic generator (mulberry32), so a failure repeats. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Lines from a small alphabet, so texts share many lines; `after` is `before` edited. */
function pair(next: () => number): [string[], string[]] {
  const line = () => "abcdef"[Math.floor(next() * 6)]!;
  const before = Array.from({ length: Math.floor(next() * 30) }, line);
  const after = before.flatMap((text) => {
    const roll = next();
    if (roll < 0.15) return [];
    if (roll < 0.3) return [line(), text];
    if (roll < 0.4) return [line()];
    return [text];
  });
  return [before, after];
}

function lcsLength(a: string[], b: string[]): number {
  const row = new Array<number>(b.length + 1).fill(0);
  for (const x of a) {
    let diagonal = 0;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = x === b[j - 1] ? diagonal + 1 : Math.max(row[j]!, row[j - 1]!);
      diagonal = above;
    }
  }
  return row[b.length]!;
}

test("scripts rebuild both texts and keep a longest common subsequence", () => {
  const next = random(7);
  for (let round = 0; round < 500; round++) {
    const [before, after] = pair(next);
    const lines = diffLines(before, after);
    expect(lines.filter((line) => line.op !== "+").map((line) => line.text)).toEqual(before);
    expect(lines.filter((line) => line.op !== "-").map((line) => line.text)).toEqual(after);
    expect(lines.filter((line) => line.op === " ").length).toBe(lcsLength(before, after));
  }
  // Past the edit budget the differing middle is shown removed then added: still a correct script.
  const big = Array.from({ length: 2500 }, (_, index) => `line ${index}`);
  const rewritten = ["same start", ...big.map((line) => `${line} rewritten`), "same end"];
  const large = diffLines(["same start", ...big, "same end"], rewritten);
  expect(large.filter((line) => line.op !== "-").map((line) => line.text)).toEqual(rewritten);
  expect(large.filter((line) => line.op === " ").map((line) => line.text)).toEqual(["same start", "same end"]);
  expect(diffLines([], [])).toEqual([]);
  expect(hunks(diffLines(["a", "b"], ["a", "b"]))).toEqual([]);
});

test("hunks are what `diff -u` prints: `patch` turns the old text into the new one", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "llm-strategy-line-diff-"));
  try {
    const next = random(11);
    for (let round = 0; round < 40; round++) {
      const [before, after] = pair(next);
      const found = hunks(diffLines(before, after));
      if (!found.length) continue;
      const file = path.join(dir, "text");
      fs.writeFileSync(file, before.map((line) => `${line}\n`).join(""));
      const patchText = ["--- text", "+++ text", ...found.flatMap((hunk) => [hunk.header, ...hunk.lines.map((line) => `${line.op}${line.text}`)])].join("\n") + "\n";
      const result = spawnSync("patch", ["--silent", "--force", "--no-backup-if-mismatch", file], { input: patchText, encoding: "utf8" });
      expect({ round, status: result.status, output: result.stdout + result.stderr }).toEqual({ round, status: 0, output: "" });
      expect(fs.readFileSync(file, "utf8")).toBe(after.map((line) => `${line}\n`).join(""));
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("three lines of context; changes closer than that share a hunk", () => {
  const before = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15", "16"];
  const after = [...before];
  after[1] = "two";
  after[6] = "seven";
  after[14] = "fifteen";
  const found = hunks(diffLines(before, after));
  expect(found.map((hunk) => hunk.header)).toEqual(["@@ -1,10 +1,10 @@", "@@ -12,5 +12,5 @@"]);
  expect(found[1]!.lines.map((line) => `${line.op}${line.text}`)).toEqual([" 12", " 13", " 14", "-15", "+fifteen", " 16"]);
  expect(hunks(diffLines([], ["x"]))[0]!.header).toBe("@@ -0,0 +1,1 @@");
});
