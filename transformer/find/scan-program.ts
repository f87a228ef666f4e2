import type * as ts from "typescript";
import type { JsonValue } from "../../runtime/hyperparameters";
import type { TransformerContext } from "../context";
import { CHAIN_QUERY_METHOD, createChainQueryFinder } from "./chain-queries";
import type { CallLike } from "./generic-calls";
import { genericFunctionOf, type HelperDeclaration } from "./generic-helpers";
import { isPackageRuntimeFile } from "../package-files";
import { AliasNames, createRuntimeFunctionFinder } from "./runtime-functions";
import { createPromiseTypeTest, describeStub, stubDeclarationOf, type FoundStub } from "./stub-sites";

/** What one source file holds for the transformer. */
export interface FileFindings {
  stubs: FoundStub[];
  /** `implement<I>(model?)` calls. */
  implementCalls: ts.CallExpression[];
  /** `stub()` calls that are not the whole body of a function (each is a `StubOutsideStubBody` error). */
  strayStubCalls: ts.CallExpression[];
  /** Every call with a plain callee, optional calls too, and every `new` of a named class: candidates for generic specialisation (calls of the runtime's `stub()`, `implement()` and `hyperparameter()` never are). */
  calls: CallLike[];
  /** `extends Base<...>` of classes: a base whose constructor is a generic helper gets no table from `super(...)`. */
  bases: ts.ExpressionWithTypeArguments[];
  /** Functions, methods, arrows and constructors with type parameters of their own or their class's: candidates for generic helpers. */
  genericFunctions: HelperDeclaration[];
}

/** The symbol a callee's name resolves to (an import stays an alias), looked up once per name node. */
export type CalleeSymbols = (name: ts.Identifier) => ts.Symbol | undefined;

/** The stubs of the whole Program, found once: call sites in one file need the generic stubs of every other. */
export interface ProgramScan {
  files: Map<ts.SourceFile, FileFindings>;
  /** Generic stubs by declaration, for specialising their call sites in any file. */
  genericStubs: Map<ts.Node, FoundStub>;
  /** Their declared names: a cheap filter before resolving a call's signature. */
  genericStubNames: Set<string>;
  isPromiseType: (type: ts.Type) => boolean;
  /** Shared, since finding runtime functions, generic stub calls and helper calls all ask about the same callees. */
  calleeSymbol: CalleeSymbols;
  /** Every name an import-like declaration of the Program binds: an identifier with another name is no alias. Undefined when not known (a Program with JavaScript files). */
  aliasNames: ReadonlySet<string> | undefined;
  /**
   * Names given to `hyperparameter(name, ...)` anywhere in the compiled sources, so a prompt's
   * `{{hp:name}}` can be checked at build time; undefined when the set is not known (then the
   * run-time check is the only one): a name is not a string literal, or a file the build does
   * not compile may declare some (see `mayDeclareHyperparameters`).
   */
  hyperparameterNames: Set<string> | undefined;
  /**
   * The default of each `hyperparameter("name", default)` whose name and default are literals
   * (`300`, `"formal"`, `["a", "b"]`), so `llm-strategy prompts` can show the values a call sends.
   * A name declared twice with different defaults is left out (the runtime refuses it).
   */
  hyperparameterDefaults: Map<string, JsonValue>;
}

/** Files the transformer compiles: the Program's own sources, not declarations, libraries or node_modules. */
export function isCompiledSource(program: ts.Program, file: ts.SourceFile): boolean {
  return !file.isDeclarationFile && !program.isSourceFileFromExternalLibrary(file) && !program.isSourceFileDefaultLibrary(file);
}

/**
 * Whether code this build does not compile may declare hyperparameters: a referenced project
 * (its sources are built on their own), or a declaration file (a package under node_modules, a
 * project reference's output) that imports the runtime and mentions hyperparameters. Their
 * `hyperparameter(...)` calls run, but are not in this Program, so the build cannot know every name.
 */
