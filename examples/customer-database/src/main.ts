/**
 * The customer database as an interactive terminal program: the model creates mock customers,
 * computes their ages (concurrently), then answers searches in plain words by highlighting rows.
 *
 *   node examples/customer-database/dist/main.js             online if OPENAI_API_KEY / OPENAI_BASE_URL is set, else offline
 *   node examples/customer-database/dist/main.js --offline   replay the committed recording
 *   node examples/customer-database/dist/main.js --record    ask the endpoint, record a fresh session
 *   add --batch: the ages go to the provider's Batch API as one job (half the price, minutes to hours)
 */
import * as readline from "node:readline";
import { batch, LLMStrategyError, RecordingMissError, streamed, type DeepPartial } from "llm-strategy";
import { MockCustomerDatabase, type Customer } from "./customer";
import { customerTable, errorLine, paint, progress, terminalScreen, type AgeCell, type Screen } from "./screen";
import { chooseSession, inSession, OFFLINE_MATCHING, OfflineSetupError, recordedSearchFor, type Session } from "./session";

const USAGE = `Usage: node examples/customer-database/dist/main.js [--offline | --record] [--batch]

  (no flag)   ask the model at OPENAI_BASE_URL (default api.openai.com) with OPENAI_API_KEY and
              OPENAI_MODEL; with neither OPENAI_API_KEY nor OPENAI_BASE_URL set, same as --offline
  --offline   replay the committed recording (recordings/session.json): no network, no key
  --record    ask the model and record a fresh session into recordings/session.json
  --batch     compute the ages as one job of the provider's Batch API (OpenAI: half the price, done
              within 24 hours; polled every BATCH_POLL_MS milliseconds, default 10000); offline,
              the recorded ages are replayed and nothing is sent
`;

const QUIT = new Set(["", "q", "quit", "exit"]);

async function main(args: string[]): Promise<void> {
  if (args.includes("--help") || args.includes("-h")) {
    process.stdout.write(USAGE);
    return;
  }
  const screen = terminalScreen(process.stdout);
  const session = chooseSession(args, process.env);
  banner(screen, session);

  const database = new MockCustomerDatabase();
  database.customers = await createCustomers(screen, session, 10);
  const ages = args.includes("--batch") ? await computeAgesInBatch(screen, session, database.customers) : await computeAges(screen, session, database.customers);
  screen.write(`\n${customerTable(screen, database.customers, ages)}\n`);

  await searchLoop(screen, session, database, ages);
  await session.model?.flush();
  screen.write("Bye.\n");
}

function banner(screen: Screen, session: Session): void {
  screen.write(`${paint.bold(screen, "Customer database")} ${paint.dim(screen, "(llm-strategy example)")}\n`);
  if (session.kind === "replay") {
    screen.write(`${paint.cyan(screen, "OFFLINE: these are recorded answers")} (${session.reason}); no model is asked.\n`);
    screen.write(`Replaying ${session.recordingFile}. Searches available offline:\n`);
    for (const search of session.recordedSearches) screen.write(`  • ${search}\n`);
    screen.write(`${OFFLINE_MATCHING}\n`);
  } else if (session.kind === "record") {
    screen.write(`${paint.cyan(screen, "RECORDING")}: asking ${process.env.OPENAI_BASE_URL ?? "https://api.openai.com/v1"}, every reply is written to ${session.recordingFile}.\n`);
  } else {
    screen.write(`Online: ${session.reason} (model ${process.env.OPENAI_MODEL ?? "gpt-4o-mini"}).\n`);
  }
}

/**
 * The customers stream in: each is listed as soon as the model has written it whole (an item is
 * whole once the next one has begun); on a terminal, the one being written shows below, in place.
 */
async function createCustomers(screen: Screen, session: Session, count: number): Promise<Customer[]> {
  screen.write(`Creating ${count} mock customers…\n`);
  const { partials, result } = streamed(() => MockCustomerDatabase.createMockCustomers(count), session.model ? { model: session.model } : {});
  let listed = 0;
  const clearLine = screen.interactive ? "\r\x1b[2K" : "";
  const list = (customer: DeepPartial<Customer>) =>
    screen.write(`${clearLine}  ${String(++listed).padStart(2)}. ${customer.key}  ${customer.firstName} ${customer.lastName}, born ${customer.birthdate}\n`);
  for await (const partial of partials) {
    while (listed < partial.length - 1) list(partial[listed]!);
    const writing = partial[listed];
    if (screen.interactive && writing) screen.write(`${clearLine}${paint.dim(screen, `  ${String(listed + 1).padStart(2)}. ${writing.key ?? ""}  ${writing.firstName ?? ""} ${writing.lastName ?? ""}…`)}`);
  }
  // Partials are plain data; the result is the validated list of Customer instances.
  const customers = await result;
  while (listed < customers.length) list(customers[listed]!);
  return customers;
}

/** Every customer's `age` stub at once; the progress line counts the answers as they come. */
async function computeAges(screen: Screen, session: Session, customers: Customer[]): Promise<AgeCell[]> {
  let done = 0;
  const started = performance.now();
  progress(screen, "ages", 0, customers.length);
  const { ages, failures } = await inSession(session, () => askAges(customers, () => progress(screen, "ages", ++done, customers.length)));
  summarise(screen, ages, failures, "concurrently", started);
  return ages;
}

