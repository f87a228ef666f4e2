/**
 * The file planner: find and analyse turn one file into the plain data emit writes (`FilePlan`),
 * the problems to report and its entries of the manifest; made once per file and Program.
 */
import type * as ts from "typescript";
import { qualifiedNameOfSpecId, type RevivalPlan } from "../runtime/spec";
import type { AnalysedSpec, Analyser, ClassReference, Problem, Result } from "./analyse/types";
import type { TransformerContext } from "./context";
import { createClassResolver, type ClassAccess, type ClassResolution } from "./find/class-references";
import { receiverTypeAt, returnTypeAt, type CallLike, type SpecialisableCall } from "./find/generic-calls";
import { FALLBACK_TAG, findGenericHelpers, type DependentCall, type GenericHelper, type HelperScan, type ResolvedCall } from "./find/generic-helpers";
import { createInstantiator, type Instantiate } from "./find/instantiate";
import { describeImplement } from "./find/implement-sites";
import { lineOf, projectRelativePath } from "./find/names";
import { scanProgram, type ProgramScan } from "./find/scan-program";
import type { ManifestRecord } from "./manifest";
import { EmittedNames } from "./emitted-names";
import type { FilePlan, PlannedCallSpec } from "./plan";
import { mapRevivalClasses } from "./revival-classes";

/** A file's plan and everything it reports. */
export interface PlannedFile {
  plan: FilePlan;
  problems: Problem[];
  /** Its entries of the manifest; empty unless the options ask for a manifest. */
  manifest: ManifestRecord[];
}

/** State shared by every file of one Program: the scan, each file's plan, what was reported. */
export interface ProgramState {
  readonly context: TransformerContext;
  scan?: ProgramScan;
  helpers?: HelperScan;
  readonly planned: Map<ts.SourceFile, PlannedFile>;
  readonly reported: Set<ts.SourceFile>;
  /** Problems already reported (an interface's method is checked at every `implement<I>()` call). */
  readonly reportedProblems: Set<string>;
  manifestWritten: boolean;
}

export function createProgramState(context: TransformerContext): ProgramState {
  return { context, planned: new Map(), reported: new Set(), reportedProblems: new Set(), manifestWritten: false };
}

/** The plan of `file` (find + analyse), made once per Program. */
export function planFile(state: ProgramState, file: ts.SourceFile): PlannedFile {
  let planned = state.planned.get(file);
  if (!planned) {
    planned = new FilePlanner(state, file).plan();
    state.planned.set(file, planned);
  }
  return planned;
}

/** Builds one file's plan: every stub, `implement<I>()` call and generic call site in it. */
class FilePlanner {
  private readonly context: TransformerContext;
  private readonly scan: ProgramScan;
  private readonly filePlan: FilePlan = { names: EmittedNames.create(), definitions: new Map(), specs: [], interfaces: [], helperTables: [], rewrites: [] };
  /** Helper tables planned in this file, by helper and type arguments. */
  private readonly helperTableByKey = new Map<string, string>();
  private readonly typeNumbers = new WeakMap<ts.Type, number>();
  private instantiateInstance: Instantiate | undefined;
  private readonly problems: Problem[] = [];
  private readonly manifest: ManifestRecord[] = [];
  /** Specs already planned in this file, by id, so equal specialisations share one const (`key`: their content, computed when an id and hash repeat). */
  private readonly specConstsById = new Map<string, { spec: PlannedCallSpec; constName: string; key: string | undefined }[]>();
  private analyserInstance: Analyser | undefined;
  /** Revival plans with their classes resolved, by analysed plan: analysis shares a plan between the file's stubs that return one type. */
  private readonly resolvedRevivals = new Map<RevivalPlan<ClassReference>, RevivalPlan<ClassAccess>>();
  private readonly resolveClass: (declaration: ts.ClassLikeDeclaration) => ClassResolution;

