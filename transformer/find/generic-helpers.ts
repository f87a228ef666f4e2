/**
 * Generic helpers: functions, methods and arrows that are not stubs but call generic stubs (or
 * other helpers) with their own type parameters, e.g. an optimisation loop `optimise<P, R, H>`
 * calling `reflect<P, R, H>(run)`. Their stub calls cannot be specialised where they stand (the
 * types are `P`, `R`, `H` there), so each compiled call of a helper with known types passes a
 * table of the concrete specs (`HelperSpecialisation`), and the helper's dependent calls read it.
 *
 * Found once per Program, to a fixpoint: a function is a helper when one of its calls depends
 * on its type parameters and calls a generic stub or a helper.
 */
import type * as ts from "typescript";
import { ensureDocsParsed } from "../analyse/doc-parsing";
import type { Problem } from "../analyse/types";
import type { TransformerContext } from "../context";
import { identifierPart, UniqueNames } from "../emitted-names";
import { isAliasReference, specialisableCall, type CallLike, type SpecialisableCall } from "./generic-calls";
import { qualifiedNameOf, stubId } from "./names";
import type { ProgramScan } from "./scan-program";
import type { FoundStub } from "./stub-sites";

/** Declarations that can take a table on entry: their body runs synchronously up to its first `await`. */
export type HelperDeclaration = ts.FunctionDeclaration | ts.FunctionExpression | ts.ArrowFunction | ts.MethodDeclaration | ts.ConstructorDeclaration;

/** JSDoc tag by which a generic stub or helper accepts its constraints when a call leaves its type parameters unresolved. */
export const FALLBACK_TAG = "llmConstraintFallback";

export interface GenericHelper {
  declaration: HelperDeclaration;
  /** `src/optimise.ts:8 optimise`, like a stub's id. */
  id: string;
  qualifiedName: string;
  /**
   * Type parameters a caller's types replace: the helper's own, then its class's (instance methods),
   * then the class's `this` type. A constructor's own are its class's (a `new` gives them), then `this`.
   */
  typeParameters: ts.TypeParameter[];
  ownCount: number;
  /** The class whose type parameters an instance method uses. */
  classDeclaration?: ts.ClassLikeDeclaration;
  /** The class of a constructor that is a helper: `new` expressions of it pass the table. */
  constructorOf?: ts.ClassLikeDeclaration;
  /** Calls whose types depend on `typeParameters`, in source order, each with its key in the table. */
  calls: DependentCall[];
}

export type CallTarget = { kind: "stub"; stub: FoundStub } | { kind: "helper"; helper: GenericHelper };

export interface DependentCall {
  call: CallLike;
  /** The key of the call's entry in the helper's table: the callee's name, `_2` on a repeat. */
  key: string;
  target: CallTarget;
  signature: ts.Signature;
}

/** A call of a generic stub or helper, as resolved by the checker. */
export interface ResolvedCall {
  target: CallTarget;
  signature: ts.Signature;
}

export interface HelperScan {
  helpers: Map<ts.Node, GenericHelper>;
  /** Every dependent call, with the helper whose table it reads. */
  dependent: Map<CallLike, { owner: GenericHelper; entry: DependentCall }>;
  /** Calls of a helper whose types are known where they stand (specialised there). */
  helperCalls: Map<CallLike, ResolvedCall & { target: { kind: "helper" } }>;
  /** Every call of a generic stub (dependent ones too), with its resolved signature. */
  stubCalls: Map<CallLike, SpecialisableCall>;
  /** `LLM1010` problems, by the file they are in. */
  problems: Map<ts.SourceFile, Problem[]>;
  /** Whether a stub or helper declaration opted in to its constraints for unresolved calls. */
  optedIn(declaration: ts.SignatureDeclaration): boolean;
}

interface Candidate {
  declaration: HelperDeclaration;
  typeParameters: ts.TypeParameter[];
  ownCount: number;
  classDeclaration?: ts.ClassLikeDeclaration;
  constructorOf?: ts.ClassLikeDeclaration;
  helper?: GenericHelper;
}

/** What a call's types depend on: nothing, one candidate's type parameters, or something no helper can carry. */
type Dependency = { kind: "none" } | { kind: "owner"; owner: Candidate } | { kind: "unresolvable"; reason: string };

