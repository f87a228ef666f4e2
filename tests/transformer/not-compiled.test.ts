import { StubNotCompiledError } from "../../runtime";
import { compile } from "../helpers/compile";

// Each test builds a Program with the runtime's types: seconds on a loaded machine.
jest.setTimeout(60_000);

// The message for other setups (vitest, TypeScript 7, tspc) is tested with the built runtime in tests/cli/check.test.ts.
test("without the transformer, calling a stub throws StubNotCompiledError naming the stub and, under jest, ts-jest's transformer", async () => {
  const result = compile({
    plugin: false,
    files: {
      "src/customer.ts": `import { stub, implement } from "llm-strategy";
export class Customer {
  /** Age. */
  get age(): Promise<number> { return stub(); }
}
export interface Search { find(q: string): Promise<string[]>; }
export const makeSearch = () => implement<Search>();
`,
    },
  });
  expect(result.compilerErrors).toEqual([]);
  expect(result.js("src/customer.ts")).not.toContain("__llmStrategy");
  const { Customer, makeSearch } = result.load<{ Customer: new () => { age: Promise<number> }; makeSearch(): unknown }>("src/customer.ts");
  let thrown: unknown;
  try {
    await new Customer().age;
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(StubNotCompiledError);
  expect((thrown as Error).message).toMatch(/^Customer\.get age .*src\/customer\.js:\d+:\d+\) was not compiled by the llm-strategy transformer/);
  expect((thrown as Error).message).toContain("so its `stub()` ran instead of calling a model. Jest compiled it without the transformer: give it to ts-jest in jest.config");
  expect((thrown as Error).message).toContain('astTransformers: { before: [{ path: require.resolve("llm-strategy/transformer") }] }');
  expect((thrown as StubNotCompiledError).called).toBe("stub");
  expect(() => makeSearch()).toThrow(/so its `implement<I>\(\)` ran instead of calling a model/);
});
