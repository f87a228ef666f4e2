/**
 * Runs every kind of stub in `functions.ts` once and prints what came back.
 *
 *   node examples/functions/dist/main.js             online if OPENAI_API_KEY / OPENAI_BASE_URL is set, else offline
 *   node examples/functions/dist/main.js --offline   replay the committed recording
 *   node examples/functions/dist/main.js --record    ask the endpoint, record a fresh session
 */
import { configure, LLMStrategyError, withCallOptions, type CallInfo } from "llm-strategy";
import { extractFromEmail, judgeReview, summarize, translate, wordGames, type Contact, type Meeting } from "./functions";
import { exampleModels, OfflineSetupError } from "./models";

const ARTICLE =
  "Ada Lovelace, an English mathematician, wrote what is widely seen as the first computer program in 1843. " +
  "Her notes on Charles Babbage's Analytical Engine described an algorithm to compute Bernoulli numbers. " +
  "She also foresaw that such machines could one day compose music.";

const SENTENCE = "The library opens at nine on Saturdays.";

const REVIEW = "The kettle boils fast and looks lovely on the counter. The lid is a bit stiff, but overall I'm very happy with it.";

const EMAIL = `From: Maria Keller <maria.keller@northwind.example>
Subject: Planning review next week

Hi Tom,

could we meet on 2025-03-12 at 14:30 for the quarterly planning review?
I'd like Priya Shah and Jonas Berg to join as well.

Best regards,
Maria Keller
Northwind Traders
+49 30 1234 5678`;

let failed = 0;

/** Runs one stub call and prints its value, or its error in one line. */
async function show(call: string, what: string, run: () => Promise<unknown>): Promise<void> {
  let info: CallInfo | undefined;
  process.stdout.write(`\n${call}   (${what})\n`);
  try {
    const value = await withCallOptions({ onCall: (call) => (info = call) }, run);
    process.stdout.write(`  → ${JSON.stringify(value)}\n`);
  } catch (error) {
    if (!(error instanceof LLMStrategyError)) throw error;
    failed++;
    process.stdout.write(`  ✖ ${error.name}: ${error.message.replace(/\s*\n\s*/g, " ")}\n`);
  }
  if (info) {
    const source = info.attempts[info.attempts.length - 1]?.source;
    const how = source === "replay" ? "replayed from the recording" : source === "cache" ? "from the cache" : "answered by the model";
    const attempts = info.attempts.length === 1 ? "1 attempt" : `${info.attempts.length} attempts`;
    const generic = info.typeArguments ? `, type arguments ${info.typeArguments}` : "";
    process.stdout.write(`    ${info.model}, ${attempts}, ${how}${generic}\n`);
  }
}

async function main(args: string[]): Promise<void> {
  const models = exampleModels(args, process.env);
  process.stdout.write(`Functions example (llm-strategy): ${models.kind === "replay" ? "OFFLINE, recorded answers" : models.kind} (${models.reason})\n`);

  // The default for every stub without a model of its own: functions, arrows, implement<I>().
  configure({ model: models.model() });
  // An explicit first argument wins over every default.
  const judge = models.model({ temperature: 0 });

  await show(`summarize(article, 20)`, "a function declaration", () => summarize(ARTICLE, 20));
  await show(`translate(sentence, "Spanish")`, "an arrow function", () => translate(SENTENCE, "Spanish"));
  await show(`judgeReview(judge, review)`, "an explicit LanguageModel argument", () => judgeReview(judge, REVIEW));
  await show(`wordGames.rhymes("light")`, "implement<WordGames>()", () => wordGames.rhymes("light"));
  await show(`wordGames.anagram("listen")`, "implement<WordGames>()", () => wordGames.anagram("listen"));
  await show(`extractFromEmail<Contact>(email)`, "a generic stub, specialised at this call", () => extractFromEmail<Contact>(EMAIL));
  await show(`extractFromEmail<Meeting>(email)`, "the same stub with another type argument", () => extractFromEmail<Meeting>(EMAIL));

  await models.flush();
  if (failed) process.exitCode = 1;
}

// `... | head` closing the pipe early is not an error.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code !== "EPIPE") throw error;
  process.exit(0);
});

main(process.argv.slice(2)).catch((error: unknown) => {
  // A missing recording or a setup error says what to do in one line; anything else is a bug: show the stack.
  if (error instanceof LLMStrategyError || error instanceof OfflineSetupError) console.error(`✖ ${error.name}: ${error.message}`);
  else console.error(error);
  process.exitCode = 1;
});