  constructor(
    private readonly state: ProgramState,
    private readonly file: ts.SourceFile,
  ) {
    this.context = state.context;
    this.scan = state.scan ??= scanProgram(state.context);
    this.resolveClass = createClassResolver(this.context, file);
  }

  plan(): PlannedFile {
    const findings = this.scan.files.get(this.file);
    if (findings) {
      for (const call of findings.strayStubCalls) this.problems.push({ kind: "StubOutsideStubBody", args: undefined, node: call });
      for (const stub of findings.stubs) {
        if (stub.problems.length > 0) {
          // Still analysed, so every problem of the declaration is reported at once. When find
          // already faulted the return type, what analysis says about the return is noise.
          const analysed = this.analyser().analyseDeclaration(stub.site);
          const more = analysed.ok ? analysed.warnings : analysed.problems;
          const returnFaulted = stub.problems.some((problem) => problem.kind === "StubMustReturnPromise" || problem.kind === "StubWithoutDeclaredReturnType");
          const parameters = stub.site.declaration.parameters;
          const aboutParameters = (problem: Problem) => parameters.some((parameter) => parameter.pos <= problem.node.pos && problem.node.end <= parameter.end);
          this.problems.push(
            ...stub.problems,
            ...more.filter((problem) => problem.kind !== "StubMustReturnPromise" && (!returnFaulted || aboutParameters(problem))),
          );
          continue;
        }
        const specConst = this.addSpec(stub.site.declaration, this.analyser().analyseDeclaration(stub.site), stub.site.declaration.type ?? stub.site.declaration);
        if (specConst) {
          this.filePlan.rewrites.push({ kind: "invoke", node: stub.call, specConst, passesThis: stub.passesThis, parameterNames: stub.parameterNames });
        }
      }
      for (const call of findings.implementCalls) this.planImplement(call);
      if (this.scan.genericStubs.size > 0) {
        const helpers = (this.state.helpers ??= findGenericHelpers(this.context, this.scan));
        this.problems.push(...(helpers.problems.get(this.file) ?? []));
        this.planHelperBodies(helpers);
        for (const call of findings.calls) {
          if (helpers.dependent.has(call)) continue;
          const helperCall = helpers.helperCalls.get(call);
          const stubCall = helpers.stubCalls.get(call);
          if (helperCall) this.planHelperCall(call, helperCall);
          else if (stubCall) this.planSpecialisation(stubCall);
        }
      }
    }
    for (const spec of this.filePlan.specs) {
      for (const name of spec.spec.definitionNames) {
        const schema = this.analyser().definitions.get(name);
        if (!schema) throw new Error(`llm-strategy/transformer: the analyser named definition "${name}" but did not provide it`);
        this.filePlan.definitions.set(name, schema);
      }
    }
    return { plan: this.filePlan, problems: this.problems, manifest: this.manifest };
  }

  private analyser(): Analyser {
    this.analyserInstance ??= this.context.createAnalyser({ ts: this.context.ts, program: this.context.program, projectDir: this.context.projectDir, warnings: this.context.options.warnings });
    return this.analyserInstance;
  }

  /**
   * Adds an analysed spec (problems and warnings are collected; classes resolved for this file)
   * and returns the name of its const, or undefined when it cannot be emitted.
   */
  private addSpec(
    declaration: ts.SignatureDeclaration,
    result: Result<AnalysedSpec>,
    problemNode: ts.Node,
    callSite?: CallLike,
  ): string | undefined {
    if (!result.ok) {
      this.problems.push(...result.problems);
      return undefined;
    }
    this.problems.push(...result.warnings);
    const analysed = result.value;
    const undeclared = this.undeclaredHyperparameters(analysed.template, analysed.outputTypes);
    if (undeclared.length > 0) {
      this.problems.push({
        kind: "UndeclaredHyperparameter",
        args: { stub: qualifiedNameOfSpecId(analysed.id), names: undeclared },
        node: this.context.ts.getNameOfDeclaration(declaration) ?? declaration,
      });
      return undefined;
    }
    const unreachable: Problem[] = [];
    const revive = analysed.revive ? this.resolveRevival(analysed.revive, analysed.id, problemNode, unreachable) : undefined;
    if (unreachable.length > 0) {
      this.problems.push(...unreachable);
      return undefined;
    }
    const { revive: _analysedRevive, ...rest } = analysed;
    const spec: PlannedCallSpec = { ...rest, ...(revive ? { revive } : {}) };
    const constName = this.specConst(spec);
    if (this.context.options.manifest !== undefined) this.addManifestRecord(spec, declaration, callSite);
    return constName;
  }

