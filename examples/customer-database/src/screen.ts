/**
 * Terminal output in plain ANSI: the customer table with matches highlighted, progress lines.
 * Matches are marked in a column too, so they show without colour (NO_COLOR, pipes, logs).
 */
import type { Customer } from "./customer";

export interface Screen {
  /** A terminal: progress is rewritten in place. */
  readonly interactive: boolean;
  /** ANSI colours: a terminal, and NO_COLOR not set. */
  readonly color: boolean;
  /** Terminal width in columns (120 when unknown). */
  readonly width: number;
  write(text: string): void;
}

export function terminalScreen(stream: NodeJS.WriteStream): Screen {
  const interactive = Boolean(stream.isTTY);
  return {
    interactive,
    color: interactive && !process.env.NO_COLOR,
    get width() {
      return stream.columns || 120;
    },
    write: (text) => void stream.write(text),
  };
}

const RESET = "\x1b[0m";
export const paint = {
  bold: (screen: Screen, text: string) => (screen.color ? `\x1b[1m${text}${RESET}` : text),
  dim: (screen: Screen, text: string) => (screen.color ? `\x1b[2m${text}${RESET}` : text),
  red: (screen: Screen, text: string) => (screen.color ? `\x1b[31m${text}${RESET}` : text),
  cyan: (screen: Screen, text: string) => (screen.color ? `\x1b[36m${text}${RESET}` : text),
  /** Black on yellow: a matching row. */
  match: (screen: Screen, text: string) => (screen.color ? `\x1b[30;43m${text}${RESET}` : text),
};

/** An age as the table shows it: the number, "…" while it is computed, "?" when its call failed. */
export type AgeCell = number | "pending" | "failed";

/**
 * The table: one row per customer; `ranks` maps a key to its place in the search result
 * (1 = best match), shown as `▶ 1` in the first column and highlighted.
 */
export function customerTable(screen: Screen, customers: Customer[], ages: AgeCell[], ranks: Map<string, number> = new Map()): string {
  const header = ["match", "key", "name", "born", "age", "address"];
  const rows = customers.map((customer, index) => {
    const rank = ranks.get(customer.key);
    const age = ages[index];
    return [
      rank === undefined ? "" : `▶ ${rank}`,
      customer.key,
      `${customer.firstName} ${customer.lastName}`,
      customer.birthdate,
      typeof age === "number" ? String(age) : age === "failed" ? "?" : "…",
      customer.address,
    ];
  });
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  // The address column takes what is left of the terminal's width.
  const fixed = widths.slice(0, -1).reduce((sum, width) => sum + width + 2, 0);
  widths[widths.length - 1] = Math.max(10, Math.min(widths[widths.length - 1]!, screen.width - fixed - 1));

  const line = (cells: string[]) => cells.map((cell, column) => fit(cell, widths[column]!, column === 4)).join("  ");
  const out = [paint.bold(screen, line(header)), paint.dim(screen, widths.map((width) => "─".repeat(width)).join("  "))];
  rows.forEach((row, index) => {
    const text = line(row);
    out.push(ranks.has(customers[index]!.key) ? paint.match(screen, text) : text);
  });
  return `${out.join("\n")}\n`;
}

/** Pads or cuts `text` to `width` columns (numbers right-aligned). */
function fit(text: string, width: number, right: boolean): string {
  if (text.length > width) return `${text.slice(0, width - 1)}…`;
  return right ? text.padStart(width) : text.padEnd(width);
}

/** "ages 4/10 ████░░░░░░", rewritten in place on a terminal; elsewhere only the final count is printed. */
export function progress(screen: Screen, label: string, done: number, total: number): void {
  const text = `${label} ${done}/${total} ${"█".repeat(done)}${"░".repeat(total - done)}`;
  if (screen.interactive) screen.write(`\r\x1b[2K${text}${done === total ? "\n" : ""}`);
  else if (done === total) screen.write(`${text}\n`);
}

/** An error as one readable line: its class and message, newlines folded. */
export function errorLine(screen: Screen, error: Error): string {
  return paint.red(screen, `✖ ${error.name}: ${error.message.replace(/\s*\n\s*/g, " ")}`);
}