function mayDeclareHyperparameters(program: ts.Program, runtimeModules: readonly string[]): boolean {
  if ((program.getProjectReferences() ?? []).length > 0) return true;
  const importsRuntime = (text: string) => runtimeModules.some((name) => text.includes(`"${name}"`) || text.includes(`'${name}'`));
  return program
    .getSourceFiles()
    .some(
      (file) =>
        !isCompiledSource(program, file) &&
        !program.isSourceFileDefaultLibrary(file) &&
        !isPackageRuntimeFile(file.fileName) &&
        /hyperparameter/i.test(file.text) &&
        importsRuntime(file.text),
    );
}

export function scanProgram(context: TransformerContext): ProgramScan {
  const { ts: tsi, program, checker } = context;
  const calleeSymbols = new Map<ts.Identifier, ts.Symbol | undefined>();
  // Files with a `with` statement, where names are not resolved by scope (TypeScript rejects the statement).
  const withFiles = new Set<ts.SourceFile>();
  const calleeSymbol: CalleeSymbols = (name) => {
    if (!calleeSymbols.has(name)) calleeSymbols.set(name, isScopedCallee(tsi, name, withFiles) ? checker.resolveName(name.text, name, tsi.SymbolFlags.Value, false) : checker.getSymbolAtLocation(name));
    return calleeSymbols.get(name);
  };
  const chainQueryOf = createChainQueryFinder(context);
  const isPromiseType = createPromiseTypeTest(context);
  const aliases = new AliasNames();
  const scan: ProgramScan = {
    files: new Map(),
    genericStubs: new Map(),
    genericStubNames: new Set(),
    isPromiseType,
    calleeSymbol,
    aliasNames: undefined,
    hyperparameterNames: mayDeclareHyperparameters(program, [...new Set(["llm-strategy", context.options.runtimeModule])]) ? undefined : new Set(),
    hyperparameterDefaults: new Map(),
  };
  const conflicting = new Set<string>();

  // 1. Walk each compiled file once, keeping its calls in source order; note every file's
  // import-like declarations, which say which callee names can be runtime functions at all.
  const walked: { file: ts.SourceFile; findings: FileFindings; calls: CallLike[] }[] = [];
  const collect = createNodeCollector(tsi);
  for (const file of program.getSourceFiles()) {
    aliases.addDeclarations(tsi, file);
    if (!isCompiledSource(program, file)) continue;
    const findings: FileFindings = { stubs: [], implementCalls: [], strayStubCalls: [], calls: [], bases: [], genericFunctions: [] };
    const calls: CallLike[] = [];
    for (const node of collect(file)) {
      switch (node.kind) {
        case tsi.SyntaxKind.CallExpression:
        case tsi.SyntaxKind.NewExpression: {
          const { expression } = node as CallLike;
          // `new Box<Card>(...)`: its constructor may be a generic helper.
          if (tsi.isIdentifier(expression) || tsi.isPropertyAccessExpression(expression) || (tsi.isElementAccessExpression(expression) && tsi.isCallExpression(node))) {
            calls.push(node as CallLike);
          }
          break;
        }
        case tsi.SyntaxKind.HeritageClause: {
          const clause = node as ts.HeritageClause;
          if (clause.token === tsi.SyntaxKind.ExtendsKeyword && tsi.isClassLike(clause.parent)) findings.bases.push(...clause.types);
          break;
        }
        case tsi.SyntaxKind.ImportDeclaration:
        case tsi.SyntaxKind.ImportEqualsDeclaration:
          if (!tsi.isSourceFile(node.parent) && !tsi.isModuleBlock(node.parent)) aliases.addDeclarations(tsi, node as ts.ImportDeclaration | ts.ImportEqualsDeclaration);
          break;
        case tsi.SyntaxKind.WithStatement:
          withFiles.add(file);
          break;
        default: {
          const genericFunction = genericFunctionOf(tsi, node);
          if (genericFunction) findings.genericFunctions.push(genericFunction);
        }
      }
    }
    walked.push({ file, findings, calls });
  }
  const runtimeNames = aliases.runtimeNames();
  if (aliases.filters) scan.aliasNames = aliases.bound;
  const runtimeFunctionOf = createRuntimeFunctionFinder(context, calleeSymbol, runtimeNames);

  // 2. Each call: a runtime function's (a stub, `implement`, `hyperparameter`), the runtime's chain query, or a candidate for generic specialisation.
  for (const { file, findings, calls } of walked) {
    // A file that calls only runtime functions still counts as one with findings.
    let callsRuntime = false;
    for (const node of calls) {
      if (tsi.isNewExpression(node)) {
        findings.calls.push(node);
        continue;
      }
      const runtimeFunction = runtimeFunctionOf(node);
      if (runtimeFunction) callsRuntime = true;
      else findings.calls.push(node);
      // `chain.structuredQuery<T>()` of the runtime: its declaration joins the generic stubs, so its call sites are specialised.
      const chainQuery = !tsi.isOptionalChain(node) ? chainQueryOf(node) : undefined;
      if (chainQuery && !scan.genericStubs.has(chainQuery.site.declaration)) {
        scan.genericStubs.set(chainQuery.site.declaration, chainQuery);
        scan.genericStubNames.add(CHAIN_QUERY_METHOD);
      }
      if (runtimeFunction === "implement") findings.implementCalls.push(node);
      if (runtimeFunction === "hyperparameter") {
        const name = node.arguments[0];
        if (name && tsi.isStringLiteralLike(name)) scan.hyperparameterNames?.add(name.text);
        else scan.hyperparameterNames = undefined;
        const value = node.arguments[1] && literalJson(tsi, node.arguments[1]);
        if (name && tsi.isStringLiteralLike(name) && value !== undefined && !conflicting.has(name.text)) {
          const known = scan.hyperparameterDefaults.get(name.text);
          if (known !== undefined && JSON.stringify(known) !== JSON.stringify(value)) {
            conflicting.add(name.text);
            scan.hyperparameterDefaults.delete(name.text);
          } else scan.hyperparameterDefaults.set(name.text, value);
        }
      }
      if (runtimeFunction === "stub") {
        const declaration = stubDeclarationOf(tsi, node);
        if (declaration) {
          const stub = describeStub(context, declaration, node, isPromiseType);
          findings.stubs.push(stub);
          if (stub.generic) {
            scan.genericStubs.set(declaration, stub);
            const name = tsi.getNameOfDeclaration(declaration);
            if (name && (tsi.isIdentifier(name) || tsi.isPrivateIdentifier(name))) scan.genericStubNames.add(name.text);
            else scan.genericStubNames.add(stub.site.qualifiedName.split(".").pop() ?? "");
          }
        } else {
          findings.strayStubCalls.push(node);
        }
      }
    }
    if (findings.stubs.length || findings.implementCalls.length || findings.strayStubCalls.length || findings.calls.length || findings.bases.length || callsRuntime) {
      scan.files.set(file, findings);
    }
  }
  return scan;
}

