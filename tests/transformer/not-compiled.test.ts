import { StubNotCompiledError } from "../../runtime";
import { compile } from "../helpers/compile";

// Each test builds a Program with the runtime's types: seconds on a loaded machine.
jest.setTimeout(60_000);

test("without the transformer, calling a stub throws StubNotCompiledError naming the stub and the fix", async () => {
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
  expect((thrown as Error).message).toContain('Add { "transform": "llm-strategy/transformer" } to "compilerOptions.plugins" in your tsconfig.json');
  expect(() => makeSearch()).toThrow(StubNotCompiledError);
});