  /** The const of `spec`: equal specs (same content, same classes) share one within the file. */
  private specConst(spec: PlannedCallSpec): string {
    // Most ids are planned once per file (a stub at its declaration); content is compared only
    // between specs of one id, and only when their hashes (part of the key) are equal.
    let sameId = this.specConstsById.get(spec.id);
    let key: string | undefined;
    for (const planned of sameId ?? []) {
      if (planned.spec.hash !== spec.hash) continue;
      key ??= specKey(spec);
      planned.key ??= specKey(planned.spec);
      if (planned.key === key) return planned.constName;
    }
    const constName = this.filePlan.names.take("Spec", qualifiedNameOfSpecId(spec.id));
    if (!sameId) this.specConstsById.set(spec.id, (sameId = []));
    sameId.push({ spec, constName, key });
    this.filePlan.specs.push({ constName, spec });
    return constName;
  }

  private addManifestRecord(spec: PlannedCallSpec, declaration: ts.SignatureDeclaration, callSite: CallLike | undefined): void {
    const definitions = Object.fromEntries(
      [...spec.definitionNames].sort().map((name) => [name, this.analyser().definitions.get(name) ?? {}]),
    );
    this.manifest.push({
      spec,
      file: projectRelativePath(this.context, declaration.getSourceFile().fileName),
      line: lineOf(this.context.ts.getNameOfDeclaration(declaration) ?? declaration),
      definitions,
      ...(callSite ? { callSite: `${projectRelativePath(this.context, this.file.fileName)}:${lineOf(callSite)}` } : {}),
    });
  }

  /** `{{hp:name}}` names of a prompt (its template and output types) that no `hyperparameter("name", ...)` of the program declares. */
  private undeclaredHyperparameters(template: string, outputTypes: string): string[] {
    const declared = this.scan.hyperparameterNames;
    // Each looked at on its own first: joining them copies a prompt's few kilobytes, for every spec.
    if (!declared || !(template.includes("{{hp:") || outputTypes.includes("{{hp:"))) return [];
    const names = [...(template + outputTypes).matchAll(/\{\{hp:([^{}\s]+)\}\}/g)].map((match) => match[1]!);
    return [...new Set(names)].filter((name) => !declared.has(name));
  }

  private resolveRevival(
    plan: RevivalPlan<ClassReference>,
    stub: string,
    problemNode: ts.Node,
    unreachable: Problem[],
  ): RevivalPlan<ClassAccess> {
    const known = this.resolvedRevivals.get(plan);
    if (known) return known;
    const reported = new Set<ts.Node>();
    const resolved = mapRevivalClasses(plan, (reference): ClassAccess => {
      const resolution = this.resolveClass(reference.declaration);
      if (resolution.ok) return resolution.access;
      if (!reported.has(reference.declaration)) {
        reported.add(reference.declaration);
        unreachable.push({
          kind: "ClassNotReachable",
          args: { stub: qualifiedNameOfSpecId(stub), className: reference.declaration.name?.text ?? "(anonymous class)", reason: resolution.reason },
          node: problemNode,
          related: [{ node: reference.declaration.name ?? reference.declaration, message: "The class is declared here." }],
        });
      }
      return { kind: "local", name: "undefined" };
    });
    // A plan with an unreachable class is reported for every stub that returns it.
    if (unreachable.length === 0) this.resolvedRevivals.set(plan, resolved);
    return resolved;
  }

