/**
 * The runtime's modules import each other without cycles: a cycle hands one of its modules a
 * half-initialised other (an `undefined` import at load time) depending on which is loaded
 * first, and it hides which of the two is the lower layer. Lazy `require("./x")` counts too.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as ts from "typescript";
import { REPO_ROOT } from "../helpers/compile";

/** Every `.ts` file under `dir`, absolute. */
function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") ? [full] : [];
  });
}

/** The relative modules a file loads at run time: value imports and re-exports, `require` and `import()` calls. */
function runtimeImports(file: string): string[] {
  const source = ts.createSourceFile(file, fs.readFileSync(file, "utf8"), ts.ScriptTarget.ES2022, true);
  const specifiers: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      // Type-only imports are erased, as are imports whose every named binding is `type`.
      const erased =
        clause !== undefined &&
        (clause.isTypeOnly ||
          (clause.name === undefined && clause.namedBindings !== undefined && ts.isNamedImports(clause.namedBindings) && clause.namedBindings.elements.length > 0 && clause.namedBindings.elements.every((element) => element.isTypeOnly)));
      if (!erased) specifiers.push(node.moduleSpecifier.text);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      const erased = node.isTypeOnly || (node.exportClause !== undefined && ts.isNamedExports(node.exportClause) && node.exportClause.elements.length > 0 && node.exportClause.elements.every((element) => element.isTypeOnly));
      if (!erased) specifiers.push(node.moduleSpecifier.text);
    } else if (ts.isCallExpression(node) && node.arguments.length === 1 && ts.isStringLiteral(node.arguments[0]!)) {
      const callee = node.expression;
      if ((ts.isIdentifier(callee) && callee.text === "require") || callee.kind === ts.SyntaxKind.ImportKeyword) specifiers.push(node.arguments[0].text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return specifiers.filter((specifier) => specifier.startsWith(".")).map((specifier) => resolveLocal(path.dirname(file), specifier));
}

function resolveLocal(from: string, specifier: string): string {
  const base = path.resolve(from, specifier);
  for (const candidate of [`${base}.ts`, path.join(base, "index.ts")]) if (fs.existsSync(candidate)) return candidate;
  throw new Error(`${specifier} (imported in ${from}) resolves to no .ts file`);
}

/** Each cycle once, as the files along it (relative to `root`), by Tarjan's strongly connected components. */
function importCycles(root: string, files: string[]): string[][] {
  const graph = new Map(files.map((file) => [file, runtimeImports(file)]));
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const connect = (file: string): void => {
    index.set(file, index.size);
    low.set(file, index.get(file)!);
    stack.push(file);
    onStack.add(file);
    for (const next of graph.get(file) ?? []) {
      if (!index.has(next)) {
        connect(next);
        low.set(file, Math.min(low.get(file)!, low.get(next)!));
      } else if (onStack.has(next)) low.set(file, Math.min(low.get(file)!, index.get(next)!));
    }
    if (low.get(file) === index.get(file)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== file);
      const selfImport = component.length === 1 && (graph.get(file) ?? []).includes(file);
      if (component.length > 1 || selfImport) components.push(component.map((each) => path.relative(root, each)).sort());
    }
  };
  for (const file of files) if (!index.has(file)) connect(file);
  return components;
}

test("no import cycles among the runtime's modules", () => {
  const root = path.join(REPO_ROOT, "runtime");
  const files = sourceFiles(root);
  expect(files.length).toBeGreaterThan(30);
  expect(importCycles(root, files)).toEqual([]);
});

test("the walk sees a cycle through a lazy require and ignores type-only imports", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "llm-strategy-cycles-"));
  try {
    const write = (name: string, text: string) => fs.writeFileSync(path.join(dir, name), text);
    write("a.ts", `import { b } from "./b";\nexport const a = () => b;\n`);
    write("b.ts", `export const b = () => (require("./a") as typeof import("./a")).a;\n`);
    write("c.ts", `import type { Shape } from "./shape";\nimport { type a } from "./a";\nexport const c = (x: Shape, y: typeof a) => [x, y];\n`);
    write("shape.ts", `import { c } from "./c";\nexport type Shape = typeof c;\n`);
    expect(importCycles(dir, ["a.ts", "b.ts", "c.ts", "shape.ts"].map((name) => path.join(dir, name)))).toEqual([["a.ts", "b.ts"]]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