export function findGenericHelpers(context: TransformerContext, scan: ProgramScan): HelperScan {
  const { ts: tsi, checker } = context;
  const candidates = new Map<ts.Node, Candidate>();
  const candidateNames = new Set<string>();
  const result: HelperScan = { helpers: new Map(), dependent: new Map(), helperCalls: new Map(), stubCalls: new Map(), problems: new Map(), optedIn };

  // 1. Every declaration that could be a helper, and every call of a generic stub.
  for (const [, findings] of scan.files) {
    for (const declaration of findings.genericFunctions) {
      const candidate = candidateOf(declaration);
      candidates.set(declaration, candidate);
      candidateNames.add(lastName(qualifiedNameOf(tsi, declaration)));
      // `new Box(...)` names the class, not `constructor`.
      if (candidate.constructorOf?.name) candidateNames.add(candidate.constructorOf.name.text);
    }
    for (const call of findings.calls) {
      const stubCall = tsi.isCallExpression(call) ? specialisableCall(context, scan, call) : undefined;
      if (stubCall) result.stubCalls.set(call, stubCall);
    }
  }
  if (candidates.size === 0) return result;

  // 2. Each call of a generic stub or candidate, with what its types depend on.
  const resolved: { call: CallLike; target: ts.Node; signature: ts.Signature; dependency: Dependency }[] = [];
  for (const [, findings] of scan.files) {
    for (const call of findings.calls) {
      const found = resolveCall(call);
      if (found) resolved.push({ call, ...found, dependency: dependencyOf(call, found.target, found.signature) });
    }
  }

  // 3. Fixpoint: the owner of a dependent call of a stub or helper is a helper.
  const targetOf = (node: ts.Node): CallTarget | undefined => {
    const stub = scan.genericStubs.get(node);
    if (stub) return { kind: "stub", stub };
    const helper = candidates.get(node)?.helper;
    return helper ? { kind: "helper", helper } : undefined;
  };
  for (let changed = true; changed; ) {
    changed = false;
    for (const { target, dependency } of resolved) {
      if (dependency.kind !== "owner" || dependency.owner.helper || !targetOf(target)) continue;
      dependency.owner.helper = makeHelper(dependency.owner);
      result.helpers.set(dependency.owner.declaration, dependency.owner.helper);
      changed = true;
    }
  }

  // 4. Dependent calls (keyed per helper), calls to specialise where they stand, and what cannot be resolved.
  const keysUsed = new Map<GenericHelper, UniqueNames>();
  for (const { call, target: node, signature, dependency } of resolved) {
    const target = targetOf(node);
    if (!target) continue;
    if (dependency.kind === "owner") {
      const owner = dependency.owner.helper!;
      const keys = keysUsed.get(owner) ?? new UniqueNames();
      keysUsed.set(owner, keys);
      // An identifier, so the compiled helper reads it as `.calls.reflect`.
      const key = keys.take(identifierPart(calleeName(call)).replace(/^(?=\d)/, "_") || "call");
      const entry: DependentCall = { call, key, target, signature };
      owner.calls.push(entry);
      result.dependent.set(call, { owner, entry });
    } else if (dependency.kind === "unresolvable") {
      if (!optedIn(declarationOf(target))) addProblem(call, nameOf(target), dependency.reason);
    } else {
      const notInferred = uninferredTypeParameter(call, declarationOf(target), signature);
      if (notInferred && !optedIn(declarationOf(target))) {
        addProblem(call, nameOf(target), `its type argument \`${notInferred}\` cannot be inferred at this call (it became \`unknown\`); write the type arguments out`);
      } else if (target.kind === "helper") {
        result.helperCalls.set(call, { target, signature });
      }
    }
  }

  // 5. Helpers and generic stubs used as values: their calls pass no type arguments.
  const valueNames = new Set<string>();
  const declarations = new Map<ts.Node, CallTarget>();
  for (const helper of result.helpers.values()) {
    valueNames.add(lastName(helper.qualifiedName));
    declarations.set(helper.declaration, { kind: "helper", helper });
  }
  for (const stub of scan.genericStubs.values()) {
    if (stub.site.declaration.getSourceFile().isDeclarationFile) continue;
    valueNames.add(lastName(stub.site.qualifiedName));
    declarations.set(stub.site.declaration, { kind: "stub", stub });
  }
  // Classes whose constructor is a helper: a subclass's `super(...)` passes no table.
  const constructed = new Map<ts.Node, GenericHelper>();
  for (const helper of result.helpers.values()) if (helper.constructorOf) constructed.set(helper.constructorOf, helper);
  for (const [, findings] of constructed.size ? scan.files : []) {
    for (const base of findings.bases) {
      let symbol = checker.getSymbolAtLocation(base.expression);
      if (symbol && symbol.flags & tsi.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
      const helper = symbol?.declarations?.map((declaration) => constructed.get(declaration)).find((found) => found !== undefined);
      if (helper && !optedIn(helper.declaration)) {
        addProblem(base, helper.qualifiedName, "a subclass's `super(...)` call cannot pass the class's type arguments on to its constructor");
      }
    }
  }
  const identifiersNamed = createNameSearch(tsi, valueNames);
  // Where a name ends that is known not to be a value use: the callee of a call, a declaration's own name.
  const knownEnds = new Map<ts.SourceFile, Set<number>>();
  const knownEndsOf = (file: ts.SourceFile): Set<number> => {
    let ends = knownEnds.get(file);
    if (!ends) knownEnds.set(file, (ends = new Set()));
    return ends;
  };
  for (const declaration of valueNames.size ? declarations.keys() : []) {
    const name = (declaration as ts.NamedDeclaration).name;
    if ((tsi.isFunctionDeclaration(declaration) || tsi.isMethodDeclaration(declaration) || tsi.isGetAccessorDeclaration(declaration)) && name && tsi.isIdentifier(name)) {
      knownEndsOf(declaration.getSourceFile()).add(name.end);
    }
  }
  for (const [file, findings] of valueNames.size ? scan.files : []) {
    const ends = knownEndsOf(file);
    for (const call of findings.calls) {
      if (!tsi.isCallExpression(call)) continue;
      const name = calleeIdentifier(tsi, call);
      if (name && valueNames.has(name.text)) ends.add(name.end);
    }
    for (const identifier of identifiersNamed(file, ends)) {
      if (!isValueUse(identifier)) continue;
      const target = referencedTarget(identifier, declarations);
      if (target && !optedIn(declarationOf(target))) {
        addProblem(identifier, nameOf(target), "it is used as a value here (passed, stored or bound), so the calls made through that value carry no type arguments");
      }
    }
  }
  return result;

  function candidateOf(node: HelperDeclaration): Candidate {
    if (tsi.isConstructorDeclaration(node)) return constructorCandidate(node);
    const own = (node.typeParameters ?? []).map((parameter) => checker.getTypeAtLocation(parameter) as ts.TypeParameter);
    const classDeclaration = genericClassOfMethod(tsi, node);
    const typeParameters = [...own];
    if (classDeclaration) {
      const declared = checker.getTypeAtLocation(classDeclaration) as ts.InterfaceType;
      typeParameters.push(...(declared.typeParameters ?? []));
      if (declared.thisType) typeParameters.push(declared.thisType);
    }
    return { declaration: node, typeParameters, ownCount: own.length, ...(classDeclaration ? { classDeclaration } : {}) };
  }

  /** A generic class's constructor: its class's type parameters come from the `new` expression, and `this` is the new instance. */
  function constructorCandidate(node: ts.ConstructorDeclaration): Candidate {
    const classDeclaration = node.parent;
    const declared = checker.getTypeAtLocation(classDeclaration) as ts.InterfaceType;
    const typeParameters = [...(declared.typeParameters ?? [])];
    const ownCount = typeParameters.length;
    if (declared.thisType) typeParameters.push(declared.thisType);
    return { declaration: node, typeParameters, ownCount, constructorOf: classDeclaration };
  }

  function makeHelper(candidate: Candidate): GenericHelper {
    const qualifiedName = qualifiedNameOf(tsi, candidate.declaration);
    return {
      declaration: candidate.declaration,
      id: stubId(context, candidate.declaration, qualifiedName),
      qualifiedName,
      typeParameters: candidate.typeParameters,
      ownCount: candidate.ownCount,
      ...(candidate.classDeclaration ? { classDeclaration: candidate.classDeclaration } : {}),
      ...(candidate.constructorOf ? { constructorOf: candidate.constructorOf } : {}),
      calls: [],
    };
  }

  /** The generic stub or candidate a call invokes, with its resolved signature. */
  function resolveCall(call: CallLike): { target: ts.Node; signature: ts.Signature } | undefined {
    const stubCall = result.stubCalls.get(call);
    if (stubCall) return { target: stubCall.stub.site.declaration, signature: stubCall.signature };
    const callee = call.expression;
    const name = calleeIdentifier(tsi, call)?.text;
    const aliased = tsi.isIdentifier(callee) && isAliasReference(tsi, scan, callee);
    if (name === undefined || (!candidateNames.has(name) && !aliased)) return undefined;
    const signature = checker.getResolvedSignature(call);
    const declaration = signature?.getDeclaration();
    if (!signature || !declaration || !candidates.has(declaration)) return undefined;
    return { target: declaration, signature };
  }

  /** Which enclosing candidate's type parameters the call's type arguments (and receiver) mention. */
  function dependencyOf(call: CallLike, target: ts.Node, signature: ts.Signature): Dependency {
    const types: ts.Type[] = [...(checker.getTypeArgumentsForResolvedSignature(signature) ?? [])];
    const member = tsi.isMethodDeclaration(target) || tsi.isGetAccessorDeclaration(target) ? target : undefined;
    const callee = call.expression;
    if (member && tsi.isClassLike(member.parent) && member.parent.typeParameters?.length && (tsi.isPropertyAccessExpression(callee) || tsi.isElementAccessExpression(callee))) {
      types.push(checker.getTypeAtLocation(callee.expression));
    }
    const mentioned = new Set<ts.TypeParameter>();
    const seen = new Set<ts.Type>();
    for (const type of types) collectTypeParameters(type, mentioned, seen);
    // Only type parameters of declarations around the call count (not `infer` names or unrelated leftovers).
    const enclosing: ts.Node[] = [];
    for (let node: ts.Node | undefined = call.parent; node; node = node.parent) enclosing.push(node);
    const relevant = [...mentioned].filter((parameter) => {
      const holder = holderOf(parameter);
      // The `this` of a class with no type parameters (`this.pick()` in `Shelf extends Box<Card>`) is known where it stands.
      if (holder && isThisType(parameter) && tsi.isClassLike(holder) && !holder.typeParameters?.length) return false;
      return holder !== undefined && enclosing.includes(holder);
    });
    if (relevant.length === 0) return { kind: "none" };
    for (const node of enclosing) {
      const candidate = candidates.get(node);
      if (!candidate || !relevant.some((parameter) => candidate.typeParameters.includes(parameter))) {
        if (relevant.some((parameter) => holderOf(parameter) === node)) {
          return { kind: "unresolvable", reason: `its type arguments use type parameters of ${describeHolder(node)}, which cannot pass them on` };
        }
        continue;
      }
      if (isInParameterList(call, candidate.declaration)) {
        return { kind: "unresolvable", reason: "it stands in a parameter's default value, which runs before the helper's body can read its type arguments" };
      }
      if (!relevant.every((parameter) => candidate.typeParameters.includes(parameter))) {
        return { kind: "unresolvable", reason: "its type arguments mix type parameters of nested generic functions" };
      }
      return { kind: "owner", owner: candidate };
    }
    return { kind: "unresolvable", reason: "its type arguments use type parameters that no enclosing function can pass on" };
  }

  function isThisType(parameter: ts.TypeParameter): boolean {
    return (parameter as ts.TypeParameter & { isThisType?: boolean }).isThisType === true;
  }

  function holderOf(parameter: ts.TypeParameter): ts.Node | undefined {
    if (isThisType(parameter)) {
      return parameter.symbol?.declarations?.find((declaration) => tsi.isClassLike(declaration));
    }
    const declaration = parameter.symbol?.declarations?.[0];
    return declaration && tsi.isTypeParameterDeclaration(declaration) ? declaration.parent : undefined;
  }

  function describeHolder(node: ts.Node): string {
    if (tsi.isConstructorDeclaration(node)) return "a constructor";
    if (tsi.isGetAccessorDeclaration(node) || tsi.isSetAccessorDeclaration(node)) return "an accessor";
    if ((node as ts.FunctionLikeDeclarationBase).asteriskToken) return "a generator";
    if (tsi.isClassLike(node)) return "its class outside an instance method or constructor (a field initialiser or static member)";
    return "a declaration that is not a function, method or arrow";
  }

  function collectTypeParameters(type: ts.Type, into: Set<ts.TypeParameter>, seen: Set<ts.Type>): void {
    if (seen.has(type)) return;
    seen.add(type);
    const flags = type.flags;
    const { TypeFlags, ObjectFlags } = tsi;
    if (flags & TypeFlags.TypeParameter) {
      into.add(type as ts.TypeParameter);
      return;
    }
    const visit = (inner: ts.Type | undefined): void => {
      if (inner) collectTypeParameters(inner, into, seen);
    };
    if (flags & TypeFlags.UnionOrIntersection) (type as ts.UnionOrIntersectionType).types.forEach(visit);
    else if (flags & TypeFlags.Index) visit((type as ts.IndexType).type);
    else if (flags & TypeFlags.IndexedAccess) {
      visit((type as ts.IndexedAccessType).objectType);
      visit((type as ts.IndexedAccessType).indexType);
    } else if (flags & TypeFlags.Conditional) {
      visit((type as ts.ConditionalType).checkType);
      visit((type as ts.ConditionalType).extendsType);
      (type.aliasTypeArguments ?? []).forEach(visit);
    } else if (flags & TypeFlags.TemplateLiteral) (type as ts.TemplateLiteralType).types.forEach(visit);
    else if (flags & TypeFlags.StringMapping) visit((type as ts.StringMappingType).type);
    else if (flags & TypeFlags.Substitution) visit((type as ts.SubstitutionType).baseType);
    else if (flags & TypeFlags.Object) {
      const objectFlags = (type as ts.ObjectType).objectFlags;
      (type.aliasTypeArguments ?? []).forEach(visit);
      if (objectFlags & ObjectFlags.Reference) checker.getTypeArguments(type as ts.TypeReference).forEach(visit);
      else if (objectFlags & (ObjectFlags.Anonymous | ObjectFlags.Mapped)) {
        for (const property of checker.getPropertiesOfType(type)) visit(checker.getTypeOfSymbol(property));
      }
    }
  }

  /** The name of an unconstrained type parameter the checker could only infer as `unknown` (nothing at the call says what it is). */
  function uninferredTypeParameter(call: CallLike, declaration: ts.SignatureDeclaration, signature: ts.Signature): string | undefined {
    if (call.typeArguments?.length) return undefined;
    const inferred = checker.getTypeArgumentsForResolvedSignature(signature) ?? [];
    // A constructor's type parameters are its class's.
    const parameters = (tsi.isConstructorDeclaration(declaration) ? declaration.parent.typeParameters : declaration.typeParameters) ?? [];
    const index = parameters.findIndex((parameter, at) => !parameter.constraint && inferred[at] !== undefined && (inferred[at]!.flags & tsi.TypeFlags.Unknown) !== 0);
    return index >= 0 ? parameters[index]!.name.text : undefined;
  }

  /** `reflect` of `this.reflect(run)`, `reflect(run)` and `this["reflect"](run)`; `Box` of `new Box()`. */
  function calleeName(call: CallLike): string {
    const callee = call.expression;
    if (tsi.isIdentifier(callee)) return callee.text;
    if (tsi.isPropertyAccessExpression(callee)) return callee.name.text;
    if (tsi.isElementAccessExpression(callee) && tsi.isStringLiteralLike(callee.argumentExpression)) return callee.argumentExpression.text;
    return "call";
  }

  function isInParameterList(call: ts.Node, declaration: HelperDeclaration): boolean {
    return declaration.parameters.some((parameter) => parameter.pos <= call.pos && call.end <= parameter.end);
  }

  function optedIn(declaration: ts.SignatureDeclaration): boolean {
    ensureDocsParsed(tsi, declaration);
    if (tsi.getJSDocTags(declaration).some((tag) => tag.tagName.text === FALLBACK_TAG)) return true;
    const parameters: ts.TypeParameterDeclaration[] = [...(declaration.typeParameters ?? [])];
    const parent = declaration.parent;
    if (parent && tsi.isClassLike(parent)) parameters.push(...(parent.typeParameters ?? []));
    return parameters.length > 0 && parameters.every((parameter) => parameter.constraint?.kind === tsi.SyntaxKind.UnknownKeyword);
  }

  function addProblem(node: ts.Node, callee: string, reason: string): void {
    const file = node.getSourceFile();
    const list = result.problems.get(file) ?? [];
    result.problems.set(file, list);
    list.push({ kind: "UnresolvedTypeArguments", args: { callee, reason, tag: FALLBACK_TAG }, node });
  }

  /** `obj.step` in `obj.step(...)`, `helper` in `helper(...)`, declarations, imports, exports and `typeof` are not value uses. */
  function isValueUse(identifier: ts.Identifier): boolean {
    let node: ts.Node = identifier;
    const parent = node.parent;
    if (tsi.isPropertyAccessExpression(parent)) {
      if (parent.name !== node) return false; // `step.x`: the object of an access, not the member
      node = parent;
    }
    const holder = node.parent;
    if (tsi.isCallExpression(holder) && holder.expression === node) return false;
    if (tsi.isParenthesizedExpression(holder) || tsi.isNonNullExpression(holder)) return tsi.isCallExpression(holder.parent) ? false : true;
    if ((tsi.isDeclarationStatement(holder) || tsi.isVariableDeclaration(holder) || tsi.isClassElement(holder) || tsi.isParameter(holder) || tsi.isPropertyAssignment(holder) || tsi.isBindingElement(holder)) && (holder as ts.NamedDeclaration).name === node) {
      return false;
    }
    if (tsi.isImportSpecifier(holder) || tsi.isImportClause(holder) || tsi.isExportSpecifier(holder) || tsi.isExportAssignment(holder) || tsi.isNamespaceImport(holder)) return false;
    for (let up: ts.Node = node; up; up = up.parent) {
      if (tsi.isTypeNode(up) || tsi.isTypeQueryNode(up)) return false;
      if (tsi.isStatement(up) || tsi.isSourceFile(up)) break;
    }
    return tsi.isExpression(node) || tsi.isShorthandPropertyAssignment(holder);
  }

  function referencedTarget(identifier: ts.Identifier, declarations: Map<ts.Node, CallTarget>): CallTarget | undefined {
    let symbol = tsi.isShorthandPropertyAssignment(identifier.parent) ? checker.getShorthandAssignmentValueSymbol(identifier.parent) : checker.getSymbolAtLocation(identifier);
    if (symbol && symbol.flags & tsi.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
    for (const declaration of symbol?.declarations ?? []) {
      const direct = declarations.get(declaration);
      if (direct) return direct;
      if (tsi.isVariableDeclaration(declaration) && declaration.initializer) {
        let initializer: ts.Expression = declaration.initializer;
        while (tsi.isParenthesizedExpression(initializer)) initializer = initializer.expression;
        const viaInitializer = declarations.get(initializer);
        if (viaInitializer) return viaInitializer;
      }
    }
    return undefined;
  }
}

/** The name a call is made by: `pick` of `pick(x)` and of `llm.pick(x)`; none for `this["pick"](x)`. */
function calleeIdentifier(tsi: typeof ts, call: CallLike): ts.Identifier | undefined {
  const callee = call.expression;
  if (tsi.isIdentifier(callee)) return callee;
  return tsi.isPropertyAccessExpression(callee) && tsi.isIdentifier(callee.name) ? callee.name : undefined;
}

/**
 * Finds the identifiers of a file spelled as one of `names`, in source order. The file's text is
 * searched for the names, and each place is looked up in the tree: far cheaper than visiting
 * every node. A name written with `\u` escapes would not be found in the text, so a file that
 * has any is walked whole. A place where an identifier of that spelling is known to end
 * (`skipEnds`) is passed over without a look-up.
 */
function createNameSearch(tsi: typeof ts, names: ReadonlySet<string>): (file: ts.SourceFile, skipEnds: ReadonlySet<number>) => ts.Identifier[] {
  // Longest first, so a name never stops a longer one at the same place.
  const alternatives = [...names].filter((name) => isIdentifierText(tsi, name)).sort((a, b) => b.length - a.length);
  const pattern = new RegExp(alternatives.map((name) => name.replace(/[$]/g, "\\$&")).join("|"), "g");
  return (file, skipEnds) => {
    const found: ts.Identifier[] = [];
    if (file.text.includes("\\u")) {
      const visit = (node: ts.Node): void => {
        if (tsi.isIdentifier(node) && names.has(node.text)) found.push(node);
        tsi.forEachChild(node, visit);
      };
      visit(file);
      return found;
    }
    if (alternatives.length === 0) return found;
    for (const match of file.text.matchAll(pattern)) {
      if (skipEnds.has(match.index + match[0].length)) continue;
      const identifier = identifierAt(tsi, file, match.index);
      if (identifier && identifier.text === match[0]) found.push(identifier);
    }
    return found;
  };
}

/** Names that are not identifiers (`(anonymous)`, a quoted member's) are never an identifier's text. */
function isIdentifierText(tsi: typeof ts, name: string): boolean {
  const codes = [...name].map((character) => character.codePointAt(0)!);
  return codes.length > 0 && tsi.isIdentifierStart(codes[0]!, tsi.ScriptTarget.Latest) && codes.every((code) => tsi.isIdentifierPart(code, tsi.ScriptTarget.Latest));
}

/**
 * The identifier that starts at `position` (not in a comment, a string or a longer name), found
 * by descending to the innermost node there. Siblings are in source order and do not overlap, so
 * a list of them (a file's statements, a class's members) is searched by halves.
 */
function identifierAt(tsi: typeof ts, file: ts.SourceFile, position: number): ts.Identifier | undefined {
  const inNode = (child: ts.Node) => (child.pos <= position && position < child.end ? child : undefined);
  const inNodes = (children: ts.NodeArray<ts.Node>) => {
    let low = 0;
    let high = children.length - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const child = children[middle]!;
      if (position < child.pos) high = middle - 1;
      else if (position >= child.end) low = middle + 1;
      else return child;
    }
    return undefined;
  };
  let node: ts.Node = file;
  for (let inner = tsi.forEachChild(node, inNode, inNodes); inner; inner = tsi.forEachChild(node, inNode, inNodes)) node = inner;
  return tsi.isIdentifier(node) && node.getStart(file) === position ? node : undefined;
}

function declarationOf(target: CallTarget): ts.SignatureDeclaration {
  return target.kind === "stub" ? target.stub.site.declaration : target.helper.declaration;
}

function nameOf(target: CallTarget): string {
  return target.kind === "stub" ? target.stub.site.qualifiedName : target.helper.qualifiedName;
}

function lastName(qualifiedName: string): string {
  return qualifiedName.slice(qualifiedName.lastIndexOf(".") + 1);
}

/**
 * `node` when it could be a generic helper: a function, method or arrow with a body (not a
 * generator) and type parameters of its own or, for an instance method, of its class; or the
 * constructor of a generic class.
 */
export function genericFunctionOf(tsi: typeof ts, node: ts.Node): HelperDeclaration | undefined {
  if (!tsi.isFunctionLike(node)) return undefined; // one test for the many nodes that are not (the scan asks of every node)
  if (tsi.isConstructorDeclaration(node)) return node.body && node.parent.typeParameters?.length ? node : undefined;
  if (!(tsi.isFunctionDeclaration(node) || tsi.isFunctionExpression(node) || tsi.isArrowFunction(node) || tsi.isMethodDeclaration(node))) return undefined;
  if (!node.body || node.asteriskToken) return undefined;
  return node.typeParameters?.length || genericClassOfMethod(tsi, node) ? node : undefined;
}

/** The class of an instance method whose class has type parameters. */
function genericClassOfMethod(tsi: typeof ts, node: HelperDeclaration): ts.ClassLikeDeclaration | undefined {
  return tsi.isMethodDeclaration(node) && tsi.isClassLike(node.parent) && !(tsi.getCombinedModifierFlags(node) & tsi.ModifierFlags.Static) && node.parent.typeParameters?.length
    ? node.parent
    : undefined;
}