  private planImplement(call: ts.CallExpression): void {
    const found = describeImplement(this.context, call, this.scan.isPromiseType);
    if (found.problems.length > 0) {
      this.problems.push(...found.problems);
      return;
    }
    const methods: { name: string; specConst: string }[] = [];
    let failed = false;
    for (const method of found.methods) {
      const result = method.instantiated
        ? this.analyser().analyseCall(method.site, method.instantiated, call)
        : this.analyser().analyseDeclaration(method.site);
      const specConst = this.addSpec(method.site.declaration, result, call, method.instantiated ? call : undefined);
      if (specConst) methods.push({ name: method.name, specConst });
      else failed = true;
    }
    if (failed) return;
    const constName = this.filePlan.names.take("Interface", found.name);
    this.filePlan.interfaces.push({ constName, id: found.id, name: found.name, methods });
    this.filePlan.rewrites.push({ kind: "implement", node: call, specConst: constName });
  }

  /**
   * Each helper declared in this file reads its table on entry, and each of its dependent calls
   * passes on its entry of that table: the body is compiled once, for every type.
   */
  private planHelperBodies(helpers: HelperScan): void {
    const typesNames = new Map<GenericHelper, string>();
    for (const helper of helpers.helpers.values()) {
      if (helper.declaration.getSourceFile() !== this.file) continue;
      const typesName = this.filePlan.names.take("Types", helper.qualifiedName.slice(helper.qualifiedName.lastIndexOf(".") + 1));
      typesNames.set(helper, typesName);
      this.filePlan.rewrites.push({ kind: "helperEntry", node: helper.declaration, typesName, id: helper.id });
    }
    for (const [call, { owner, entry }] of helpers.dependent) {
      const typesName = typesNames.get(owner);
      if (typesName && call.getSourceFile() === this.file) this.filePlan.rewrites.push({ kind: "dependent", node: call, typesName, key: entry.key });
    }
  }

  /** A helper called with known types: its table (and the tables and specs below it) as consts of this file. */
  private planHelperCall(call: CallLike, resolved: ResolvedCall & { target: { kind: "helper" } }): void {
    const helper = resolved.target.helper;
    const targets = this.helperTypeArguments(helper, call, resolved.signature, (type) => type);
    const constName = this.helperTable(helper, targets, call, 0);
    if (constName) this.filePlan.rewrites.push({ kind: "specialise", node: call, specConst: constName });
  }

  /**
   * The types that replace `helper.typeParameters` at a call: its own type arguments, then its
   * receiver's class's, then the receiver's type. At `new Box<Card>()` of a constructor: the
   * class's type arguments, then the new instance's type.
   */
  private helperTypeArguments(helper: GenericHelper, call: CallLike, signature: ts.Signature, mapTypes: (type: ts.Type) => ts.Type): ts.Type[] {
    const { checker, ts: tsi } = this.context;
    const targets = callTypeArguments(checker, signature, helper.ownCount, mapTypes);
    if (helper.constructorOf) {
      if (helper.typeParameters.length > helper.ownCount) targets.push(mapTypes(checker.getReturnTypeOfSignature(signature)));
      return targets;
    }
    if (helper.classDeclaration) {
      const callee = call.expression;
      const receiver = tsi.isPropertyAccessExpression(callee) || tsi.isElementAccessExpression(callee) ? mapTypes(receiverTypeAt(checker, callee.expression)) : undefined;
      const classParameters = helper.typeParameters.length - helper.ownCount - 1;
      const classArguments = receiver ? this.classArgumentsOf(receiver, helper.classDeclaration) : undefined;
      for (let index = 0; index < classParameters; index++) {
        const parameter = helper.typeParameters[helper.ownCount + index]!;
        targets.push(classArguments?.[index] ?? checker.getBaseConstraintOfType(parameter) ?? checker.getUnknownType());
      }
      targets.push(receiver ?? checker.getUnknownType());
    }
    return targets;
  }