/**
 * The nodes of a file the scan looks at, in source order: calls, `new` expressions, heritage
 * clauses, imports, and the functions, methods, arrows and constructors that may be generic
 * helpers. The walk itself only compares kinds (a table lookup per node): it visits every node
 * of every compiled file, and the less its function does, the less V8 has to compile, and to
 * compile again when a new file brings node shapes it has not seen. Type nodes, interfaces and
 * type aliases hold none of these (no calls, no bodies), so the walk does not enter them.
 */
function createNodeCollector(tsi: typeof ts): (file: ts.SourceFile) => ts.Node[] {
  const { SyntaxKind } = tsi;
  const KEEP = 1;
  const SKIP = 2;
  const roles = new Uint8Array(SyntaxKind.Count);
  for (let kind = SyntaxKind.FirstTypeNode; kind <= SyntaxKind.LastTypeNode; kind++) roles[kind] = SKIP;
  roles[SyntaxKind.InterfaceDeclaration] = SKIP;
  roles[SyntaxKind.TypeAliasDeclaration] = SKIP;
  for (const kind of [
    SyntaxKind.CallExpression,
    SyntaxKind.NewExpression,
    SyntaxKind.HeritageClause,
    SyntaxKind.ImportDeclaration,
    SyntaxKind.ImportEqualsDeclaration,
    SyntaxKind.FunctionDeclaration,
    SyntaxKind.FunctionExpression,
    SyntaxKind.ArrowFunction,
    SyntaxKind.MethodDeclaration,
    SyntaxKind.Constructor,
    SyntaxKind.WithStatement,
  ]) {
    roles[kind] = KEEP;
  }
  const { forEachChild } = tsi;
  let found: ts.Node[] = [];
  const visit = (node: ts.Node): undefined => {
    const role = roles[node.kind];
    if (role === SKIP) return undefined;
    if (role === KEEP) found.push(node);
    forEachChild(node, visit);
    return undefined;
  };
  return (file) => {
    found = [];
    forEachChild(file, visit);
    return found;
  };
}

