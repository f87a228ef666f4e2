import type * as ts from "typescript";
import { isPackageRuntimeFile } from "../package-files";
import type { TransformerContext } from "../context";
import type { CalleeSymbols } from "./scan-program";

/** The runtime functions whose calls the transformer rewrites. */
export type RuntimeFunction = "stub" | "implement" | "hyperparameter";

const NAMES = new Set<string>(["stub", "implement", "hyperparameter"]);

/**
 * Recognises calls of the package's own `stub()` and `implement<I>()` by resolving the called
 * symbol to its declaration (through aliased and namespace imports and re-exports) and checking
 * that the declaration lives in the `llm-strategy` package: `runtime/stub.ts` in this repository,
 * `dist/runtime/stub.d.ts` once installed. A user's own function named `stub` is not ours.
 * @param runtimeNames The only callee names that can be ours (see `AliasNames.runtimeNames`); undefined: any name.
 */
export function createRuntimeFunctionFinder(
  context: TransformerContext,
  calleeSymbol: CalleeSymbols,
  runtimeNames: ReadonlySet<string> | undefined,
): (call: ts.CallExpression) => RuntimeFunction | undefined {
  const { ts, checker } = context;
  const bySymbol = new Map<ts.Symbol, RuntimeFunction | undefined>();

  function classify(symbol: ts.Symbol): RuntimeFunction | undefined {
    const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
    const name = target.getName();
    if (!NAMES.has(name)) return undefined;
    const declaration = target.declarations?.find(ts.isFunctionDeclaration);
    if (!declaration || !isPackageRuntimeFile(declaration.getSourceFile().fileName)) return undefined;
    return name as RuntimeFunction;
  }

  return (call) => {
    // `stub()` takes no argument, `implement<I>(model?)` at most one, `hyperparameter(name, default, options?)` two or three: a cheap filter before asking the checker.
    if (call.arguments.length > 3) return undefined;
    const callee = call.expression;
    const nameNode = ts.isIdentifier(callee)
      ? callee
      : ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.name)
        ? callee.name
        : undefined;
    if (!nameNode || (runtimeNames && !runtimeNames.has(nameNode.text))) return undefined;
    const symbol = calleeSymbol(nameNode);
    if (!symbol) return undefined;
    // Without an alias the declared name must already be ours; skips the map for ordinary calls.
    if (!(symbol.flags & ts.SymbolFlags.Alias) && !NAMES.has(symbol.getName())) return undefined;
    if (!bySymbol.has(symbol)) bySymbol.set(symbol, classify(symbol));
    return bySymbol.get(symbol);
  };
}

/**
 * The names the Program's import-like declarations (imports, re-exports, `import x = ...`,
 * `export default`, `export =`, `export as namespace`) bind, and the name each takes from its
 * module. Most calls in a Program are of local functions and methods: their names cannot reach a
 * runtime function or an import, so the scan skips asking the checker for their symbols (the
 * checker's answer would be the same: the name is not ours and not an alias).
 *
 * Exact only where TypeScript binds aliases from these declarations alone: a JavaScript file
 * also binds them from `require(...)` and `module.exports`, so a Program with JavaScript files
 * has no filter (`filters` is false).
 */
export class AliasNames {
  /** False once a JavaScript file is seen. */
  filters = true;
  /** Names an identifier can refer to as an alias: the local names of imports, `import x = ...` and UMD globals. */
  readonly bound = new Set<string>();
  /** For each name a declaration takes from a module, the names it binds it to. `export=` is a module's `export =`. */
  private readonly bindings = new Map<string, string[]>();

  private add(tsi: typeof ts, node: ts.Node): void {
    switch (node.kind) {
      case tsi.SyntaxKind.ImportEqualsDeclaration: {
        const { name, moduleReference } = node as ts.ImportEqualsDeclaration;
        const taken = tsi.isExternalModuleReference(moduleReference) ? "export=" : tsi.isQualifiedName(moduleReference) ? moduleReference.right.text : moduleReference.text;
        this.bind(taken, name.text, true);
        break;
      }
      case tsi.SyntaxKind.ImportClause: {
        // `import d from "m"` takes the default export, or the `export =` of a CommonJS module.
        const { name } = node as ts.ImportClause;
        if (name) for (const taken of ["default", "export="]) this.bind(taken, name.text, true);
        break;
      }
      case tsi.SyntaxKind.NamespaceImport:
        this.bind("export=", (node as ts.NamespaceImport).name.text, true);
        break;
      case tsi.SyntaxKind.NamespaceExportDeclaration:
        this.bind("export=", (node as ts.NamespaceExportDeclaration).name.text, true);
        break;
      case tsi.SyntaxKind.NamespaceExport:
        this.bind("export=", (node as ts.NamespaceExport).name.text, false);
        break;
      case tsi.SyntaxKind.ImportSpecifier:
      case tsi.SyntaxKind.ExportSpecifier: {
        const { name, propertyName } = node as ts.ImportSpecifier | ts.ExportSpecifier;
        this.bind((propertyName ?? name).text, name.text, tsi.isImportSpecifier(node));
        break;
      }
      case tsi.SyntaxKind.ExportAssignment: {
        const { expression, isExportEquals } = node as ts.ExportAssignment;
        const taken = tsi.isIdentifier(expression) ? expression.text : tsi.isPropertyAccessExpression(expression) && tsi.isIdentifier(expression.name) ? expression.name.text : undefined;
        if (taken !== undefined) this.bind(taken, isExportEquals ? "export=" : "default", false);
        break;
      }
    }
  }

  /**
   * Records the import-like declarations of a file (they stand at its top level and in
   * `declare module` and namespace bodies), or of one import statement: the scan walks compiled
   * files whole and passes the imports it finds elsewhere (in a block; an error, but TypeScript
   * still binds them).
   */
  addDeclarations(tsi: typeof ts, node: ts.SourceFile | ts.ImportDeclaration | ts.ImportEqualsDeclaration): void {
    if (tsi.isSourceFile(node) && node.flags & tsi.NodeFlags.JavaScriptFile) this.filters = false;
    const visit = (node: ts.Node): void => {
      this.add(tsi, node);
      if (
        tsi.isSourceFile(node) ||
        tsi.isModuleDeclaration(node) ||
        tsi.isModuleBlock(node) ||
        tsi.isImportDeclaration(node) ||
        tsi.isImportClause(node) ||
        tsi.isNamedImports(node) ||
        tsi.isExportDeclaration(node) ||
        tsi.isNamedExports(node)
      ) {
        tsi.forEachChild(node, visit);
      }
    };
    visit(node);
  }

  /** The names a runtime function can be called by: its own, and every name an alias chain gives it. Undefined when there is no filter. */
  runtimeNames(): Set<string> | undefined {
    if (!this.filters) return undefined;
    const names = new Set(NAMES);
    const pending = [...NAMES];
    for (let taken = pending.pop(); taken !== undefined; taken = pending.pop()) {
      for (const bound of this.bindings.get(taken) ?? []) {
        if (!names.has(bound)) {
          names.add(bound);
          pending.push(bound);
        }
      }
    }
    return names;
  }

  private bind(taken: string, bound: string, referable: boolean): void {
    if (referable) this.bound.add(bound);
    if (taken === bound) return;
    const list = this.bindings.get(taken);
    if (list) list.push(bound);
    else this.bindings.set(taken, [bound]);
  }
}