  /** `[EssayParams, string]` of a receiver typed `LLMOptimizer<EssayParams, string>`, a subclass of it, or a type parameter constrained to one. */
  private classArgumentsOf(type: ts.Type, classDeclaration: ts.ClassLikeDeclaration, depth = 0): readonly ts.Type[] | undefined {
    const { checker, ts: tsi } = this.context;
    if (depth > 10) return undefined;
    if (type.flags & tsi.TypeFlags.TypeParameter) {
      const constraint = checker.getBaseConstraintOfType(type);
      return constraint && constraint !== type ? this.classArgumentsOf(constraint, classDeclaration, depth + 1) : undefined;
    }
    if (!(type.flags & tsi.TypeFlags.Object)) return undefined;
    const classSymbol = checker.getTypeAtLocation(classDeclaration).getSymbol();
    const reference = (type as ts.ObjectType).objectFlags & tsi.ObjectFlags.Reference ? (type as ts.TypeReference) : undefined;
    const target = (reference?.target ?? type) as ts.InterfaceType;
    const parameters = target.typeParameters ?? [];
    const argumentsOfType = reference ? checker.getTypeArguments(reference).slice(0, parameters.length) : [];
    if (target.getSymbol() === classSymbol) return argumentsOfType;
    if (!(target.objectFlags & (tsi.ObjectFlags.Class | tsi.ObjectFlags.Interface))) return undefined;
    for (const base of checker.getBaseTypes(target)) {
      const instantiated = parameters.length && argumentsOfType.length === parameters.length ? this.instantiate(base, parameters, argumentsOfType) : base;
      const found = this.classArgumentsOf(instantiated, classDeclaration, depth + 1);
      if (found) return found;
    }
    return undefined;
  }

  private instantiate(type: ts.Type, sources: readonly ts.TypeParameter[], targets: readonly ts.Type[]): ts.Type {
    this.instantiateInstance ??= createInstantiator(this.context);
    return this.instantiateInstance(type, sources, targets);
  }

  /**
   * The const of `helper`'s table for `targets`, planning it (and everything it refers to) on
   * first use. Plain recursion meets its own table; a recursion that keeps changing the types
   * (`walk<T>` calling `walk<T[]>`) stops after `MAX_HELPER_DEPTH` levels with a diagnostic.
   */
  private helperTable(helper: GenericHelper, targets: ts.Type[], site: CallLike, depth: number): string | undefined {
    const { checker } = this.context;
    const key = `${helper.id}\u0000${targets.map((type) => this.typeNumber(type)).join(",")}`;
    const known = this.helperTableByKey.get(key);
    if (known) return known;
    // Without the `this` type.
    const shown = targets.slice(0, helper.typeParameters.length - (helper.classDeclaration || helper.constructorOf ? 1 : 0));
    const typeArguments = `<${shown.map((type) => checker.typeToString(type, undefined, this.context.ts.TypeFormatFlags.NoTruncation)).join(", ")}>`;
    if (depth > MAX_HELPER_DEPTH) {
      // Without a table of its own the call falls back to the constraints at run time (and warns): fine if the helper opted in.
      if (this.state.helpers?.optedIn(helper.declaration)) return undefined;
      this.problems.push({
        kind: "UnresolvedTypeArguments",
        args: {
          callee: helper.qualifiedName,
          reason: `its calls nest more than ${MAX_HELPER_DEPTH} levels deep with ever new type arguments (${typeArguments}), so there is no finite set of specialisations`,
          tag: FALLBACK_TAG,
        },
        node: site,
      });
      return undefined;
    }
    const constName = this.filePlan.names.take("Helper", helper.qualifiedName);
    this.helperTableByKey.set(key, constName);
    const mapTypes = (type: ts.Type): ts.Type => this.instantiate(type, helper.typeParameters, targets);
    const calls: { key: string; constName: string }[] = [];
    for (const entry of helper.calls) {
      const entryConst = entry.target.kind === "stub" ? this.dependentStubSpec(entry, mapTypes, site) : this.helperTable(entry.target.helper, this.helperTypeArguments(entry.target.helper, entry.call, entry.signature, mapTypes), site, depth + 1);
      if (entryConst) calls.push({ key: entry.key, constName: entryConst });
    }
    this.filePlan.helperTables.push({ constName, id: helper.id, typeArguments, calls });
    return constName;
  }

