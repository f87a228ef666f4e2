import { configure, openAI, scriptedModel, type CallInfo, type CompletionRequest } from "../../runtime";
import { compile, type CompileResult } from "../helpers/compile";
import { replyJson, startOpenAIServer, type OpenAIServer, type ReceivedRequest } from "../helpers/openai-server";

// Each test builds a Program with the runtime's types and the real analyser: seconds on a loaded machine.
jest.setTimeout(120_000);

/**
 * Generic helpers: code that is not a stub but calls generic stubs with its own type
 * parameters. The optimiser's loop (`optimise`) calls `optimizer.step`, which calls the stubs
 * through `this`: two levels between the concrete types and the stubs.
 */
const optimizerFiles = {
  "src/optimizer.ts": `import { stub } from "llm-strategy";
export interface TaskRun<P, R> { parameters: P; result: R; score: number }
export interface Reflection<P> { analysis: string; nextParameters: P }
export class LLMOptimizer<P, R, H> {
  constructor(public hyperparameters: H) {}
  /** Reflect on the task run: what worked, and which parameters to try next. */
  reflect(run: TaskRun<P, R>): Promise<Reflection<P>> { return stub(); }
  /** Suggest the parameters of the next run from the reflections so far. */
  suggest(reflections: Reflection<P>[]): Promise<P> { return stub(); }
  async step(run: TaskRun<P, R>): Promise<P> {
    const reflection = await this.reflect(run);
    return this.suggest([reflection]);
  }
}
`,
  "src/loop.ts": `import type { LLMOptimizer, TaskRun } from "./optimizer";
/** One optimisation loop for any task. */
export async function optimise<P, R, H>(optimizer: LLMOptimizer<P, R, H>, run: (parameters: P) => TaskRun<P, R>, start: P, rounds: number): Promise<P> {
  let parameters = start;
  for (let round = 0; round < rounds; round++) parameters = await optimizer.step(run(parameters));
  return parameters;
}
/** The same loop, written recursively. */
export async function optimiseRecursively<P, R, H>(optimizer: LLMOptimizer<P, R, H>, run: (parameters: P) => TaskRun<P, R>, start: P, rounds: number): Promise<P> {
  if (rounds === 0) return start;
  const next = await optimizer.step(run(start));
  return optimiseRecursively(optimizer, run, next, rounds - 1);
}
`,
  "src/main.ts": `import { LLMOptimizer, type TaskRun } from "./optimizer";
import { optimise, optimiseRecursively } from "./loop";
export interface EssayParams { topic: string; tone: string }
export interface EssayHyper { temperature: number }
export interface QuizParams { questions: number; difficulty: "easy" | "hard" }
export interface QuizHyper { maxQuestions: number }
export const essayOptimizer = new LLMOptimizer<EssayParams, string, EssayHyper>({ temperature: 0.5 });
export const quizOptimizer = new LLMOptimizer<QuizParams, number[], QuizHyper>({ maxQuestions: 9 });
const essayRun = (parameters: EssayParams): TaskRun<EssayParams, string> => ({ parameters, result: "An essay on " + parameters.topic, score: 3 });
const quizRun = (parameters: QuizParams): TaskRun<QuizParams, number[]> => ({ parameters, result: [1, 2], score: 5 });
/** Type arguments inferred from the arguments. */
const essayStart: EssayParams = { topic: "tea", tone: "dry" };
export const optimiseEssay = () => optimise(essayOptimizer, essayRun, essayStart, 1);
/** Type arguments written out. */
export const optimiseQuiz = () => optimise<QuizParams, number[], QuizHyper>(quizOptimizer, quizRun, { questions: 3, difficulty: "easy" }, 1);
/** From the receiver's type alone. */
export const stepQuiz = () => quizOptimizer.step(quizRun({ questions: 4, difficulty: "hard" }));
/** Recursion. */
export const optimiseEssayRecursively = () => optimiseRecursively(essayOptimizer, essayRun, essayStart, 2);
`,
};

let built: CompileResult | undefined;
const build = (): CompileResult => {
  if (built) return built;
  const result = compile({ files: optimizerFiles });
  expect(result.compilerErrors).toEqual([]);
  expect(result.diagnostics).toEqual([]);
  return (built = result);
};