/**
 * Whether a callee's name is resolved by scope alone: the name of a call or `new` (`stub()`,
 * not the `stub` of `llm.stub()`) in a TypeScript file. For such a name `getSymbolAtLocation`
 * comes down to the checker's `resolveName` from the name, after searching its ancestors for a
 * JSDoc comment it could stand in (twice, for every callee the scan asks about). A JavaScript
 * file also binds names by assignment, and `with` makes names unresolvable: both still ask
 * `getSymbolAtLocation`.
 */
function isScopedCallee(tsi: typeof ts, name: ts.Identifier, withFiles: ReadonlySet<ts.SourceFile>): boolean {
  const parent = name.parent;
  return (
    (parent.kind === tsi.SyntaxKind.CallExpression || parent.kind === tsi.SyntaxKind.NewExpression) &&
    (parent as CallLike).expression === name &&
    !(name.flags & tsi.NodeFlags.JavaScriptFile) &&
    (withFiles.size === 0 || !withFiles.has(name.getSourceFile()))
  );
}

/** The JSON value a literal expression spells (`300`, `-1`, `"a"`, `true`, `[1, 2]`, `{ a: "b" }`); undefined for anything computed. */
function literalJson(tsi: typeof ts, node: ts.Expression): JsonValue | undefined {
  while (tsi.isParenthesizedExpression(node) || tsi.isAsExpression(node) || tsi.isSatisfiesExpression(node)) node = node.expression;
  if (tsi.isStringLiteralLike(node)) return node.text;
  if (tsi.isNumericLiteral(node)) return Number(node.text);
  if (tsi.isPrefixUnaryExpression(node) && node.operator === tsi.SyntaxKind.MinusToken && tsi.isNumericLiteral(node.operand)) return -Number(node.operand.text);
  if (node.kind === tsi.SyntaxKind.TrueKeyword) return true;
  if (node.kind === tsi.SyntaxKind.FalseKeyword) return false;
  if (tsi.isArrayLiteralExpression(node)) {
    const items = node.elements.map((element) => literalJson(tsi, element));
    return items.every((item) => item !== undefined) ? (items as JsonValue[]) : undefined;
  }
  if (tsi.isObjectLiteralExpression(node)) {
    const object: { [key: string]: JsonValue } = {};
    for (const property of node.properties) {
      if (!tsi.isPropertyAssignment(property) || !(tsi.isIdentifier(property.name) || tsi.isStringLiteralLike(property.name))) return undefined;
      const value = literalJson(tsi, property.initializer);
      if (value === undefined) return undefined;
      object[property.name.text] = value;
    }
    return object;
  }
  return undefined;
}
