import * as ts from "typescript";
import { literal, literalText, moduleScopeWriter, RawExpression, type LiteralValue, type ModuleStatement } from "../../transformer/emit/literal";

/** What TypeScript's printer writes for the AST of `value` as a module-scope const. */
function printed(value: LiteralValue, newLine: ts.NewLineKind): string {
  const f = ts.factory;
  const statement = f.createVariableStatement(undefined, f.createVariableDeclarationList([f.createVariableDeclaration("x", undefined, undefined, literal(ts, value))], ts.NodeFlags.Const));
  const file = ts.createSourceFile("x.ts", "", ts.ScriptTarget.ES2022);
  return ts.createPrinter({ newLine }).printNode(ts.EmitHint.Unspecified, statement, file);
}

const thunk = new RawExpression("() => __llmStrategy_types.Customer", () =>
  ts.factory.createArrowFunction(undefined, undefined, [], undefined, ts.factory.createToken(ts.SyntaxKind.EqualsGreaterThanToken), ts.factory.createPropertyAccessExpression(ts.factory.createIdentifier("__llmStrategy_types"), "Customer")),
);
const check = new RawExpression("function (value, count) { return value.length === count; }", () => {
  const f = ts.factory;
  const parameters = ["value", "count"].map((name) => f.createParameterDeclaration(undefined, undefined, name));
  return f.createFunctionExpression(undefined, undefined, undefined, undefined, parameters, undefined, f.createBlock([f.createReturnStatement(f.createIdentifier("value.length === count"))], false));
});
const long = "a description long enough that the object holding it is wider than the wrapping width";

const values: [string, LiteralValue][] = [
  ["scalars", [null, true, false, 0, -0, 1.5, -42, 1e21, 1e-7, -1e-7, "", "plain"]],
  ["empty containers", { a: {}, b: [], c: [[]], d: [{}] }],
  ["keys that are no identifiers and __proto__", JSON.parse('{ "content-type": 1, "1x": 2, "$ok": 3, "_ok": 4, "__proto__": 5, "é": 6 }') as LiteralValue],
  ["escapes in strings", ['q"uote', "back\\slash", "tab\tvt\vff\fbs\b", "cr\ronly", "nul\0x", "nul\x001", "\u0001\u001f", "\u2028\u2029\u0085", "non-ASCII: é ü 日本 😀", "`${x}`", "'single'"]],
  ["multi-line strings as template literals", { template: "line 1\n\nline `2` ${not} \\ end\r\nlast", doc: "one line" }],
  ["nesting that wraps at the first three levels only", { level1: { level2: { level3: { level4: { text: long } }, text: long }, list: [long, long] }, text: long }],
  ["wide arrays of objects", [{ name: "count", role: "input" }, { name: "page", role: "input" }, { name: "query", role: "input" }, { name: "more", role: "input" }]],
  ["expressions", { revive: { value: { kind: "class", class: thunk, props: { a: { kind: "date" } } } }, checks: [{ expression: "x", message: long, test: check }], definitions: { Customer: new RawExpression("__llmStrategyDef_Customer", () => ts.factory.createIdentifier("__llmStrategyDef_Customer")) } }],
];

test.each(values)("literal text is what the printer writes for the literal's AST: %s", (_, value) => {
  expect(`const x = ${literalText(value)};`).toBe(printed(value, ts.NewLineKind.LineFeed));
  expect(`const x = ${literalText(value, "\r\n")};`).toBe(printed(value, ts.NewLineKind.CarriageReturnLineFeed));
});

test("numbers JSON cannot hold are refused", () => {
  expect(() => literalText({ a: Number.NaN })).toThrow("NaN is not a JSON number");
});

test("module-scope statements go in as one node of text where the printer would print their AST unchanged, and as the AST where the compiler still lowers or wraps them", () => {
  const statements: ModuleStatement[] = [
    { name: "a", value: { template: "a\nb", class: thunk } },
    { name: "b", value: { wide: [long, long], list: [1, "x"] } },
    new RawExpression("a.calls.b = b", () => ts.factory.createAssignment(ts.factory.createPropertyAccessExpression(ts.factory.createPropertyAccessExpression(ts.factory.createIdentifier("a"), "calls"), "b"), ts.factory.createIdentifier("b"))),
  ];
  const written = (options: ts.CompilerOptions) => moduleScopeWriter(ts, options)(statements);
  const printedFile = (nodes: ts.Statement[], newLine: ts.NewLineKind) =>
    ts.createPrinter({ newLine }).printFile(ts.factory.updateSourceFile(ts.createSourceFile("x.ts", "", ts.ScriptTarget.ES2022), nodes));
  const asAst = written({ target: ts.ScriptTarget.ES5 });
  expect(asAst.map((node) => node.kind)).toEqual([ts.SyntaxKind.VariableStatement, ts.SyntaxKind.VariableStatement, ts.SyntaxKind.ExpressionStatement]);
  for (const options of [{ target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS }, { target: ts.ScriptTarget.ES2015, module: ts.ModuleKind.ESNext }]) {
    const nodes = written(options);
    expect(nodes).toHaveLength(1);
    expect(printedFile(nodes, ts.NewLineKind.LineFeed)).toBe(printedFile(asAst, ts.NewLineKind.LineFeed));
  }
  for (const options of [{}, { target: ts.ScriptTarget.ES5 }, { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.AMD }, { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.System }]) {
    expect(written(options)).toHaveLength(statements.length);
  }
  const crlf = written({ target: ts.ScriptTarget.ES2022, newLine: ts.NewLineKind.CarriageReturnLineFeed });
  expect(printedFile(crlf, ts.NewLineKind.CarriageReturnLineFeed)).toBe(printedFile(asAst, ts.NewLineKind.CarriageReturnLineFeed));
  expect(moduleScopeWriter(ts, { target: ts.ScriptTarget.ES2022 })([])).toEqual([]);
});
