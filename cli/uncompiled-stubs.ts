/**
 * Finds the calls of llm-strategy's `stub()` and `implement<I>()` that are still in compiled
 * JavaScript: a build that skipped the transformer (plain `tsc`, a bundler without the plugin)
 * leaves them there, and each throws `StubNotCompiledError` when it runs. The transformer removes
 * every such call, so any one left is a finding.
 *
 * The file is parsed and its names resolved by TypeScript (a JS Program of the file and the code
 * it evals, names bound by its checker, so scopes and shadowing in minified code are right). A
 * called function is the runtime's when it is reached from:
 * - the module `llm-strategy` kept external: `require`/`import`/`import()` of it, through
 *   interop helpers (`__importStar`, `__toESM`, ...), destructuring and aliases;
 * - the runtime bundled in: a function whose body throws with one of `UNCOMPILED_MARKERS` (the
 *   runtime's `stub` and `implement`, recognised by a string literal minifiers keep), or a
 *   `.stub`/`.implement` property of a bundled module whose code loads such a function (esbuild's
 *   and rolldown's `require_x()` wrappers, webpack's module ids).
 * Webpack's development builds hold each module's code in a string given to `eval`: those strings
 * are parsed as code too, each in a function scope of its own, as `eval` runs them.
 * Compiled stubs call the runtime's `invoke` and friends instead, and are counted by the specs the
 * transformer emitted for them.
 */
import type * as ts from "typescript";
import { UNCOMPILED_MARKERS, type UncompiledCall, type UncompiledMarker } from "../runtime/errors";

/** Which runtime function a call left in the output calls. */
export type { UncompiledCall };

/** One call of `stub()` / `implement<I>()` that the transformer did not rewrite. */
export interface UncompiledStub {
  called: UncompiledCall;
  /**
   * 0-based line and column of the called name in the JavaScript file (what source maps are keyed
   * by), or in the code of `evalModule` when the call is in one.
   */
  line: number;
  column: number;
  evalModule?: EvalModule;
}

/** Code a bundle runs with `eval("...")` (webpack's development builds: one module per string). */
export interface EvalModule {
  /** The string's text: the module's code, with its own `//# sourceURL=` and often `//# sourceMappingURL=`. */
  text: string;
  /** 0-based line of the `eval` call in the JavaScript file. */
  line: number;
  /** The module's name from its `//# sourceURL=` comment (`webpack:///./src/a.js?`), when it has one. */
  sourceUrl?: string;
}

/** What one JavaScript file holds. */
export interface JsFileCheck {
  uncompiled: UncompiledStub[];
  /** Ids of the stub specs the transformer emitted into this file (one per compiled stub declaration or specialisation). */
  compiledIds: string[];
}

const RUNTIME_MODULE = "llm-strategy";
const CALLED = new Set<string>(Object.values(UNCOMPILED_MARKERS));

/**
 * Checks one JavaScript file. `ts` is any TypeScript with the compiler API (it only parses and
 * binds the file; no types are checked).
 */
export function checkJavaScript(tsi: typeof ts, fileName: string, text: string): JsFileCheck {
  // Neither the module's name nor a marker in the text: no runtime function can be reached.
  if (!text.includes(RUNTIME_MODULE)) return { uncompiled: [], compiledIds: [] };
  const source = tsi.createSourceFile(fileName, text, tsi.ScriptTarget.Latest, true, tsi.ScriptKind.JS);
  const evals = evalModules(tsi, source);
  const files = new Map<string, ts.SourceFile>([[fileName, source], ...[...evals.values()].map((module): [string, ts.SourceFile] => [module.source.fileName, module.source])]);
  const host: ts.CompilerHost = {
    getSourceFile: (name) => files.get(name),
    fileExists: (name) => files.has(name),
    readFile: () => undefined,
    getDefaultLibFileName: () => "lib.d.ts",
    writeFile: () => undefined,
    getCurrentDirectory: () => "/",
    getCanonicalFileName: (name) => name,
    useCaseSensitiveFileNames: () => true,
    getNewLine: () => "\n",
  };
  const program = tsi.createProgram({ rootNames: [...files.keys()], options: { allowJs: true, noResolve: true, noLib: true, types: [] }, host });
  return new FileScan(tsi, program.getTypeChecker(), source, evals).run();
}

/**
 * `eval` runs its string in the caller's function scope; parsed as a file of its own, the code's
 * top-level names would be globals shared by every such module, so each is wrapped in a function.
 */
const EVAL_WRAPPER = "(function(){";

interface ParsedEval {
  source: ts.SourceFile;
  module: EvalModule;
}