let restore: ReturnType<typeof configure> | undefined;
afterEach(() => {
  if (restore) configure(restore);
  restore = undefined;
});

test("each helper is compiled once and reads its table on entry; call sites pass the table of their types", () => {
  const result = build();
  const optimizer = result.js("src/optimizer.ts");
  expect(optimizer).toContain('const __llmStrategyTypes_step = __llmStrategy.helperTypes("src/optimizer.ts:10 LLMOptimizer.step");');
  expect(optimizer).toContain("await __llmStrategy.callSpecialized(__llmStrategyTypes_step.calls.reflect, this, this.reflect, [run]);");
  expect(optimizer).toContain("return __llmStrategy.callSpecialized(__llmStrategyTypes_step.calls.suggest, this, this.suggest, [[reflection]]);");
  const loop = result.js("src/loop.ts");
  expect(loop.match(/async function optimise\(/g)).toHaveLength(1);
  expect(loop).toContain("__llmStrategy.callSpecialized(__llmStrategyTypes_optimise.calls.step, _a, _a.step, [run(parameters)])");
  expect(loop).toContain("__llmStrategy.callSpecialized(__llmStrategyTypes_optimiseRecursively.calls.optimiseRecursively, void 0, optimiseRecursively, [optimizer, run, next, rounds - 1])");

  const main = result.js("src/main.ts");
  // One table per helper and type arguments; the essay's `step` table is shared by both loops.
  expect(main).toMatch(/typeArguments: "<EssayParams, string, EssayHyper>",\s*calls: \{ reflect: __llmStrategySpec_LLMOptimizer_reflect(_\d)?, suggest: __llmStrategySpec_LLMOptimizer_suggest(_\d)? \}/);
  expect(main.match(/id: "src\/optimizer.ts:10 LLMOptimizer.step"/g)).toHaveLength(2);
  expect(main.match(/id: "src\/loop.ts:3 optimise"/g)).toHaveLength(2);
  // Recursion meets its own table.
  expect(main).toMatch(/__llmStrategyHelper_optimiseRecursively\.calls\.optimiseRecursively = __llmStrategyHelper_optimiseRecursively;/);
  expect(main).toContain("__llmStrategy.callSpecialized(__llmStrategyHelper_optimise_2, void 0, loop_1.optimise, [exports.quizOptimizer, quizRun,");
});

/** Which task a request is for, from the reply schema it carries (the concrete parameter type's properties). */
function taskOf(request: ReceivedRequest): "essay" | "quiz" | "unknown" {
  const schema = JSON.stringify(request.body.response_format?.json_schema?.schema ?? {});
  const essay = schema.includes('"tone"') && schema.includes('"topic"');
  const quiz = schema.includes('"difficulty"') && schema.includes('"questions"');
  return essay && !quiz ? "essay" : quiz && !essay ? "quiz" : "unknown";
}

function inputOf(request: ReceivedRequest): { this?: { hyperparameters?: unknown }; run?: { parameters: unknown }; reflections?: unknown[] } {
  const prompt = request.body.messages.map((message) => message.content).join("\n");
  const line = prompt.split("\n").find((text) => text.startsWith("Input: "));
  return JSON.parse(line!.slice("Input: ".length));
}

describe("against the local server", () => {
  let server: OpenAIServer;
  const received: ReceivedRequest[] = [];
  beforeAll(async () => {
    server = await startOpenAIServer((request) => {
      received.push(request);
      const prompt = request.body.messages[0]!.content;
      const task = taskOf(request);
      const repairing = request.body.messages.length > 2;
      if (prompt.startsWith("Reflect")) {
        const next = task === "essay" ? { topic: "green tea", tone: "dry" } : { questions: 5, difficulty: "hard" };
        return replyJson(request, { analysis: `a ${task} run`, nextParameters: next });
      }
      // `suggest` for the quiz first answers with the essay's shape: the quiz's schema must reject it.
      if (task === "quiz" && !repairing) return replyJson(request, { topic: "green tea", tone: "dry" });
      return replyJson(request, task === "essay" ? { topic: "oolong", tone: "dry" } : { questions: 6, difficulty: "hard" });
    });
  });
  afterAll(async () => {
    await server.close();
  });
  beforeEach(() => {
    received.length = 0;
  });

  const useServer = (calls: CallInfo[]): void => {
    restore = configure({
      model: openAI({ baseURL: server.baseURL, apiKey: "test-key", model: "local-model", mode: "structured", maxRetries: 0 }),
      onCall: (info) => calls.push(info),
    });
  };

  test("a helper two levels deep sends each task's own schemas, and a reply of the other task's shape is repaired", async () => {
    const main = build().load<{ optimiseEssay(): Promise<unknown>; optimiseQuiz(): Promise<unknown> }>("src/main.ts");
    const calls: CallInfo[] = [];
    useServer(calls);

    expect(await main.optimiseEssay()).toEqual({ topic: "oolong", tone: "dry" });
    expect(received.map(taskOf)).toEqual(["essay", "essay"]);
    // The receiver's data (`this`) is sent with its concrete type too.
    expect(inputOf(received[0]!).this).toEqual({ hyperparameters: { temperature: 0.5 } });
    expect(calls.map((call) => call.typeArguments)).toEqual(["<EssayParams, string, EssayHyper>", "<EssayParams, string, EssayHyper>"]);

    received.length = 0;
    calls.length = 0;
    expect(await main.optimiseQuiz()).toEqual({ questions: 6, difficulty: "hard" });
    expect(received.map(taskOf)).toEqual(["quiz", "quiz", "quiz"]);
    const suggest = calls[1]!;
    expect(suggest.stub).toBe("src/optimizer.ts:9 LLMOptimizer.suggest");
    expect(suggest.attempts).toHaveLength(2);
    expect(suggest.attempts[0]!.reply).toBe('{"topic":"green tea","tone":"dry"}');
    expect(suggest.attempts[0]!.errors.join("\n")).toMatch(/questions|difficulty|additional/);
    // The quiz's reflections are sent with the quiz's schema of `nextParameters`.
    expect(inputOf(received[1]!).reflections).toEqual([{ analysis: "a quiz run", nextParameters: { questions: 5, difficulty: "hard" } }]);
  });

  test("a method called on a receiver of a concrete type, and a recursive helper", async () => {
    const main = build().load<{ stepQuiz(): Promise<unknown>; optimiseEssayRecursively(): Promise<unknown> }>("src/main.ts");
    useServer([]);
    expect(await main.stepQuiz()).toEqual({ questions: 6, difficulty: "hard" });
    expect(received.map(taskOf)).toEqual(["quiz", "quiz", "quiz"]);
    received.length = 0;
    expect(await main.optimiseEssayRecursively()).toEqual({ topic: "oolong", tone: "dry" });
    expect(received.map(taskOf)).toEqual(["essay", "essay", "essay", "essay"]);
  });
});

test("generic methods of generic classes, closures inside a helper, inferred type arguments", async () => {
  const result = compile({
    files: {
      "src/box.ts": `import { stub } from "llm-strategy";
export class Box<T> {
  constructor(public label: string) {}
  /** Pick the item for the key. */
  pick<K>(key: K): Promise<T> { return stub(); }
  /** Every key's item, asked in parallel from a closure. */
  pickAll<K>(keys: K[]): Promise<T[]> { return Promise.all(keys.map((key) => this.pick(key))); }
}
export interface Card { title: string }
export interface Slot { at: number }
export const cards = (box: Box<Card>) => box.pickAll(["a", "b"]);
export const slots = (box: Box<Slot>) => box.pickAll<number>([1]);
`,
    },
  });
  expect(result.compilerErrors).toEqual([]);
  expect(result.diagnostics).toEqual([]);
  const requests: CompletionRequest[] = [];
  restore = configure({
    model: scriptedModel((request) => {
      requests.push(request);
      const schema = JSON.stringify(request.replySchema);
      return schema.includes('"title"') ? { title: String((request.input as { key: unknown }).key) } : { at: Number((request.input as { key: unknown }).key) };
    }),
  });
  const box = result.load<{ Box: new (label: string) => object; cards(box: object): Promise<unknown>; slots(box: object): Promise<unknown> }>("src/box.ts");
  expect(await box.cards(new box.Box("deck"))).toEqual([{ title: "a" }, { title: "b" }]);
  expect(await box.slots(new box.Box("calendar"))).toEqual([{ at: 1 }]);
  expect(requests.map((request) => [request.spec.typeArguments, JSON.stringify(request.spec.input["properties"])])).toEqual([
    ["<string>", expect.stringContaining('"key":{"type":"string"}')],
    ["<string>", expect.stringContaining('"key":{"type":"string"}')],
    ["<number>", expect.stringContaining('"key":{"type":"number"}')],
  ]);
});

test("optional calls of generic stubs and helpers are specialised and still short-circuit", async () => {
  const result = compile({
    files: {
      "src/box.ts": `import { stub } from "llm-strategy";
export interface Card { title: string }
export class Box<T> {
  constructor(public label: string) {}
  /** Pick the item for the key. */
  pick<K>(key: K): Promise<T> { return stub(); }
  /** Every key's item, each asked through an optional call on this. */
  pickAll<K>(keys: K[]): Promise<(T | undefined)[]> { return Promise.all(keys.map((key) => this.pick?.(key))); }
}
export const viaOptionalReceiver = (box: Box<Card> | undefined) => box?.pick("a");
export const viaOptionalCall = (box: Box<Card>) => box.pick?.(1);
export const viaChain = (holder: { box?: Box<Card> }) => holder.box?.pick("c").then((card) => card.title);
export const viaHelper = (box: Box<Card> | undefined) => box?.pickAll([true]);
export const viaElement = (holder?: { box: Box<Card> }) => holder?.box!["pick"]("e");
`,
    },
  });
  expect(result.compilerErrors).toEqual([]);
  expect(result.diagnostics).toEqual([]);
  const js = result.js("src/box.ts");
  // Each chain is written out, so the call is specialised and the rest still skipped on null/undefined.
  expect(js).not.toMatch(/\?\.\s*\(|\?\.pick/);
  expect(js).toMatch(/=== null \|\| (_\w+) === void 0 \? void 0 : __llmStrategy\.callSpecialized\(__llmStrategySpec_Box_pick(_\d)?, \1, \1\.pick, \["a"\]\)/);
  expect(js).toContain("__llmStrategy.callSpecialized(__llmStrategyTypes_pickAll.calls.pick, this, _");
  const requests: CompletionRequest[] = [];
  restore = configure({
    model: scriptedModel((request) => {
      requests.push(request);
      return JSON.stringify(request.replySchema).includes('"title"') ? { title: String((request.input as { key: unknown }).key) } : { unexpected: true };
    }),
  });
  const box = result.load<{
    Box: new (label: string) => object;
    viaOptionalReceiver(box?: object): Promise<unknown> | undefined;
    viaOptionalCall(box: object): Promise<unknown> | undefined;
    viaChain(holder: { box?: object }): Promise<unknown> | undefined;
    viaHelper(box?: object): Promise<unknown> | undefined;
    viaElement(holder?: { box: object }): Promise<unknown> | undefined;
  }>("src/box.ts");
  const deck = new box.Box("deck");
  expect(box.viaOptionalReceiver(undefined)).toBeUndefined();
  expect(box.viaChain({})).toBeUndefined();
  expect(box.viaHelper(undefined)).toBeUndefined();
  expect(requests).toHaveLength(0);
  expect(await box.viaOptionalReceiver(deck)).toEqual({ title: "a" });
  expect(await box.viaOptionalCall(deck)).toEqual({ title: "1" });
  expect(await box.viaChain({ box: deck })).toBe("c");
  expect(await box.viaHelper(deck)).toEqual([{ title: "true" }]);
  expect(box.viaElement(undefined)).toBeUndefined();
  expect(await box.viaElement({ box: deck })).toEqual({ title: "e" });
  // Each request had the call's types: the key's own, and `Card` for the reply.
  expect(requests.map((request) => [request.spec.typeArguments, JSON.stringify(request.spec.input["properties"])])).toEqual([
    ["<string>", expect.stringContaining('"key":{"type":"string"}')],
    ["<number>", expect.stringContaining('"key":{"type":"number"}')],
    ["<string>", expect.stringContaining('"key":{"type":"string"}')],
    ["<boolean>", expect.stringContaining('"key":{"type":"boolean"}')],
    ["<string>", expect.stringContaining('"key":{"type":"string"}')],
  ]);
  // The receiver (`this`) is sent with its concrete type too.
  for (const request of requests) expect(request.input).toMatchObject({ this: { label: "deck" } });
});

test("a subclass that fixes the class's type arguments: calls of the base's generic stub, through this or on an instance, send the concrete types", async () => {
  const result = compile({
    files: {
      "src/shelf.ts": `import { stub } from "llm-strategy";
export interface Card { title: string }
export class Box<T> {
  constructor(public label: string, public sample: T | null) {}
  /** Pick the item for the key. */
  pick(key: string): Promise<T> { return stub(); }
}
export class Shelf extends Box<Card> {
  mine(key: string) { return this.pick(key); }
}
export const outside = (shelf: Shelf) => shelf.pick("out");
`,
    },
  });
  expect(result.compilerErrors).toEqual([]);
  expect(result.diagnostics).toEqual([]);
  const requests: CompletionRequest[] = [];
  restore = configure({ model: scriptedModel((request) => (requests.push(request), { title: String((request.input as { key: unknown }).key) })) });
  const shelf = result.load<{ Shelf: new (label: string, sample: unknown) => { mine(key: string): Promise<unknown> }; outside(shelf: object): Promise<unknown> }>("src/shelf.ts");
  const made = new shelf.Shelf("top", { title: "sample" });
  expect(await made.mine("in")).toEqual({ title: "in" });
  expect(await shelf.outside(made)).toEqual({ title: "out" });
  // The receiver's `sample: T` is sent as a Card: the base class's type arguments as the subclass fixes them.
  for (const request of requests) {
    expect(request.spec.typeArguments).toBe("<Card>");
    expect(Object.keys(request.spec.definitions ?? {})).toContain("Box_Card");
    expect(request.spec.definitions!["Box_Card"]).toMatchObject({ properties: { sample: { anyOf: [{ $ref: "#/definitions/Card" }, { type: "null" }] } } });
    expect(request.input).toMatchObject({ this: { label: "top", sample: { title: "sample" } } });
  }
  expect(requests).toHaveLength(2);
});

/** A generic class whose constructor calls a generic stub with the class's type parameter. */
const DECK = `import { stub } from "llm-strategy";
export interface Card { title: string }
export interface Slot { at: number }
export class Deck<T> {
  private readonly asked: Promise<T>;
  constructor(public label: string, key: string) {
    this.asked = this.pick(key);
  }
  first(): Promise<T> { return this.asked; }
  /** Pick the item for the key. */
  pick(key: string): Promise<T> { return stub(); }
}
export const cards = () => new Deck<Card>("cards", "ace");
export const slots = (): Deck<Slot> => new Deck("slots", "9");
/** A generic helper that constructs with its own type parameter. */
export function deckOf<T>(label: string): Deck<T> { return new Deck<T>(label, "top"); }
export const viaHelper = () => deckOf<Card>("helper");
`;

test("`new` of a generic class whose constructor calls generic stubs passes the class's types to the constructor", async () => {
  const result = compile({
    files: {
      "src/deck.ts": DECK,
    },
  });
  expect(result.compilerErrors).toEqual([]);
  expect(result.diagnostics).toEqual([]);
  // A subclass's super(...) cannot pass the types on: said at build time.
  const subclass = compile({
    files: {
      "src/deck.ts": DECK,
      "src/hand.ts": `import { Deck, type Card } from "./deck";
export class Hand extends Deck<Card> {}
`,
    },
  });
  expect(subclass.diagnostics.map((diagnostic) => [diagnostic.code, diagnostic.file, diagnostic.line, diagnostic.text])).toEqual([["LLM1010", "src/hand.ts", 2, "Deck<Card>"]]);
  expect(subclass.diagnostics[0]!.message).toContain("a subclass's `super(...)` call cannot pass the class's type arguments on to its constructor");
  const js = result.js("src/deck.ts");
  // The constructor takes its table first (after TypeScript's own parameter property assignment).
  expect(js).toMatch(/constructor\(label, key\) \{\s*this\.label = label;\s*const __llmStrategyTypes_constructor = __llmStrategy\.helperTypes\("src\/deck\.ts:6 Deck\.constructor"\);/);
  expect(js).toContain("this.asked = __llmStrategy.callSpecialized(__llmStrategyTypes_constructor.calls.pick, this, this.pick, [key]);");
  expect(js).toMatch(/const cards = \(\) => __llmStrategy\.constructSpecialized\(__llmStrategyHelper_Deck_constructor(_\d)?, Deck, \["cards", "ace"\]\);/);
  expect(js).toContain('return __llmStrategy.constructSpecialized(__llmStrategyTypes_deckOf.calls.Deck, Deck, [label, "top"]);');
  expect(js.match(/kind: "helper",\s*id: "src\/deck\.ts:6 Deck\.constructor",\s*typeArguments: "<(Card|Slot)>"/g)).toHaveLength(2);

  const requests: CompletionRequest[] = [];
  restore = configure({
    model: scriptedModel((request) => {
      requests.push(request);
      const key = String((request.input as { key: unknown }).key);
      return JSON.stringify(request.replySchema).includes('"title"') ? { title: key } : { at: Number(key) };
    }),
  });
  const emitWarning = jest.spyOn(process, "emitWarning");
  try {
    type Built = { first(): Promise<unknown>; label: string };
    const deck = result.load<{ Deck: new (...args: never[]) => object; cards(): Built; slots(): Built; viaHelper(): Built }>("src/deck.ts");
    const made = deck.cards();
    // Constructed as `new` does: an instance of the class, its parameter property set.
    expect(made).toBeInstanceOf(deck.Deck);
    expect(made.label).toBe("cards");
    expect(await made.first()).toEqual({ title: "ace" });
    expect(await deck.slots().first()).toEqual({ at: 9 });
    expect(await deck.viaHelper().first()).toEqual({ title: "top" });
    expect(emitWarning.mock.calls.filter(([, options]) => (options as { code?: string })?.code === "LLM_STRATEGY_GENERIC_FALLBACK")).toEqual([]);
  } finally {
    emitWarning.mockRestore();
  }
  expect(requests.map((request) => [request.spec.typeArguments, request.replySchema])).toEqual([
    ["<Card>", expect.objectContaining({ $ref: "#/definitions/Card" })],
    ["<Slot>", expect.objectContaining({ $ref: "#/definitions/Slot" })],
    ["<Card>", expect.objectContaining({ $ref: "#/definitions/Card" })],
  ]);
});

describe("unresolved type parameters", () => {
  const stubs = `import { stub } from "llm-strategy";
/** Echo the value. */
export function echo<T>(value: T): Promise<T> { return stub(); }
/** Make a value. */
export function make<T>(): Promise<T> { return stub(); }
`;

  test("a helper or generic stub used as a value, type parameters of a field initialiser, endless new types: LLM1010", () => {
    const result = compile({
      files: {
        "src/stubs.ts": stubs,
        "src/use.ts": `import { echo, make } from "./stubs";
export async function twice<T>(value: T): Promise<T> { return echo<T>(await echo<T>(value)); }
export const viaValue = [1, 2].map(twice);
export const stored = { echo };
export class Holder<T> {
  value!: T; copy = echo<T>(this.value);
}
export async function nest<T>(value: T, depth: number): Promise<unknown> {
  return depth > 0 ? nest<T[]>([value], depth - 1) : echo<T>(value);
}
export const deep = () => nest<string>("a", 2);
export const made = () => make();
export const written = () => make<string>();
export const fromContext = (): Promise<number> => make();
`,
      },
    });
    expect(result.compilerErrors).toEqual([]);
    const diagnostics = [...result.diagnostics].sort((a, b) => a.line - b.line);
    const found = diagnostics.map((diagnostic) => [diagnostic.code, diagnostic.line, diagnostic.text]);
    expect(found).toEqual([
      ["LLM1010", 3, "twice"],
      ["LLM1010", 4, "echo"],
      ["LLM1010", 6, "echo<T>(this.value)"],
      ["LLM1010", 11, 'nest<string>("a", 2)'],
      ["LLM1010", 12, "make()"],
    ]);
    const messages = diagnostics.map((diagnostic) => diagnostic.message);
    expect(messages[0]).toContain("twice is generic and sends schemas of its type parameters, but it is used as a value here");
    expect(messages[0]).toContain("declare its type parameters `extends unknown` or tag it `@llmConstraintFallback`");
    expect(messages[2]).toContain("type parameters of its class outside an instance method or constructor (a field initialiser or static member)");
    expect(messages[3]).toContain("more than 16 levels deep");
    expect(messages[4]).toContain("its type argument `T` cannot be inferred at this call (it became `unknown`)");
  });

  test("a value use is found where the name is written as code (not in comments, strings or longer names), also next to a call of the same name, and when spelled with \\u escapes", () => {
    const result = compile({
      files: {
        "src/stubs.ts": stubs,
        "src/use.ts": `import { echo } from "./stubs";
// echo in a comment, "echo" in a string, echoes in a longer name
export const echoes = "echo";
export const held = [echo];
export const called = () => echo<string>("a");
export const passed = () => [echo<string>("a"), echo];
`,
        "src/escaped.ts": `import { echo } from "./stubs";
export const alsoHeld = [\\u0065cho];
export const called = () => echo<string>("a");
`,
      },
    });
    expect(result.compilerErrors).toEqual([]);
    expect(result.diagnostics.map((diagnostic) => [diagnostic.code, diagnostic.file, diagnostic.line, diagnostic.text])).toEqual([
      ["LLM1010", "src/use.ts", 4, "echo"],
      ["LLM1010", "src/use.ts", 6, "echo"],
      ["LLM1010", "src/escaped.ts", 2, "\\u0065cho"],
    ]);
  });

  test("opting in: `extends unknown` or @llmConstraintFallback; at run time the constraints are used, with one warning", async () => {
    const result = compile({
      files: {
        "src/stubs.ts": stubs,
        "src/use.ts": `import { echo } from "./stubs";
/** Echo the value, whatever it is. @llmConstraintFallback */
export async function tagged<T>(value: T): Promise<T> { return echo<T>(value); }
export async function anyJson<T extends unknown>(value: T): Promise<T> { return echo<T>(value); }
export const viaTagged = (values: number[]) => Promise.all(values.map(tagged));
export const viaAnyJson = (values: string[]) => Promise.all(values.map(anyJson));
`,
      },
    });
    expect(result.compilerErrors).toEqual([]);
    expect(result.diagnostics).toEqual([]);
    const requests: CompletionRequest[] = [];
    restore = configure({ model: scriptedModel((request) => (requests.push(request), { value: (request.input as { value: unknown }).value })) });
    const emitWarning = jest.spyOn(process, "emitWarning").mockImplementation(() => {});
    let warnings: string[];
    try {
      const use = result.load<{ viaTagged(values: number[]): Promise<unknown>; viaAnyJson(values: string[]): Promise<unknown> }>("src/use.ts");
      expect(await use.viaTagged([1, 2])).toEqual([1, 2]);
      expect(await use.viaAnyJson(["x"])).toEqual(["x"]);
      warnings = emitWarning.mock.calls.filter(([, options]) => (options as { code?: string })?.code === "LLM_STRATEGY_GENERIC_FALLBACK").map(([message]) => String(message));
    } finally {
      emitWarning.mockRestore();
    }
    expect(requests.map((request) => request.spec.typeArguments)).toEqual(["constraints", "constraints", "constraints"]);
    expect(warnings.filter((message) => message.includes("tagged is a generic helper"))).toHaveLength(1);
    expect(warnings.filter((message) => message.includes("anyJson is a generic helper"))).toHaveLength(1);
  });
});
