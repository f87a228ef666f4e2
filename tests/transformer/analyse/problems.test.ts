/**
 * Types JSON cannot carry: every problem of a declaration, with the path a person reads,
 * the node it points at and the property declaration it ends at. Warnings only when asked.
 */
import { analyseFile, createTestProgram, describeProblem, failed, ok, warningsOf } from "./program";

// Line numbers below refer to this text (line 1 is the empty first line).
const BAD = `
import { stub, type LanguageModel } from "llm-strategy";
export interface Order {
  id: string;
  callback: () => void;
  lookup: Map<string, number>;
}
export interface Customer {
  name: string;
  orders: Order[];
  tags: Set<string>;
  big: bigint;
  sym: symbol;
  pending: Promise<number>;
  extra: Record<string, WeakMap<object, string>>;
  pair: [string, (x: number) => number];
  anything: any;
}
export class Helper { run(): void {} get x(): number { return 1; } }
export class Widget {
  id = "";
  onClick = () => {};
  /** A widget's callback field is behaviour: not sent, not an error. */
  describe(): Promise<string> { return stub(); }
}
export class Api {
  /** Saves. */
  save(
    customer: Customer,
    helper: Helper,
    fn: (a: number) => string,
  ): Promise<void> { return stub(); }
  /** Loads. */
  load(): Promise<Customer> { return stub(); }
  /** Never. */
  nothing(): Promise<never> { return stub(); }
  /** The model must come first. */
  second(x: string, model: LanguageModel): Promise<string> { return stub(); }
  notes(list: any[], rec: Record<string, unknown>): Promise<string> { return stub(); }
  /** Loose but documented. */
  loose(value: unknown): Promise<{ data: any }> { return stub(); }
}
`;

const program = createTestProgram({ "bad.ts": BAD });
const quiet = analyseFile(program, "bad.ts");
const loud = analyseFile(program, "bad.ts", { warnings: true });
const CARRY = "Use a plain data type (string, number, boolean, arrays, objects, Date, classes with data fields) or remove it.";

test("every problem of a parameter list and return type, each with its path and the property it ends at", () => {
  expect(failed(quiet.results.get("Api.save")).map(describeProblem)).toEqual([
    `bad.ts:29 LLM1002: Api.save: \`Customer.orders[].callback\` has type \`() => void\`, which JSON cannot carry (functions are behaviour, not data). ${CARRY}\n  related bad.ts:5 \`callback\` is declared here.`,
    `bad.ts:29 LLM1002: Api.save: \`Customer.orders[].lookup\` has type \`Map<string, number>\`, which JSON cannot carry (a Map serialises as {}; use Record<string, V> or an array of entries). ${CARRY}\n  related bad.ts:6 \`lookup\` is declared here.`,
    `bad.ts:29 LLM1002: Api.save: \`Customer.tags\` has type \`Set<string>\`, which JSON cannot carry (a Set serialises as {}; use an array). ${CARRY}\n  related bad.ts:11 \`tags\` is declared here.`,
    `bad.ts:29 LLM1002: Api.save: \`Customer.big\` has type \`bigint\`, which JSON cannot carry (JSON.stringify throws on a bigint; use number or a decimal string). ${CARRY}\n  related bad.ts:12 \`big\` is declared here.`,
    `bad.ts:29 LLM1002: Api.save: \`Customer.sym\` has type \`symbol\`, which JSON cannot carry (symbols have no JSON form). ${CARRY}\n  related bad.ts:13 \`sym\` is declared here.`,
    `bad.ts:29 LLM1002: Api.save: \`Customer.pending\` has type \`Promise<number>\`, which JSON cannot carry (a Promise is not data; await it before the call, or return the awaited type). ${CARRY}\n  related bad.ts:14 \`pending\` is declared here.`,
    `bad.ts:29 LLM1002: Api.save: \`Customer.extra[string]\` has type \`WeakMap<object, string>\`, which JSON cannot carry (a WeakMap cannot be serialised). ${CARRY}\n  related bad.ts:15 \`extra\` is declared here.`,
    `bad.ts:29 LLM1002: Api.save: \`Customer.pair[1]\` has type \`(x: number) => number\`, which JSON cannot carry (functions are behaviour, not data). ${CARRY}\n  related bad.ts:16 \`pair\` is declared here.`,
    `bad.ts:30 LLM1002: Api.save: \`helper\` has type \`Helper\`, which JSON cannot carry (an instance of a class with only methods carries no data). ${CARRY}`,
    `bad.ts:31 LLM1002: Api.save: \`fn\` has type \`(a: number) => string\`, which JSON cannot carry (functions are behaviour, not data). ${CARRY}`,
    `bad.ts:32 LLM1002: Api.save: \`return\` has type \`void\`, which JSON cannot carry (void has no value to send or receive). ${CARRY}`,
  ]);
});

