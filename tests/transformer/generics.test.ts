import { configure, scriptedModel, type CompletionRequest } from "../../runtime";
import { compile } from "../helpers/compile";
import { createFakeAnalyser } from "../helpers/fake-analyser";

// Each test builds a Program with the runtime's types: seconds on a loaded machine.
jest.setTimeout(60_000);

/** Call sites of generic stubs become `callSpecialized(...)` with the call's own spec. */
const files = {
  "src/lib.ts": `import { stub } from "llm-strategy";
/** Echoes. */
export function echo<T>(x: T): Promise<T> { return stub(); }
export class Box<T> {
  items: T[] = [];
  /** Picks one. */
  pick<K>(key: K): Promise<T> { return stub(); }
}
`,
  "src/main.ts": `import { echo as say, Box } from "./lib";
import * as lib from "./lib";
export const log: string[] = [];
function note<V>(label: string, value: V): V { log.push(label); return value; }
export function plain() { return say<number>(1); }
export function viaNamespace() { return lib.echo<string>("a"); }
export function nested() { return say<boolean>(note("arg", true)); }
export function again() { return say<number>(note("again", 2)); }
export function receiverOnce(box: Box<number>) {
  return note("receiver", box).pick<string>(note("key", "k"));
}
export function optional(maybe?: typeof lib) { return maybe?.echo<number>(5); }
`,
};

const build = () => {
  const result = compile({ files, createAnalyser: createFakeAnalyser });
  expect(result.compilerErrors).toEqual([]);
  expect(result.diagnostics).toEqual([]);
  return result;
};

let restore: ReturnType<typeof configure> | undefined;
afterEach(() => {
  if (restore) configure(restore);
});

test("the emitted call sites", () => {
  const js = build().js("src/main.ts");
  // The user's own callee node is kept, so CommonJS still renames the imported binding.
  expect(js).toContain("return __llmStrategy.callSpecialized(__llmStrategySpec_echo, void 0, lib_1.echo, [1]);");
  expect(js).toContain('var _a; return (_a = lib, __llmStrategy.callSpecialized(__llmStrategySpec_echo_2, _a, _a.echo, ["a"]));');
  expect(js).toContain('return __llmStrategy.callSpecialized(__llmStrategySpec_echo_3, void 0, lib_1.echo, [note("arg", true)]);');
  // Equal specialisations in one file share a const.
  expect(js).toContain('return __llmStrategy.callSpecialized(__llmStrategySpec_echo, void 0, lib_1.echo, [note("again", 2)]);');
  expect(js).toContain('return (_a = note("receiver", box), __llmStrategy.callSpecialized(__llmStrategySpec_Box_pick, _a, _a.pick, [note("key", "k")]));');
  // An optional call is specialised too: its chain is written out, so it still short-circuits.
  expect(js).toContain("var _a; return ((_a = maybe) === null || _a === void 0 ? void 0 : __llmStrategy.callSpecialized(__llmStrategySpec_echo, _a, _a.echo, [5]));");
  expect(js.match(/typeArguments: "<number>"/g)).toHaveLength(1);
});

test("each call sends its own type arguments' schemas; the receiver is evaluated once, in order", async () => {
  const result = build();
  const model = scriptedModel((request: CompletionRequest) => {
    const input = request.input as { x?: unknown; key?: unknown };
    return { value: request.spec.id.endsWith("Box.pick") ? String(input.key).length : input.x };
  });
  restore = configure({ model });
  const main = result.load<{
    log: string[];
    plain(): Promise<number>;
    viaNamespace(): Promise<string>;
    nested(): Promise<boolean>;
    receiverOnce(box: unknown): Promise<number>;
    optional(maybe?: unknown): Promise<number> | undefined;
  }>("src/main.ts");
  const { Box } = result.load<{ Box: new () => unknown }>("src/lib.ts");
  const lib = result.load("src/lib.ts");

  expect(await main.plain()).toBe(1);
  expect(await main.viaNamespace()).toBe("a");
  expect(await main.nested()).toBe(true);
  expect(await main.receiverOnce(new Box())).toBe(1);
  expect(main.log).toEqual(["arg", "receiver", "key"]);
  const seen = model.requests.map((request) => [request.spec.typeArguments, request.spec.output]);
  expect(seen).toEqual([
    ["<number>", { type: "number" }],
    ["<string>", { type: "string" }],
    ["<boolean>", { type: "boolean" }],
    ["<string>", { type: "number" }], // Box<number>.pick<string>: the class's T is number
  ]);

  // The optional call: its own type arguments, and nothing asked when the receiver is missing.
  expect(await main.optional(lib)).toBe(5);
  expect(model.requests[4]!.spec.typeArguments).toBe("<number>");
  expect(main.optional(undefined)).toBeUndefined();
  expect(model.requests).toHaveLength(5);
});