  /** The spec of a stub called inside a helper, with the helper's types replaced by `mapTypes`. */
  private dependentStubSpec(entry: DependentCall, mapTypes: (type: ts.Type) => ts.Type, site: CallLike): string | undefined {
    // A stub is called, never constructed.
    if (entry.target.kind !== "stub" || entry.target.stub.problems.length > 0 || !this.context.ts.isCallExpression(entry.call)) return undefined;
    const { checker, ts: tsi } = this.context;
    const stub = entry.target.stub;
    const signature = entry.signature;
    const callee = entry.call.expression;
    const receiverType =
      stub.site.receiverClass && (tsi.isPropertyAccessExpression(callee) || tsi.isElementAccessExpression(callee)) ? mapTypes(receiverTypeAt(checker, callee.expression)) : undefined;
    const ownCount = stub.site.declaration.typeParameters?.length ?? 0;
    const shown = ownCount > 0 ? callTypeArguments(checker, signature, ownCount, mapTypes) : receiverType && stub.site.receiverClass ? [...(this.classArgumentsOf(receiverType, stub.site.receiverClass) ?? [])] : [];
    const result = this.analyser().analyseInstantiated(
      stub.site,
      {
        parameters: signature.getParameters().map((symbol) => ({ symbol, type: mapTypes(checker.getTypeOfSymbol(symbol)) })),
        returnType: mapTypes(returnTypeAt(checker, tsi, entry.call, signature)),
        ...(receiverType ? { receiverType } : {}),
        typeArguments: `<${shown.map((type) => checker.typeToString(type, undefined, tsi.TypeFormatFlags.NoTruncation)).join(", ")}>`,
      },
      entry.call,
    );
    return this.addSpec(stub.site.declaration, result, site, site);
  }

  private typeNumber(type: ts.Type): number {
    let number = this.typeNumbers.get(type);
    if (number === undefined) {
      number = nextTypeNumber++;
      this.typeNumbers.set(type, number);
    }
    return number;
  }

  private planSpecialisation(found: SpecialisableCall): void {
    const { call } = found;
    // A generic stub with problems of its own is reported at its declaration, not at every call.
    if (found.stub.problems.length > 0) return;
    const result = this.analyser().analyseCall(found.stub.site, found.signature, call);
    const specConst = this.addSpec(found.stub.site.declaration, result, call, call);
    if (specConst) this.filePlan.rewrites.push({ kind: "specialise", node: call, specConst });
  }
}

/** The type arguments of a generic stub or helper at a call, with `mapTypes` applied (a helper's types replaced by its caller's). */
function callTypeArguments(checker: ts.TypeChecker, signature: ts.Signature, count: number, mapTypes: (type: ts.Type) => ts.Type): ts.Type[] {
  const inferred = checker.getTypeArgumentsForResolvedSignature(signature) ?? [];
  return Array.from({ length: count }, (_, index) => mapTypes(inferred[index] ?? checker.getUnknownType()));
}

/** How many helper calls deep a chain of ever new type arguments may go (polymorphic recursion) before it is reported. */
const MAX_HELPER_DEPTH = 16;
let nextTypeNumber = 1;

/** Equal specs (same content, same classes) share one const within a file. */
function specKey(spec: PlannedCallSpec): string {
  return JSON.stringify([spec.id, spec.kind, spec.typeArguments ?? null, spec.hash, spec.params, spec.thisFields ?? null, spec.revive ?? null]);
}
