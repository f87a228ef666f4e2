/**
 * `@llmStrategy` in both decorator flavours, compiled by the real TypeScript compiler the way
 * the transformer's output looks: module-scope specs before the classes, classes reached
 * through thunks (a standard-decorated class is a TDZ `let` until its IIFE finishes).
 */
import * as ts from "typescript";
import * as runtime from "../../runtime";
import { scriptedModel, SPEC_VERSION, type CallSpec, type ScriptedModel } from "../../runtime";

// Compiling with the real compiler takes seconds on a loaded machine.
jest.setTimeout(60_000);

const itemSchema = { type: "object", properties: { name: { type: "string" } }, required: ["name"], additionalProperties: false };

function specSource(name: string, kind: CallSpec["kind"], thisFields: string[] | undefined): string {
  const spec = {
    version: SPEC_VERSION,
    id: `src/items.ts:1 ${name}`,
    kind,
    template: `${name}\nInput: {{input}}`,
    outputTypes: "",
    params: kind === "static" ? [] : [{ name: "query", role: "input" }],
    ...(thisFields ? { thisFields } : {}),
    input: { type: "object" },
    output: { type: "array", items: { $ref: "#/definitions/Item" } },
    wrapper: "value",
    definitions: { Item: itemSchema },
    hash: `${name}-hash`,
  };
  // The revival thunk is code, so it is spliced in as text, as the transformer emits it.
  return JSON.stringify(spec).replace(/}$/, `,"revive":{"value":{"kind":"array","items":{"kind":"class","class":() => Item}}}}`);
}

const source = `
import * as __llmStrategy from "llm-strategy";
import { baseModel, leafModel } from "models";
const findSpec: __llmStrategy.CallSpec = ${specSource("Item.find", "method", ["name"])};
const createSpec: __llmStrategy.CallSpec = ${specSource("Item.create", "static", undefined)};

@__llmStrategy.llmStrategy(baseModel)
export class Item {
  name = "";
  find(query: string): Promise<Item[]> { return __llmStrategy.invoke(findSpec, this, [query]); }
  static create(): Promise<Item[]> { return __llmStrategy.invoke(createSpec, this, []); }
}
export class SubItem extends Item {}
@__llmStrategy.llmStrategy(leafModel)
export class LeafItem extends SubItem {}
`;

interface Compiled {
  Item: { new (): { name: string; find(query: string): Promise<unknown[]> }; create(): Promise<unknown[]> };
  SubItem: Compiled["Item"];
  LeafItem: Compiled["Item"];
}

function load(experimentalDecorators: boolean, models: { baseModel: ScriptedModel; leafModel: ScriptedModel }): Compiled {
  const output = ts.transpileModule(source, {
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, experimentalDecorators },
    reportDiagnostics: true,
  });
  expect(output.diagnostics ?? []).toEqual([]);
  // The standard flavour compiles to the `let Item = (() => { ... })()` shape, whose class binding is in its temporal dead zone while the module initialises.
  if (!experimentalDecorators) expect(output.outputText).toContain("__esDecorate");
  else expect(output.outputText).toContain("__decorate");
  const moduleObject = { exports: {} as Record<string, unknown> };
  const modules: Record<string, unknown> = { "llm-strategy": runtime, models };
  new Function("require", "exports", "module", output.outputText)((name: string) => modules[name], moduleObject.exports, moduleObject);
  return moduleObject.exports as unknown as Compiled;
}

/** Type-checks the source with the real compiler against the runtime's own declarations. */
function typeErrors(experimentalDecorators: boolean): string[] {
  const root = ts.sys.resolvePath(`${__dirname}/../..`);
  const files = new Map([
    [`${root}/virtual/items.ts`, source],
    [`${root}/virtual/models.d.ts`, `import type { LanguageModel } from "llm-strategy";\nexport declare const baseModel: LanguageModel, leafModel: LanguageModel;`],
  ]);
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: ["node"],
    experimentalDecorators,
    baseUrl: root,
    paths: { "llm-strategy": ["runtime/index.ts"], models: ["virtual/models.d.ts"] },
  };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  host.readFile = (name) => files.get(name) ?? readFile(name);
  host.fileExists = (name) => files.has(name) || fileExists(name);
  const program = ts.createProgram([`${root}/virtual/items.ts`], options, host);
  return ts.getPreEmitDiagnostics(program).map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n"));
}

describe.each([
  ["standard decorators", false],
  ["experimentalDecorators", true],
])("@llmStrategy with %s", (_flavour, experimentalDecorators) => {
  const answer = (who: string) => (request: runtime.CompletionRequest) => ({ value: [{ name: `${who}:${request.spec.id.split(" ")[1]}` }] });

  test("the decorator type-checks on a class", () => {
    expect(typeErrors(experimentalDecorators)).toEqual([]);
  });

  test("instance and static stubs use the nearest decorated class up the prototype chain", async () => {
    const models = { baseModel: scriptedModel(answer("base"), { id: "base" }), leafModel: scriptedModel(answer("leaf"), { id: "leaf" }) };
    const { Item, SubItem, LeafItem } = load(experimentalDecorators, models);

    const fromSub = await new SubItem().find("q");
    expect(fromSub).toEqual([expect.objectContaining({ name: "base:Item.find" })]);
    expect(fromSub[0]).toBeInstanceOf(Item);
    await expect(new LeafItem().find("q")).resolves.toEqual([expect.objectContaining({ name: "leaf:Item.find" })]);

    // Static stubs: the receiver is the class; its prototype chain is the class hierarchy.
    const created = await SubItem.create();
    expect(created).toEqual([expect.objectContaining({ name: "base:Item.create" })]);
    expect(created[0]).toBeInstanceOf(Item);
    await expect(LeafItem.create()).resolves.toEqual([expect.objectContaining({ name: "leaf:Item.create" })]);

    expect(models.baseModel.requests.map((request) => request.input)).toEqual([{ this: { name: "" }, query: "q" }, {}]);
    expect(models.leafModel.requests).toHaveLength(2);
  });
});