/**
 * The same ages through `batch()`: every `age` call is collected and sent as one job of the
 * provider's Batch API; the progress bar follows the calls as the job's answers come back.
 */
async function computeAgesInBatch(screen: Screen, session: Session, customers: Customer[]): Promise<AgeCell[]> {
  const started = performance.now();
  let shown = -1;
  let rounds = 0;
  const pollIntervalMs = Number(process.env.BATCH_POLL_MS) || undefined;
  const { ages, failures } = await batch(() => askAges(customers), {
    ...(session.model ? { model: session.model } : {}),
    ...(pollIntervalMs ? { pollIntervalMs } : {}),
    onProgress: ({ done, round }) => {
      rounds = round;
      if (done === shown) return;
      shown = done;
      progress(screen, "ages", done, customers.length);
    },
  });
  summarise(screen, ages, failures, rounds ? `as one batch job (${rounds} ${rounds === 1 ? "round" : "rounds"})` : "in a batch, all replayed (nothing sent)", started);
  return ages;
}

/** Asks every customer's age at once; a failed call is a "failed" cell and its error is kept. */
async function askAges(customers: Customer[], onAnswer?: () => void): Promise<{ ages: AgeCell[]; failures: Error[] }> {
  const ages: AgeCell[] = customers.map(() => "pending");
  const failures: Error[] = [];
  await Promise.all(
    customers.map(async (customer, index) => {
      try {
        ages[index] = await customer.age;
      } catch (error) {
        if (!(error instanceof LLMStrategyError)) throw error;
        ages[index] = "failed";
        failures.push(error);
      }
      onAnswer?.();
    }),
  );
  return { ages, failures };
}

function summarise(screen: Screen, ages: AgeCell[], failures: Error[], how: string, started: number): void {
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  screen.write(paint.dim(screen, `${ages.length} ages computed ${how} in ${seconds} s\n`));
  if (failures.length) screen.write(`${errorLine(screen, failures[0]!)}\n(${failures.length} of ${ages.length} age calls failed; shown as ?)\n`);
}

async function searchLoop(screen: Screen, session: Session, database: MockCustomerDatabase, ages: AgeCell[]): Promise<void> {
  const interactive = Boolean(process.stdin.isTTY);
  const lines = readline.createInterface({ input: process.stdin, output: process.stdout, terminal: interactive });
  lines.on("SIGINT", () => lines.close());
  lines.setPrompt("search> ");
  screen.write('Search in plain words, e.g. "the customer born in 1990". Quit with q, an empty line or Ctrl-D.\n');
  lines.prompt();
  let quit = false;
  for await (const line of lines) {
    const query = line.trim();
    // Piped input is not echoed by the terminal: echo it, so a transcript reads like a session.
    if (!interactive) screen.write(`${query}\n`);
    if ((quit = QUIT.has(query.toLowerCase()))) break;
    await search(screen, session, database, ages, query);
    lines.prompt();
  }
  lines.close();
  // Ctrl-D (end of input) leaves the cursor after the prompt.
  if (!quit) screen.write("\n");
}

async function search(screen: Screen, session: Session, database: MockCustomerDatabase, ages: AgeCell[], typed: string): Promise<void> {
  const query = session.kind === "replay" ? recordedSearchFor(session, typed) : typed;
  let keys: string[];
  try {
    keys = await inSession(session, () => database.findCustomerKey(query));
  } catch (error) {
    if (error instanceof RecordingMissError && error.reason === "input") {
      screen.write(`${paint.red(screen, `“${typed}” is not in the recording`)}, and offline there is no model to ask it.\n`);
      screen.write("Offline, try one of:\n");
      for (const search of session.recordedSearches) screen.write(`  • ${search}\n`);
      return;
    }
    if (!(error instanceof LLMStrategyError)) throw error;
    screen.write(`${errorLine(screen, error)}\n`);
    return;
  }
  const byKey = new Map(database.customers.map((customer) => [customer.key, customer]));
  const ranks = new Map(keys.filter((key) => byKey.has(key)).map((key, index) => [key, index + 1]));
  screen.write(`\n${customerTable(screen, database.customers, ages, ranks)}`);
  if (ranks.size === 0) screen.write(`No customer matches “${typed}”.\n`);
  else {
    const names = [...ranks.keys()].map((key) => `${key} ${byKey.get(key)!.firstName} ${byKey.get(key)!.lastName}`);
    screen.write(`${ranks.size} ${ranks.size === 1 ? "match" : "matches"} for “${typed}”, best first: ${names.join(", ")}\n`);
  }
  const unknown = keys.filter((key) => !byKey.has(key));
  if (unknown.length) screen.write(paint.dim(screen, `(the model also named keys that are not in the table: ${unknown.join(", ")})\n`));
}

// `... | head` closing the pipe early is not an error.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code !== "EPIPE") throw error;
  process.exit(0);
});

main(process.argv.slice(2)).catch((error: unknown) => {
  // The library's errors and a missing recording say what to do in one line; anything else is a bug: show the stack.
  if (error instanceof LLMStrategyError || error instanceof OfflineSetupError) {
    console.error(errorLine(terminalScreen(process.stderr), error));
  } else {
    console.error(error);
  }
  process.exitCode = 1;
});
