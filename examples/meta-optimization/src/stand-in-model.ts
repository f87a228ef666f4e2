/**
 * A stand-in for a real model: a local OpenAI-compatible chat completions server that plays both
 * of the example's models by rules, from what each request carries (the stub's prompt, its inputs
 * after "Input: "). It exists only to make the committed offline recording on a machine without a
 * model (`record-offline-session.ts`); re-record against a real model for real answers.
 *
 * - The essay writer picks sentences from a small bank per topic: academic or plain ones by the
 *   `style`, as many as fit the `wordBudget`, and adds an everyday example when its instructions
 *   (the prompt's first paragraph) ask for one.
 * - The quiz writer picks the bank's question of the `difficulty` for the subject, with as many
 *   answers as `choices` asks for, and an explanation when its instructions ask for one.
 * - The reflection is a fixed critic per task (it tells them apart by the run's parameters): for
 *   young readers an essay is too long, has too many long words, no everyday example; for
 *   beginners a question is too hard, has too many answers, no explanation. Each problem comes
 *   with the hyperparameter change that fixes it (`Set <field> to <JSON value>: ...`).
 * - The next step, the same for both tasks, takes the best-scoring hyperparameters among the runs
 *   it is sent and applies the fix most of their reflections name, if the request's schema of the
 *   hyperparameters allows it; the summary lists what was tried; the probability of improvement
 *   falls with the number of problems the latest runs still have.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/** The model name the stand-in answers to; it ends up in the recording as `openai:local-stand-in`. */
export const STAND_IN_MODEL = "local-stand-in";

interface ChatRequest {
  model: string;
  messages: { role: string; content: string }[];
  tools?: { function: { name: string } }[];
  response_format?: { type: string; json_schema?: { name?: string; schema?: unknown } };
}

interface EssayTopic {
  topic: string;
  audience: string;
}

interface QuizTopic {
  subject: string;
  learner: string;
}

type Topic = EssayTopic | QuizTopic;

/** Either task's hyperparameters: the instructions and fields the optimizer sets by name. */
type Hyperparameters = { instructions: string } & Record<string, unknown>;

interface Reflection {
  feedback: string;
  evaluation: string;
  hyperparameterSuggestion: string;
  hyperparameterMissing: string;
}

interface TaskInfo {
  taskParameters: Topic;
  hyperparameters: Hyperparameters;
  reflection: Reflection;
}

interface OptimizationInfo {
  olderTaskSummary: string | null;
  taskInfos: TaskInfo[];
  bestHyperparameters: Hyperparameters;
}

interface TaskRun<P = Topic, R = unknown> {
  taskParameters: P;
  hyperparameters: Hyperparameters;
  returnValue: R | null;
  exception: string | string[] | null;
}

interface Essay {
  title: string;
  text: string;
}

interface QuizQuestion {
  question: string;
  choices: string[];
  answer: number;
  explanation: string;
}

interface Bank {
  titles: { academic: string; plain: string };
  academic: string[];
  plain: string[];
  example: string;
}

