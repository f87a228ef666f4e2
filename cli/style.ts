/** Terminal colour for the CLI's human output: on only when stdout is a terminal and `NO_COLOR` is unset. */

/** Wraps text in ANSI codes, or returns it unchanged when colour is off. */
export interface Style {
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
}

/**
 * Colour for output going to `stream`: on when it is a terminal, off when `NO_COLOR` is set to
 * anything non-empty (https://no-color.org) or `TERM` is `dumb`.
 */
export function styleFor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): Style {
  const on = stream.isTTY === true && !env["NO_COLOR"] && env["TERM"] !== "dumb";
  const code = (open: number, close: number) => (text: string) => (on && text ? `\x1b[${open}m${text}\x1b[${close}m` : text);
  return { bold: code(1, 22), dim: code(2, 22), red: code(31, 39), green: code(32, 39), yellow: code(33, 39), cyan: code(36, 39) };
}
