/** A unified line diff (Myers' O(ND) algorithm), for `llm-strategy prompts --diff`. */

/** One line of a diff: kept (` `), removed (`-`) or added (`+`). */
export interface DiffLine {
  op: " " | "-" | "+";
  text: string;
}

/**
 * Past this many differences in the middle part (after the common start and end are set aside),
 * the middle is shown as removed then added: a rewrite that large reads no better line by line,
 * and the search would need memory quadratic in it.
 */
const MAX_EDIT_DISTANCE = 2000;

/** The shortest edit script turning `before` into `after`, line by line. */
export function diffLines(before: readonly string[], after: readonly string[]): DiffLine[] {
  let start = 0;
  while (start < before.length && start < after.length && before[start] === after[start]) start++;
  let endBefore = before.length;
  let endAfter = after.length;
  while (endBefore > start && endAfter > start && before[endBefore - 1] === after[endAfter - 1]) {
    endBefore--;
    endAfter--;
  }
  const kept = (lines: readonly string[]): DiffLine[] => lines.map((text) => ({ op: " ", text }));
  return [
    ...kept(before.slice(0, start)),
    ...myers(before.slice(start, endBefore), after.slice(start, endAfter)),
    ...kept(before.slice(endBefore)),
  ];
}

function myers(a: readonly string[], b: readonly string[]): DiffLine[] {
  const n = a.length;
  const m = b.length;
  const replaced = (): DiffLine[] => [...a.map((text) => ({ op: "-" as const, text })), ...b.map((text) => ({ op: "+" as const, text }))];
  if (n === 0 || m === 0) return replaced();
  const max = Math.min(n + m, MAX_EDIT_DISTANCE);
  const offset = max + 1;
  // v[offset + k]: the furthest x reached on diagonal k = x - y.
  const v = new Int32Array(2 * max + 3);
  // trace[d]: the diagonals -d-1 .. d+1 of v before step d, kept for the walk back.
  const trace: Int32Array[] = [];
  for (let d = 0; d <= max; d++) {
    trace.push(v.slice(offset - d - 1, offset + d + 2));
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!) ? v[offset + k + 1]! : v[offset + k - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) return walkBack(a, b, trace);
    }
  }
  return replaced();
}

function walkBack(a: readonly string[], b: readonly string[], trace: Int32Array[]): DiffLine[] {
  const lines: DiffLine[] = [];
  let x = a.length;
  let y = b.length;
  for (let d = trace.length - 1; d >= 0; d--) {
    const saved = trace[d]!;
    // saved[0] is diagonal -d-1.
    const at = (k: number) => saved[k + d + 1]!;
    const k = x - y;
    const previousK = k === -d || (k !== d && at(k - 1) < at(k + 1)) ? k + 1 : k - 1;
    const previousX = at(previousK);
    const previousY = previousX - previousK;
    while (x > previousX && y > previousY) {
      x--;
      y--;
      lines.push({ op: " ", text: a[x]! });
    }
    if (d > 0) {
      if (x === previousX) lines.push({ op: "+", text: b[--y]! });
      else lines.push({ op: "-", text: a[--x]! });
    }
    x = previousX;
    y = previousY;
  }
  return lines.reverse();
}

/** A unified diff hunk: `@@ -start,count +start,count @@` and its lines. */
export interface Hunk {
  header: string;
  lines: DiffLine[];
}

/**
 * The changed parts of `lines` with `context` kept lines around each, as `diff -u` groups them.
 * @param context Kept lines shown before and after a change; default 3.
 */
export function hunks(lines: readonly DiffLine[], context = 3): Hunk[] {
  const changed = lines.flatMap((line, index) => (line.op === " " ? [] : [index]));
  if (!changed.length) return [];
  // Ranges [from, to) of `lines`, merged when the kept lines between two changes are few.
  const ranges: [number, number][] = [];
  for (const index of changed) {
    const from = Math.max(0, index - context);
    const to = Math.min(lines.length, index + context + 1);
    const last = ranges[ranges.length - 1];
    if (last && from <= last[1]) last[1] = Math.max(last[1], to);
    else ranges.push([from, to]);
  }
  // 0-based positions in the old and new text where each line index starts.
  const oldAt: number[] = [];
  const newAt: number[] = [];
  let oldLine = 0;
  let newLine = 0;
  for (const line of lines) {
    oldAt.push(oldLine);
    newAt.push(newLine);
    if (line.op !== "+") oldLine++;
    if (line.op !== "-") newLine++;
  }
  return ranges.map(([from, to]) => {
    const slice = lines.slice(from, to);
    const oldCount = slice.filter((line) => line.op !== "+").length;
    const newCount = slice.filter((line) => line.op !== "-").length;
    // As `diff -u`: an empty side is numbered by the line before it.
    const oldStart = oldCount ? oldAt[from]! + 1 : oldAt[from]!;
    const newStart = newCount ? newAt[from]! + 1 : newAt[from]!;
    return { header: `@@ -${oldStart},${oldCount} +${newStart},${newCount} @@`, lines: slice };
  });
}
