import { UsageError, type CliCommand, type CliIO } from "./command";
import { buildCommand } from "./commands/build";
import { checkCommand } from "./commands/check";
import { promptsCommand } from "./commands/prompts";
import { tokensCommand } from "./commands/tokens";
import { traceCommand } from "./commands/trace";
import { errorMessage } from "../runtime/util";

/** The subcommands of `llm-strategy` (the README's "Command line"): each a `CliCommand` in `commands/`. */
export const commands: Record<string, CliCommand> = {
  build: buildCommand,
  check: checkCommand,
  prompts: promptsCommand,
  tokens: tokensCommand,
  trace: traceCommand,
};

function help(): string {
  const width = Math.max(...Object.keys(commands).map((name) => name.length));
  const lines = Object.entries(commands).map(([name, command]) => `  ${name.padEnd(width)}  ${command.summary}`);
  return `Usage: llm-strategy <command> [options]\n\nCommands:\n${lines.join("\n")}\n\nRun \`llm-strategy <command> --help\` for a command's options.\n`;
}

/** Runs the command line `args` (without `node` and the script); returns the exit code. */
export async function main(args: string[], io: CliIO): Promise<number> {
  const [name, ...rest] = args;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    (name === undefined ? io.stderr : io.stdout)(help());
    return name === undefined ? 2 : 0;
  }
  const command = commands[name];
  if (!command) {
    io.stderr(`llm-strategy: unknown command "${name}".\n\n${help()}`);
    return 2;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    io.stdout(`Usage: ${command.usage}\n\n${command.summary}\n`);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`llm-strategy ${name}: ${error.message}\nUsage: ${command.usage}\n`);
      return 2;
    }
    io.stderr(`llm-strategy ${name}: ${errorMessage(error)}\n`);
    return 1;
  }
}