/** The `eval("...")` calls of `source` with a string literal, each string parsed as code. */
function evalModules(tsi: typeof ts, source: ts.SourceFile): Map<ts.Node, ParsedEval> {
  const found = new Map<ts.Node, ParsedEval>();
  const visit = (node: ts.Node): void => {
    if (tsi.isCallExpression(node) && tsi.isIdentifier(node.expression) && node.expression.text === "eval" && node.arguments.length === 1 && tsi.isStringLiteralLike(node.arguments[0]!)) {
      const text = node.arguments[0].text;
      const name = `${source.fileName}#eval-${found.size}.js`;
      const sourceUrl = [...text.matchAll(/\/\/[#@] sourceURL=(\S+)/g)].pop()?.[1];
      found.set(node, {
        source: tsi.createSourceFile(name, `${EVAL_WRAPPER}${text}\n})`, tsi.ScriptTarget.Latest, true, tsi.ScriptKind.JS),
        module: { text, line: source.getLineAndCharacterOfPosition(node.getStart(source)).line, ...(sourceUrl ? { sourceUrl } : {}) },
      });
      return;
    }
    tsi.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

class FileScan {
  /** Functions whose own body throws with a marker: the bundled runtime's `stub` and `implement`. */
  private readonly marked = new Map<ts.Node, UncompiledCall>();
  /** Every marker `new` expression, for "does this module's code load the runtime". */
  private readonly markerNews = new Set<ts.Node>();
  private readonly calls: ts.CallExpression[] = [];
  private readonly compiledIds: string[] = [];
  /** Functions of object-literal module tables (webpack's `{ 123: (module, exports, require) => {...} }`), by key. */
  private readonly moduleTable = new Map<string, ts.Node[]>();
  private readonly loadsMemo = new Map<ts.Node, boolean>();
  private readonly moduleMemo = new Map<ts.Node, boolean>();
  private readonly functionMemo = new Map<ts.Node, UncompiledCall | undefined>();

  /** The eval'd modules by the source file their code was parsed into. */
  private readonly evalBySource = new Map<ts.SourceFile, EvalModule>();

  constructor(
    private readonly ts: typeof import("typescript"),
    private readonly checker: ts.TypeChecker,
    private readonly source: ts.SourceFile,
    private readonly evals: ReadonlyMap<ts.Node, ParsedEval>,
  ) {
    for (const { source: code, module } of evals.values()) this.evalBySource.set(code, module);
  }

  run(): JsFileCheck {
    this.collect(this.source);
    const uncompiled: UncompiledStub[] = [];
    for (const call of this.calls) {
      const called = this.functionOf(call.expression);
      if (!called) continue;
      const code = call.getSourceFile();
      const { line, character } = code.getLineAndCharacterOfPosition(calledName(this.ts, call.expression).getStart(code));
      const evalModule = this.evalBySource.get(code);
      if (!evalModule) uncompiled.push({ called, line, column: character });
      else uncompiled.push({ called, line, column: line === 0 ? character - EVAL_WRAPPER.length : character, evalModule });
    }
    return { uncompiled, compiledIds: this.compiledIds };
  }

  /** One walk (into eval'd code too): calls, marker throws, module tables and emitted specs. */
  private collect(node: ts.Node): void {
    const { ts } = this;
    if (ts.isCallExpression(node)) {
      this.calls.push(node);
      const evaluated = this.evals.get(node);
      if (evaluated) this.collect(evaluated.source);
    } else if (ts.isNewExpression(node)) {
      const marker = node.arguments?.find((argument): argument is ts.StringLiteralLike => ts.isStringLiteralLike(argument) && argument.text in UNCOMPILED_MARKERS);
      if (marker) {
        this.markerNews.add(node);
        const fn = ts.findAncestor(node.parent, ts.isFunctionLike);
        if (fn) this.marked.set(fn, UNCOMPILED_MARKERS[marker.text as UncompiledMarker]);
      }
    } else if (ts.isObjectLiteralExpression(node)) {
      const id = emittedSpecId(ts, node);
      if (id !== undefined) this.compiledIds.push(id);
      for (const property of node.properties) {
        const key = property.name && (ts.isNumericLiteral(property.name) || ts.isStringLiteral(property.name)) ? property.name.text : undefined;
        if (key === undefined) continue;
        const fn = ts.isPropertyAssignment(property) ? skipOuter(ts, property.initializer) : property;
        if (ts.isFunctionLike(fn)) this.moduleTable.set(key, [...(this.moduleTable.get(key) ?? []), fn]);
      }
    }
    ts.forEachChild(node, (child) => this.collect(child));
  }

  /** The runtime function `expression` evaluates to, if any. */
  private functionOf(expression: ts.Expression): UncompiledCall | undefined {
    const { ts } = this;
    const node = skipOuter(ts, expression);
    if (ts.isPropertyAccessExpression(node) || ts.isElementAccessExpression(node)) {
      const name = propertyName(ts, node);
      return name !== undefined && CALLED.has(name) && this.isRuntimeModule(node.expression) ? (name as UncompiledCall) : undefined;
    }
    if (ts.isIdentifier(node)) return this.declarationsOf(node).map((declaration) => this.functionOfDeclaration(declaration)).find(Boolean);
    if (ts.isFunctionExpression(node) || ts.isArrowFunction(node)) return this.marked.get(node);
    return undefined;
  }

  private functionOfDeclaration(declaration: ts.Declaration): UncompiledCall | undefined {
    if (this.functionMemo.has(declaration)) return this.functionMemo.get(declaration);
    this.functionMemo.set(declaration, undefined); // a cycle (`var a = b, b = a`) is no runtime function
    const { ts } = this;
    let called: UncompiledCall | undefined;
    if (ts.isFunctionDeclaration(declaration)) {
      called = this.marked.get(declaration);
    } else if (ts.isVariableDeclaration(declaration) && ts.isIdentifier(declaration.name) && declaration.initializer) {
      called = this.functionOf(declaration.initializer); // `var s = runtime.stub`
    } else if (ts.isBindingElement(declaration)) {
      const name = (declaration.propertyName ?? declaration.name).getText(this.source);
      const holder = declaration.parent.parent;
      if (CALLED.has(name) && ts.isObjectBindingPattern(declaration.parent) && ts.isVariableDeclaration(holder) && holder.initializer && this.isRuntimeModule(holder.initializer)) {
        called = name as UncompiledCall; // `const { stub: s } = require("llm-strategy")`
      }
    } else if (ts.isImportSpecifier(declaration)) {
      const name = (declaration.propertyName ?? declaration.name).text;
      if (CALLED.has(name) && isRuntimeSpecifier(ts, declaration.parent.parent.parent.moduleSpecifier)) called = name as UncompiledCall;
    }
    this.functionMemo.set(declaration, called);
    return called;
  }

  /** Whether `expression` evaluates to the runtime's exports (a module object with `stub` and `implement`). */
  private isRuntimeModule(expression: ts.Expression): boolean {
    const { ts } = this;
    const node = skipOuter(ts, expression);
    if (ts.isCallExpression(node)) {
      if (isRuntimeImport(ts, node)) return true;
      // Interop helpers wrap the module object: `__importStar(require(...))`, `__toESM(require_x())`.
      if (node.arguments.some((argument) => this.isRuntimeModule(argument))) return true;
      return this.loadsBundledModule(node);
    }
    if (ts.isPropertyAccessExpression(node) && node.name.text === "default") return this.isRuntimeModule(node.expression); // esModuleInterop's `x.default.stub()`
    if (ts.isIdentifier(node)) return this.declarationsOf(node).some((declaration) => this.isRuntimeModuleDeclaration(declaration));
    return false;
  }

  private isRuntimeModuleDeclaration(declaration: ts.Declaration): boolean {
    const memo = this.moduleMemo.get(declaration);
    if (memo !== undefined) return memo;
    this.moduleMemo.set(declaration, false);
    const { ts } = this;
    let result = false;
    if (ts.isVariableDeclaration(declaration) && ts.isIdentifier(declaration.name) && declaration.initializer) {
      result = this.isRuntimeModule(declaration.initializer);
    } else if (ts.isNamespaceImport(declaration)) {
      result = isRuntimeSpecifier(ts, declaration.parent.parent.moduleSpecifier);
    } else if (ts.isImportClause(declaration)) {
      result = isRuntimeSpecifier(ts, declaration.parent.moduleSpecifier); // a default import of the CommonJS runtime is its exports
    }
    this.moduleMemo.set(declaration, result);
    return result;
  }

  /**
   * A call that returns a bundled module whose code loads the runtime: `require_runtime()` (the
   * callee's initializer holds the module's code), `(__commonJSMin((exports) => {...}))()` (the
   * callee holds it), or `__webpack_require__(123)` (the module table holds it under the id).
   */
  private loadsBundledModule(call: ts.CallExpression): boolean {
    const { ts } = this;
    const callee = skipOuter(ts, call.expression);
    if (call.arguments.length === 0) {
      if (!ts.isIdentifier(callee)) return this.loadsRuntime(callee);
      return this.declarationsOf(callee).some((declaration) => ts.isVariableDeclaration(declaration) && declaration.initializer !== undefined && this.loadsRuntime(declaration.initializer));
    }
    const [id] = call.arguments;
    if (call.arguments.length === 1 && id && (ts.isNumericLiteral(id) || ts.isStringLiteral(id))) {
      return (this.moduleTable.get(id.text) ?? []).some((fn) => this.loadsRuntime(fn));
    }
    return false;
  }

  /** Whether running `code` loads the runtime: it holds a marker throw, imports the runtime, or loads a bundled module that does. */
  private loadsRuntime(code: ts.Node): boolean {
    const memo = this.loadsMemo.get(code);
    if (memo !== undefined) return memo;
    this.loadsMemo.set(code, false);
    const { ts } = this;
    const visit = (node: ts.Node): boolean => {
      if (this.markerNews.has(node)) return true;
      if (ts.isCallExpression(node) && (isRuntimeImport(ts, node) || this.loadsBundledModule(node))) return true;
      const evaluated = this.evals.get(node);
      if (evaluated && visit(evaluated.source)) return true;
      return ts.forEachChild(node, visit) ?? false;
    };
    const result = visit(code);
    this.loadsMemo.set(code, result);
    return result;
  }

  private declarationsOf(identifier: ts.Identifier): ts.Declaration[] {
    return this.checker.getSymbolAtLocation(identifier)?.declarations ?? [];
  }
}

/** `(0, x.stub)` and `(x.stub)` are `x.stub`; `await import(...)` is the import. */
function skipOuter(tsi: typeof ts, expression: ts.Expression): ts.Expression {
  let node = expression;
  for (;;) {
    if (tsi.isParenthesizedExpression(node) || tsi.isAwaitExpression(node)) node = node.expression;
    else if (tsi.isBinaryExpression(node) && node.operatorToken.kind === tsi.SyntaxKind.CommaToken) node = node.right;
    else return node;
  }
}

/** The node a finding points at: the called name (`stub` in `(0, m.stub)()`). */
function calledName(tsi: typeof ts, callee: ts.Expression): ts.Node {
  const node = skipOuter(tsi, callee);
  if (tsi.isPropertyAccessExpression(node)) return node.name;
  if (tsi.isElementAccessExpression(node)) return node.argumentExpression;
  return node;
}

function propertyName(tsi: typeof ts, access: ts.PropertyAccessExpression | ts.ElementAccessExpression): string | undefined {
  if (tsi.isPropertyAccessExpression(access)) return access.name.text;
  return tsi.isStringLiteralLike(access.argumentExpression) ? access.argumentExpression.text : undefined;
}

/** `require("llm-strategy")` or `import("llm-strategy")` (or a path inside the package). */
function isRuntimeImport(tsi: typeof ts, call: ts.CallExpression): boolean {
  const isLoader = call.expression.kind === tsi.SyntaxKind.ImportKeyword || (tsi.isIdentifier(call.expression) && call.expression.text === "require");
  return isLoader && call.arguments.length >= 1 && isRuntimeSpecifier(tsi, call.arguments[0]!);
}

function isRuntimeSpecifier(tsi: typeof ts, specifier: ts.Node): boolean {
  return tsi.isStringLiteralLike(specifier) && (specifier.text === RUNTIME_MODULE || specifier.text.startsWith(`${RUNTIME_MODULE}/`));
}

/**
 * The id of a stub spec the transformer emitted (`{ version: 1, id: "src/a.ts:5 Customer.age",
 * kind, template, ..., hash }`), or undefined for any other object. The runtime's own fallback
 * specs (ids starting with `llm-strategy `) are not stubs of the project.
 */
function emittedSpecId(tsi: typeof ts, object: ts.ObjectLiteralExpression): string | undefined {
  const values = new Map<string, ts.Expression>();
  for (const property of object.properties) {
    if (tsi.isPropertyAssignment(property) && (tsi.isIdentifier(property.name) || tsi.isStringLiteral(property.name))) values.set(property.name.text, property.initializer);
  }
  const id = values.get("id");
  const isString = (value: ts.Expression | undefined) => value !== undefined && tsi.isStringLiteralLike(value);
  if (!id || !tsi.isStringLiteralLike(id) || id.text.startsWith(`${RUNTIME_MODULE} `)) return undefined;
  const version = values.get("version");
  if (!version || !tsi.isNumericLiteral(version) || !isString(values.get("kind")) || !values.has("template") || !isString(values.get("hash"))) return undefined;
  return id.text;
}