test("problems point at the parameter's type node and at the return type's argument", () => {
  const [first] = failed(quiet.results.get("Api.save"));
  expect(first!.node.getText()).toBe("Customer");
  expect(first!.related?.[0]?.node.getText()).toBe("callback");
  expect(failed(quiet.results.get("Api.nothing"))[0]!.node.getText()).toBe("never");
});

test("the same type in an output is reported on the return type", () => {
  const problems = failed(quiet.results.get("Api.load"));
  expect(problems).toHaveLength(8);
  expect(problems.every((p) => p.kind === "TypeNotJson" && p.node.getText() === "Customer")).toBe(true);
  expect(problems.map((p) => (p.kind === "TypeNotJson" ? p.args.path : ""))).toEqual([
    "Customer.orders[].callback",
    "Customer.orders[].lookup",
    "Customer.tags",
    "Customer.big",
    "Customer.sym",
    "Customer.pending",
    "Customer.extra[string]",
    "Customer.pair[1]",
  ]);
});

test("never as a return type; an explicit model that is not first", () => {
  expect(failed(quiet.results.get("Api.nothing")).map(describeProblem)).toEqual([
    `bad.ts:36 LLM1002: Api.nothing: \`return\` has type \`never\`, which JSON cannot carry (never has no value). ${CARRY}`,
  ]);
  expect(failed(quiet.results.get("Api.second")).map(describeProblem)).toEqual([
    "bad.ts:38 LLM1008: Api.second: parameter `model` is a LanguageModel but not the first parameter; an explicit model must come first.",
  ]);
});

test("function-valued fields of the receiver are not sent and not an error", () => {
  const describe = ok(quiet.results.get("Widget.describe"));
  expect(describe.thisFields).toEqual(["id"]);
  expect(describe.input.properties).toEqual({ this: { $ref: "#/definitions/Widget" } });
  expect(quiet.analyser.definitions.get("Widget")).toEqual({
    type: "object",
    properties: { id: { type: "string" } },
    required: ["id"],
    additionalProperties: false,
  });
});

describe("warnings", () => {
  test("are off by default", () => {
    expect(warningsOf(quiet.results.get("Api.notes"))).toEqual([]);
    expect(warningsOf(quiet.results.get("Api.loose"))).toEqual([]);
  });

  test("when on: missing JSDoc and any/unknown with their paths", () => {
    expect(warningsOf(loud.results.get("Api.notes")).map(describeProblem)).toEqual([
      "bad.ts:39 LLM1101: Api.notes has no JSDoc: the model sees only its name and types. Describe what it should return in a /** comment */.",
      "bad.ts:39 LLM1102: Api.notes: `list[]` is `any`, so the schema accepts any JSON there and the model gets no guidance. Give it a concrete type.",
      "bad.ts:39 LLM1102: Api.notes: `rec[string]` is `unknown`, so the schema accepts any JSON there and the model gets no guidance. Give it a concrete type.",
    ]);
    expect(warningsOf(loud.results.get("Api.loose")).map(describeProblem)).toEqual([
      "bad.ts:41 LLM1102: Api.loose: `value` is `unknown`, so the schema accepts any JSON there and the model gets no guidance. Give it a concrete type.",
      "bad.ts:41 LLM1102: Api.loose: `return.data` is `any`, so the schema accepts any JSON there and the model gets no guidance. Give it a concrete type.\n  related bad.ts:41 `data` is declared here.",
    ]);
  });

  test("a loose type is still a valid spec: its schema accepts any JSON there", () => {
    const loose = ok(loud.results.get("Api.loose"));
    expect(loose.input.properties).toEqual({ value: {} });
    expect(loose.output).toEqual({ type: "object", properties: { data: {} }, required: ["data"], additionalProperties: false });
  });
});