const BANKS: Record<string, Bank> = {
  "why the sky is blue": {
    titles: { academic: "On the Blue Colour of the Daytime Sky", plain: "Why Is the Sky Blue?" },
    academic: [
      "The characteristic blue colouration of the daytime sky is a consequence of the interaction between sunlight and the molecules of the atmosphere.",
      "Sunlight, although it appears white, comprises a continuous spectrum of wavelengths, each of which corresponds to a particular perceived colour.",
      "When this radiation traverses the atmosphere, it encounters nitrogen and oxygen molecules considerably smaller than the wavelengths of visible light.",
      "Such particles scatter incoming light in all directions, a phenomenon described quantitatively by Lord Rayleigh in the nineteenth century.",
      "Crucially, the intensity of this scattering is inversely proportional to the fourth power of the wavelength.",
      "Consequently, shorter blue wavelengths are scattered approximately five times more strongly than longer red wavelengths.",
      "An observer therefore perceives scattered blue light arriving from every region of the sky, irrespective of the position of the sun.",
      "Violet light is scattered even more intensely, yet sunlight contains comparatively little violet and human vision is less sensitive to it.",
      "At sunrise and sunset, sunlight traverses a substantially longer atmospheric path, which removes most blue light and leaves the reds and oranges.",
    ],
    plain: [
      "Sunlight looks white, but it is really a mix of all the colours of the rainbow.",
      "On its way to us, that light has to pass through the air.",
      "Air is made of tiny bits, far too small to see.",
      "When light hits these bits, some of it bounces off in all directions.",
      "Blue light bounces around much more than red or yellow light does.",
      "So blue light reaches our eyes from every part of the sky.",
      "That is why the sky looks blue on a sunny day.",
      "In the evening the light takes a longer path through the air, and most of the blue gets lost on the way.",
      "That leaves the red and orange light we see at sunset.",
    ],
    example: "For example, shine a torch through a glass of water with a few drops of milk in it: from the side, the water looks a little blue.",
  },
  "how bees make honey": {
    titles: { academic: "The Production of Honey by the Western Honey Bee", plain: "How Bees Make Honey" },
    academic: [
      "Honey production in the western honey bee is a collective process that transforms floral nectar into a concentrated and durable food reserve.",
      "Forager bees collect nectar, an aqueous sugar solution secreted by flowers, and store it temporarily in a specialised organ termed the honey stomach.",
      "During transport, enzymes such as invertase begin hydrolysing sucrose into the simpler sugars glucose and fructose.",
      "Upon returning to the hive, foragers transfer the nectar to younger workers through a behaviour known as trophallaxis.",
      "These workers continue the enzymatic processing and deposit the solution into hexagonal wax cells within the comb.",
      "The colony subsequently reduces the water content from approximately seventy percent to below twenty percent by fanning their wings.",
      "This evaporation produces a supersaturated solution whose low water activity inhibits the growth of bacteria and fungi.",
      "Once sufficiently concentrated, the cells are sealed with a protective layer of beeswax, preserving the honey for consumption during winter.",
      "A single colony may thereby accumulate considerably more honey than it requires, a surplus that beekeepers have harvested for millennia.",
    ],
    plain: [
      "Bees make honey from a sweet juice called nectar, which they find inside flowers.",
      "A bee sucks up the nectar with its long tongue and keeps it in a special stomach.",
      "Back at the hive, it passes the nectar to other bees, mouth to mouth.",
      "Those bees chew it for a while, which slowly turns it into honey.",
      "Then they put it into the little six-sided wax cells of the honeycomb.",
      "The honey is still too runny, so the bees fan it with their wings to dry it out.",
      "When it is thick enough, they close each cell with a wax lid.",
      "The honey keeps for months, so the bees have food all winter.",
      "Bees make more than they need, and that extra honey is what ends up on our toast.",
    ],
    example: "For example, one spoonful of honey is about all that twelve bees make in their whole lives.",
  },
};

/** A question per difficulty: its right answer first among the answers, then wrong ones. */
interface QuizBank {
  easy: QuizEntry;
  medium: QuizEntry;
  hard: QuizEntry;
}

interface QuizEntry {
  question: string;
  answers: string[];
  explanation: string;
}

const QUIZ_BANKS: Record<string, QuizBank> = {
  "adding fractions": {
    easy: {
      question: "What is 1/4 + 1/4?",
      answers: ["2/4, which is 1/2", "2/8", "1/8", "1/16", "4/4", "1/2 + 1/2"],
      explanation: "Both fractions count quarters, so add the tops: one quarter and one quarter make two quarters, which is one half.",
    },
    medium: {
      question: "What is 1/2 + 1/4?",
      answers: ["3/4", "2/6", "1/6", "2/4", "1/8", "3/6"],
      explanation: "One half is two quarters; two quarters and one quarter make three quarters.",
    },
    hard: {
      question: "What is 2/3 + 3/5, as a mixed number in lowest terms?",
      answers: ["1 4/15", "5/8", "1 1/3", "19/15 + 0", "6/15", "1 2/5"],
      explanation: "With the common denominator 15, 2/3 is 10/15 and 3/5 is 9/15; together 19/15, which is 1 4/15.",
    },
  },
  "the water cycle": {
    easy: {
      question: "What falls from clouds when they are full of water?",
      answers: ["Rain", "Sand", "Leaves", "Smoke", "Sunlight", "Wind"],
      explanation: "Clouds are made of tiny water drops; when the drops grow heavy they fall as rain.",
    },
    medium: {
      question: "What do we call water turning into vapour when the sun warms it?",
      answers: ["Evaporation", "Condensation", "Freezing", "Melting", "Raining", "Flowing"],
      explanation: "Warmth makes water rise into the air as vapour: that is evaporation.",
    },
    hard: {
      question: "Which process returns water vapour from plant leaves to the atmosphere?",
      answers: ["Transpiration", "Condensation", "Infiltration", "Precipitation", "Sublimation", "Percolation"],
      explanation: "Plants draw water up from their roots and release it as vapour through their leaves: transpiration.",
    },
  },
};

