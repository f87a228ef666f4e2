/** What every `llm-strategy` subcommand implements. Add one in `commands/` and list it in `main.ts`. */
export interface CliCommand {
  /** One line for `llm-strategy --help`. */
  summary: string;
  /** The usage line(s), e.g. `llm-strategy trace <file.json> [--out page.html] [--open]`. */
  usage: string;
  /** Runs with the arguments after the command's name; returns the exit code. */
  run(args: string[], io: CliIO): Promise<number>;
}

/** Where a command reads and writes, so tests can run commands in-process. */
export interface CliIO {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Relative paths are resolved from here. */
  cwd: string;
}

/** A mistake in how the command was called: printed with the command's usage, exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/**
 * Splits arguments into positionals and `--flag value` / `--flag=value` / `--switch` options.
 * @param valued Flags that take a value.
 * @param switches Flags that take none.
 */
export function parseArgs(args: readonly string[], valued: readonly string[], switches: readonly string[]): { positionals: string[]; options: Map<string, string | true> } {
  const positionals: string[] = [];
  const options = new Map<string, string | true>();
  for (let index = 0; index < args.length; index++) {
    const arg = args[index]!;
    if (arg === "--") {
      positionals.push(...args.slice(index + 1));
      break;
    }
    if (!arg.startsWith("-") || arg === "-") {
      positionals.push(arg);
      continue;
    }
    const [flag, inline] = arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
    if (valued.includes(flag)) {
      const value = inline ?? args[++index];
      if (value === undefined || value === "") throw new UsageError(`${flag} needs a value.`);
      options.set(flag, value);
    } else if (switches.includes(flag) && inline === undefined) {
      options.set(flag, true);
    } else {
      throw new UsageError(`Unknown option ${arg}.`);
    }
  }
  return { positionals, options };
}