/** What the critic asks of a question for beginners. */
const BEGINNERS = { difficulty: "easy", choices: 3, explanation: "Explain why the right answer is right." };

/** What the critic asks of an essay for young readers. */
const YOUNG_READERS = { maxWords: 130, wordBudget: 120, maxLongWordShare: 0.1, style: "plain", example: "Include one everyday example the audience knows." };

function countWords(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

function bankFor(topic: string): Bank {
  const bank = BANKS[topic.trim().toLowerCase()];
  if (!bank) throw new Error(`the stand-in can only write about: ${Object.keys(BANKS).join("; ")} (asked for "${topic}")`);
  return bank;
}

/** The essay writer: sentences of the style, as many as the budget holds, the example first if asked for. */
function writeEssay(instructions: string, input: { topic: string; wordBudget: number; style: string }): Essay {
  const bank = bankFor(input.topic);
  const academic = /academic|formal|scholarly/i.test(input.style);
  const pool = academic ? bank.academic : bank.plain;
  const wantsExample = /example/i.test(instructions);
  const chosen: string[] = [];
  let used = wantsExample ? countWords(bank.example) : 0;
  for (const sentence of pool) {
    if (chosen.length >= 2 && used + countWords(sentence) > input.wordBudget) break;
    chosen.push(sentence);
    used += countWords(sentence);
  }
  if (wantsExample) chosen.splice(Math.min(3, chosen.length), 0, bank.example);
  const paragraphs: string[] = [];
  for (let at = 0; at < chosen.length; at += 3) paragraphs.push(chosen.slice(at, at + 3).join(" "));
  return { title: academic ? bank.titles.academic : bank.titles.plain, text: paragraphs.join("\n\n") };
}

/** The quiz writer: the bank's question of the difficulty, with `choices` answers (the right one second), explained if asked to. */
function writeQuizQuestion(instructions: string, input: { subject: string; choices: number; difficulty: string }): QuizQuestion {
  const bank = QUIZ_BANKS[input.subject.trim().toLowerCase()];
  if (!bank) throw new Error(`the stand-in can only ask about: ${Object.keys(QUIZ_BANKS).join("; ")} (asked for "${input.subject}")`);
  const entry = bank[input.difficulty as keyof QuizBank] ?? bank.medium;
  const [right, ...wrong] = entry.answers;
  const choices = wrong.slice(0, Math.max(1, Math.min(input.choices, entry.answers.length) - 1));
  const answer = Math.min(1, choices.length);
  choices.splice(answer, 0, right!);
  return { question: entry.question, choices, answer, explanation: /explain/i.test(instructions) ? entry.explanation : "" };
}

/** The reflection on a failed run, for either task. */
function failed(run: TaskRun, missing: string): Reflection {
  const exception = Array.isArray(run.exception) ? run.exception.join(" ") : String(run.exception);
  return {
    feedback: `There is no result: the task failed (${exception}).`,
    evaluation: "Score: 0/10. Problems: the task failed.",
    hyperparameterSuggestion: "None that would fix a failure; run the task again.",
    hyperparameterMissing: missing,
  };
}

/** The reflection's score, evaluation and suggestion from the problems found, each with its fix. */
function verdict(problems: string[], fixes: string[]): Pick<Reflection, "evaluation" | "hyperparameterSuggestion"> {
  const score = [9, 7, 5, 3][problems.length]!;
  return {
    evaluation: `Score: ${score}/10. Problems: ${problems.length ? problems.join("; ") : "none"}.`,
    hyperparameterSuggestion: fixes.length ? fixes.join(" ") : "None: keep these hyperparameters.",
  };
}

/** The quiz critic for beginners: too hard, too many answers to choose from, no explanation. */
function reflectOnQuiz(run: TaskRun<QuizTopic, QuizQuestion>): Reflection {
  const missing = "The kind of question (a sum, a word, a picture) is not a hyperparameter. Neither is where the right answer stands among the choices.";
  if (!run.returnValue) return failed(run, missing);
  const { question, choices, explanation } = run.returnValue;
  const learner = run.taskParameters.learner;
  const beginners = /new to|beginner/i.test(learner);
  const problems: string[] = [];
  const fixes: string[] = [];
  if (beginners && run.hyperparameters.difficulty !== BEGINNERS.difficulty) {
    problems.push(`too hard ("${question}" asks more than ${learner} know)`);
    fixes.push(`Set difficulty to "${BEGINNERS.difficulty}": ${learner} need to get the first questions right.`);
  }
  if (beginners && choices.length > BEGINNERS.choices) {
    problems.push(`too many answers (${choices.length} to choose from)`);
    fixes.push(`Set choices to ${BEGINNERS.choices}: ${learner} guess among long lists.`);
  }
  if (beginners && !explanation.trim()) {
    problems.push("no explanation");
    fixes.push(`Add to the instructions: "${BEGINNERS.explanation}"`);
  }
  return {
    feedback:
      `The question "${question}" offers ${choices.length} answers about ${run.taskParameters.subject.toLowerCase()}. ` +
      (problems.length ? `For ${learner} it has these problems: ${problems.map((problem) => problem.replace(/ \(.*\)$/, "")).join(", ")}.` : `It suits ${learner}.`),
    ...verdict(problems, fixes),
    hyperparameterMissing: missing,
  };
}

/** The critic: problems of a run, each with the change that fixes it. The quiz's parameters have a `subject`. */
function reflect(run: TaskRun): Reflection {
  return "subject" in run.taskParameters ? reflectOnQuiz(run as TaskRun<QuizTopic, QuizQuestion>) : reflectOnEssay(run as TaskRun<EssayTopic, Essay>);
}

/** The essay critic for young readers. */
function reflectOnEssay(run: TaskRun<EssayTopic, Essay>): Reflection {
  const missing = "The reading level is not a hyperparameter: the writer has to guess it from the audience. Neither is the essay's structure (paragraphs, a closing question).";
  if (!run.returnValue) return failed(run, missing);
  const { title, text } = run.returnValue;
  const young = /year-olds|children|kids/i.test(run.taskParameters.audience);
  const words = text.split(/\s+/).map((word) => word.replace(/[^A-Za-z-]/g, "")).filter(Boolean);
  const long = words.filter((word) => word.length >= 9);
  const longShare = long.length / words.length;
  const hasExample = /\bfor example\b|\bfor instance\b/i.test(text);
  const paragraphs = text.split(/\n\s*\n/).length;

  const problems: string[] = [];
  const fixes: string[] = [];
  if (young && words.length > YOUNG_READERS.maxWords) {
    problems.push(`too long (${words.length} words, about ${YOUNG_READERS.wordBudget} suit ${run.taskParameters.audience})`);
    fixes.push(`Set wordBudget to ${YOUNG_READERS.wordBudget}: ${run.taskParameters.audience} lose interest in longer texts.`);
  }
  if (young && longShare > YOUNG_READERS.maxLongWordShare) {
    const examples = [...new Set(long.map((word) => word.toLowerCase()))].slice(0, 3).map((word) => `"${word}"`).join(", ");
    problems.push(`too many long words (${Math.round(longShare * 100)}% have nine letters or more, e.g. ${examples})`);
    fixes.push(`Set style to "${YOUNG_READERS.style}": short everyday words suit ${run.taskParameters.audience}.`);
  }
  if (young && !hasExample) {
    problems.push("no everyday example");
    fixes.push(`Add to the instructions: "${YOUNG_READERS.example}"`);
  }
  return {
    feedback:
      `The essay "${title}" has ${words.length} words in ${paragraphs} paragraphs and explains ${run.taskParameters.topic.toLowerCase()}. ` +
      (problems.length ? `For ${run.taskParameters.audience} it is ${problems.map((problem) => problem.replace(/ \(.*\)$/, "")).join(", ")}.` : `It suits ${run.taskParameters.audience}.`),
    ...verdict(problems, fixes),
    hyperparameterMissing: missing,
  };
}

function scoreOf(info: TaskInfo): number {
  return Number(/Score: (\d+)\/10/.exec(info.reflection.evaluation)?.[1] ?? 0);
}

function problemsOf(info: TaskInfo): string[] {
  const list = /Problems: (.*)\.$/s.exec(info.reflection.evaluation)?.[1] ?? "";
  return list === "none" ? [] : list.split("; ").map((problem) => problem.replace(/ \(.*\)$/s, ""));
}

/** Runs grouped by their hyperparameters, in the order first seen, with the mean score. */
function groups(infos: TaskInfo[]): { hyperparameters: Hyperparameters; infos: TaskInfo[]; score: number }[] {
  const byKey = new Map<string, { hyperparameters: Hyperparameters; infos: TaskInfo[]; score: number }>();
  for (const info of infos) {
    const key = JSON.stringify(Object.entries(info.hyperparameters).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    const group = byKey.get(key) ?? { hyperparameters: info.hyperparameters, infos: [], score: 0 };
    group.infos.push(info);
    byKey.set(key, group);
  }
  for (const group of byKey.values()) group.score = group.infos.reduce((sum, info) => sum + scoreOf(info), 0) / group.infos.length;
  return [...byKey.values()];
}

/** The best group; on a tie the later one (the newer experiment). */
function best(info: OptimizationInfo) {
  const all = groups(info.taskInfos);
  return all.reduce((a, b) => (b.score >= a.score ? b : a));
}

/** `wordBudget 400, style "academic", instructions "..."`: every field, the instructions last. */
function describe(hyperparameters: Hyperparameters): string {
  const fields = Object.entries(hyperparameters).filter(([key]) => key !== "instructions");
  return [...fields.map(([key, value]) => `${key} ${JSON.stringify(value)}`), `instructions "${hyperparameters.instructions}"`].join(", ");
}

function score(value: number): string {
  return `${Number.isInteger(value) ? value : value.toFixed(1)}/10`;
}

type Schema = { $ref?: string; type?: string | string[]; enum?: unknown[]; minimum?: number; maximum?: number; properties?: Record<string, Schema> } & Record<string, unknown>;

/** The schema of the hyperparameters in a `suggestNextOptimizationStep` request: its reply's `bestHyperparameters`. */
function hyperparameterSchema(chat: ChatRequest): Schema {
  const root = chat.response_format?.json_schema?.schema as Schema | undefined;
  const resolve = (schema: Schema | undefined): Schema | undefined => {
    const ref = schema?.$ref;
    if (!ref) return schema;
    // `#/$defs/Name` or `#/definitions/Name`
    const [, holder, name] = /^#\/(\$defs|definitions)\/(.+)$/.exec(ref) ?? [];
    return resolve((root?.[holder!] as Record<string, Schema> | undefined)?.[name!]);
  };
  const schema = resolve(resolve(root)?.properties?.bestHyperparameters);
  if (!schema?.properties) throw new Error("the stand-in needs the reply schema of suggestNextOptimizationStep (structured output) to know the task's hyperparameters");
  return schema;
}

/** Whether the hyperparameters' schema lets `field` be `value`: the field exists, the value has its type, enum and bounds. */
function allows(schema: Schema, field: string, value: unknown): boolean {
  const property = schema.properties?.[field];
  if (!property) return false;
  const types = [property.type ?? []].flat();
  if (types.length && !types.includes(typeof value === "number" ? (Number.isInteger(value) && types.includes("integer") ? "integer" : "number") : typeof value)) return false;
  if (property.enum && !property.enum.includes(value)) return false;
  if (typeof value === "number" && ((property.minimum !== undefined && value < property.minimum) || (property.maximum !== undefined && value > property.maximum))) return false;
  return true;
}

/**
 * The change most of these runs' reflections ask for (ties: the one they name first), applied to
 * their hyperparameters: `Set <field> to <JSON value>: ...` or `Add to the instructions: "..."`.
 * A change the hyperparameters' schema does not allow is skipped.
 */
function nextChange(group: { hyperparameters: Hyperparameters; infos: TaskInfo[] }, schema: Schema): { hyperparameters: Hyperparameters; change: string } | undefined {
  // By what they change (the reasons differ by audience), in the order first named.
  const changes = new Map<string, { change: string; count: number; apply: (h: Hyperparameters) => Hyperparameters }>();
  for (const info of group.infos) {
    for (const match of info.reflection.hyperparameterSuggestion.matchAll(/Set (\w+) to ("[^"]*"|-?\d+(?:\.\d+)?):[^.]*\.|Add to the instructions: "([^"]+)"/g)) {
      const [change, field, json, addition] = match;
      const value: unknown = json === undefined ? undefined : JSON.parse(json);
      if (field !== undefined && !allows(schema, field, value)) continue;
      const key = field !== undefined ? `${field}=${json}` : `instructions+=${addition}`;
      const apply = addition !== undefined ? (h: Hyperparameters) => ({ ...h, instructions: `${h.instructions} ${addition}` }) : (h: Hyperparameters) => ({ ...h, [field!]: value });
      const seen = changes.get(key);
      changes.set(key, { change: seen?.change ?? change, count: (seen?.count ?? 0) + 1, apply });
    }
  }
  let wanted: { change: string; count: number; apply: (h: Hyperparameters) => Hyperparameters } | undefined;
  for (const candidate of changes.values()) if (!wanted || candidate.count > wanted.count) wanted = candidate;
  return wanted && { hyperparameters: wanted.apply(group.hyperparameters), change: wanted.change };
}

function suggestNextStep(info: OptimizationInfo, schema: Schema) {
  const top = best(info);
  const topics = [...new Map(info.taskInfos.map((task) => [JSON.stringify(task.taskParameters), task.taskParameters])).values()];
  const next = nextChange(top, schema);
  const problems = [...new Set(top.infos.flatMap(problemsOf))];
  const steps = [
    `1. The best runs so far used ${describe(top.hyperparameters)} and scored ${score(top.score)} over ${top.infos.length} run${top.infos.length === 1 ? "" : "s"}.`,
    problems.length ? `2. Their reflections name: ${problems.join(", ")}.` : "2. Their reflections name no problem.",
    next
      ? `3. Change one thing at a time, so the next runs show whether it helped: ${next.change}`
      : "3. Nothing is left that these hyperparameters can change; run the best ones again.",
    `4. Try it on the same ${topics.length} topic${topics.length === 1 ? "" : "s"}.`,
  ];
  return {
    bestHyperparameters: top.hyperparameters,
    suggestion: steps.join(" "),
    taskParametersSuggestions: topics,
    hyperparameterSuggestions: [next?.hyperparameters ?? top.hyperparameters],
  };
}

function summarize(info: OptimizationInfo): string {
  const lines = groups(info.taskInfos).map((group) => {
    const problems = [...new Set(group.infos.flatMap(problemsOf))];
    return `Tried ${describe(group.hyperparameters)}: ${score(group.score)} (${problems.length ? problems.join(", ") : "no problems"}).`;
  });
  return [info.olderTaskSummary ?? "", ...lines].filter(Boolean).join(" ");
}

function probability(info: OptimizationInfo): { considerations: string[]; probability: number } {
  const all = groups(info.taskInfos);
  const latest = all[all.length - 1]!;
  const earlier = all.slice(0, -1);
  const problems = [...new Set(latest.infos.flatMap(problemsOf))];
  const considerations = [
    earlier.length
      ? `The latest runs scored ${score(latest.score)}; the best earlier runs among the recent ones scored ${score(Math.max(...earlier.map((group) => group.score)))}.`
      : `The latest runs scored ${score(latest.score)}.`,
    problems.length
      ? `Their reflections still name ${problems.length} problem${problems.length === 1 ? "" : "s"} a hyperparameter can fix: ${problems.join(", ")}.`
      : "Their reflections name no problem a hyperparameter can fix.",
  ];
  if (!problems.length) considerations.push("What is left to improve is not a hyperparameter (see the reflections' missing hyperparameters).");
  return { considerations, probability: problems.length >= 2 ? 0.8 : problems.length === 1 ? 0.65 : 0.15 };
}

/** The reply value for one request. */
function answer(chat: ChatRequest): unknown {
  const prompt = [...chat.messages].reverse().find((message) => message.role === "user")!.content;
  // `function writeEssay(...)`, `static reflectOnTaskRun(...)`: the stub is named in its signature line; a request
  // that carries the schema may leave the signature out and names the stub in the schema or tool instead.
  const stub = /^(?:function|static) (\w+)\(/m.exec(prompt)?.[1] ?? chat.response_format?.json_schema?.name ?? chat.tools?.[0]?.function.name;
  const line = prompt.split("\n").find((text) => text.startsWith("Input: "));
  if (!stub || !line) throw new Error("the stand-in answers only the example's stubs");
  const input = JSON.parse(line.slice("Input: ".length)) as Record<string, unknown>;
  switch (stub) {
    case "writeEssay": {
      // The instructions are the prompt's first paragraph (the stub's doc text, a hyperparameter).
      const instructions = prompt.split("\n\n")[0]!;
      return writeEssay(instructions, input as { topic: string; wordBudget: number; style: string });
    }
    case "reflectOnTaskRun":
      return reflect(input.taskRun as TaskRun);
    case "writeQuizQuestion":
      return writeQuizQuestion(prompt.split("\n\n")[0]!, input as { subject: string; choices: number; difficulty: string });
    case "suggestNextOptimizationStep":
      return suggestNextStep(input.optimizationInfo as OptimizationInfo, hyperparameterSchema(chat));
    case "summarizeOptimizationInfo":
      return { value: summarize(input.optimizationInfo as OptimizationInfo) };
    case "probabilityForImprovement":
      return probability(input.optimizationInfo as OptimizationInfo);
    default:
      throw new Error(`the stand-in does not know the stub ${stub}`);
  }
}

/** Starts the stand-in on 127.0.0.1 (a free port). `baseURL` ends in `/v1`, as OPENAI_BASE_URL wants. */
export async function startStandInModel(): Promise<{ baseURL: string; requests: number; close(): Promise<void> }> {
  const state = { requests: 0 };
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      let status = 200;
      let body: unknown;
      try {
        if (request.method !== "POST" || request.url !== "/v1/chat/completions") throw Object.assign(new Error(`no route ${request.method} ${request.url}`), { status: 404 });
        const chat = JSON.parse(Buffer.concat(chunks).toString("utf8")) as ChatRequest;
        state.requests++;
        body = completion(chat, JSON.stringify(answer(chat)));
      } catch (error) {
        status = (error as { status?: number }).status ?? 400;
        body = { error: { message: (error as Error).message, type: "invalid_request_error" } };
      }
      const text = JSON.stringify(body);
      response.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
      response.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    get requests() {
      return state.requests;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/** A chat completion as OpenAI sends it; a tool call when the request offered tools. Token counts are estimates (4 characters a token). */
function completion(chat: ChatRequest, text: string): Record<string, unknown> {
  const tool = chat.tools?.[0]?.function.name;
  const message = tool
    ? { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: tool, arguments: text } }] }
    : { role: "assistant", content: text, refusal: null };
  const promptTokens = Math.ceil(chat.messages.reduce((sum, message) => sum + message.content.length, 0) / 4);
  const completionTokens = Math.ceil(text.length / 4);
  return {
    id: "chatcmpl-stand-in",
    object: "chat.completion",
    created: 0,
    model: chat.model,
    choices: [{ index: 0, message, finish_reason: tool ? "tool_calls" : "stop", logprobs: null }],
    usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
  };
}
