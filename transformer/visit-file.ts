import type * as ts from "typescript";
import type { RevivalPlan } from "../runtime/spec";
import type { AnalysedSpec, Analyser, ClassReference, Problem, Result } from "./analyse/types";
import type { TransformerContext } from "./context";
import { emitFile } from "./emit/file";
import { createClassResolver, type ClassAccess, type ClassResolution } from "./find/class-references";
import { specialisableCall } from "./find/generic-calls";
import { describeImplement } from "./find/implement-sites";
import { lineOf, projectRelativePath } from "./find/names";
import { isCompiledSource, scanProgram, type ProgramScan } from "./find/scan-program";
import { jsDocParsingModeOf, lostJsDoc } from "./find/stub-sites";
import { writeManifest, type ManifestRecord } from "./manifest";
import { RUNTIME_NAMESPACE, type FilePlan, type PlannedCallSpec } from "./plan";
import { mapRevivalClasses } from "./revival-classes";

/** A file's plan and everything it reports. */
interface PlannedFile {
  plan: FilePlan;
  problems: Problem[];
  manifest: ManifestRecord[];
}

/** State shared by every file of one Program: the scan, each file's plan, what was reported. */
export interface ProgramState {
  readonly context: TransformerContext;
  scan?: ProgramScan;
  readonly planned: Map<ts.SourceFile, PlannedFile>;
  readonly reported: Set<ts.SourceFile>;
  /** Problems already reported (an interface's method is checked at every `implement<I>()` call). */
  readonly reportedProblems: Set<string>;
  jsDocParsingReported: boolean;
  manifestWritten: boolean;
}

export function createProgramState(context: TransformerContext): ProgramState {
  return { context, planned: new Map(), reported: new Set(), reportedProblems: new Set(), jsDocParsingReported: false, manifestWritten: false };
}

/**
 * Transforms one file: plan it (find + analyse), report its problems once, emit. A stub with
 * problems keeps its `stub()` body (the build fails on the diagnostics anyway).
 */
export function visitFile(state: ProgramState, transformation: ts.TransformationContext, file: ts.SourceFile): ts.SourceFile {
  const { context } = state;
  if (context.options.manifest !== undefined && !state.manifestWritten) {
    state.manifestWritten = true;
    // The manifest covers the whole Program, also when only some files are emitted.
    const records: ManifestRecord[] = [];
    for (const source of context.program.getSourceFiles()) {
      if (isCompiledSource(context.program, source)) records.push(...planFile(state, source).manifest);
    }
    writeManifest(context.projectDir, context.options.manifest, records);
  }
  const planned = planFile(state, file);
  if (!state.reported.has(file)) {
    state.reported.add(file);
    for (const problem of planned.problems) {
      const key = `${problem.node.getSourceFile().fileName}:${problem.node.pos}:${problem.node.end}:${problem.kind}:${JSON.stringify(problem.args)}`;
      if (state.reportedProblems.has(key)) continue;
      state.reportedProblems.add(key);
      context.report(problem);
    }
  }
  return emitFile(context.ts, transformation, file, planned.plan, context.options.runtimeModule);
}

/**
 * Whether emitting `file` with the transformer changes or reports anything (a stub, an
 * `implement<I>()` call, a generic stub's call site, a problem), from the same plan `visitFile`
 * emits. The bundler plugins leave every other file to the bundler's own TypeScript handling.
 */
export function fileHasWork(state: ProgramState, file: ts.SourceFile): boolean {
  const { plan, problems } = planFile(state, file);
  return problems.length > 0 || plan.rewrites.length > 0 || plan.specs.length > 0 || plan.interfaces.length > 0;
}

function planFile(state: ProgramState, file: ts.SourceFile): PlannedFile {
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
  private readonly filePlan: FilePlan = { definitions: new Map(), specs: [], interfaces: [], rewrites: [] };
  private readonly problems: Problem[] = [];
  private readonly manifest: ManifestRecord[] = [];
  private readonly constNames = new Set<string>();
  /** Specs already planned in this file, by content, so equal specialisations share one const. */
  private readonly specConstByKey = new Map<string, string>();
  private analyserInstance: Analyser | undefined;
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
      this.checkJsDocParsing(findings.stubs.map((stub) => stub.site.declaration));
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
        for (const call of findings.calls) this.planSpecialisation(call);
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
    this.analyserInstance ??= this.context.createAnalyser(
      { ts: this.context.ts, program: this.context.program, projectDir: this.context.projectDir, warnings: this.context.options.warnings },
      this.file,
    );
    return this.analyserInstance;
  }

  /** One `JsDocParsingOff` per build, on the first stub whose file was parsed without JSDoc. */
  private checkJsDocParsing(declarations: ts.SignatureDeclaration[]): void {
    if (this.state.jsDocParsingReported || declarations.length === 0) return;
    const mode = jsDocParsingModeOf(this.file);
    const off = mode !== undefined && mode !== this.context.ts.JSDocParsingMode.ParseAll;
    const lost = off ? declarations[0] : declarations.find((declaration) => lostJsDoc(this.context.ts, declaration));
    if (!lost) return;
    this.state.jsDocParsingReported = true;
    this.problems.push({ kind: "JsDocParsingOff", args: undefined, node: this.context.ts.getNameOfDeclaration(lost) ?? lost });
  }

  /**
   * Adds an analysed spec (problems and warnings are collected; classes resolved for this file)
   * and returns the name of its const, or undefined when it cannot be emitted.
   */
  private addSpec(
    declaration: ts.SignatureDeclaration,
    result: Result<AnalysedSpec>,
    problemNode: ts.Node,
    callSite?: ts.CallExpression,
  ): string | undefined {
    if (!result.ok) {
      this.problems.push(...result.problems);
      return undefined;
    }
    this.problems.push(...result.warnings);
    const analysed = result.value;
    const unreachable: Problem[] = [];
    const revive = analysed.revive ? this.resolveRevival(analysed.revive, analysed.id, problemNode, unreachable) : undefined;
    if (unreachable.length > 0) {
      this.problems.push(...unreachable);
      return undefined;
    }
    const { revive: _analysedRevive, ...rest } = analysed;
    const spec: PlannedCallSpec = { ...rest, ...(revive ? { revive } : {}) };
    const key = specKey(spec);
    let constName = this.specConstByKey.get(key);
    if (!constName) {
      const base = `${RUNTIME_NAMESPACE}Spec_${qualifiedNameOfId(spec.id).replace(/[^A-Za-z0-9_$]/g, "_")}`;
      constName = base;
      for (let n = 2; this.constNames.has(constName); n++) constName = `${base}_${n}`;
      this.constNames.add(constName);
      this.specConstByKey.set(key, constName);
      this.filePlan.specs.push({ constName, spec });
    }
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
    return constName;
  }

  private resolveRevival(
    plan: RevivalPlan<ClassReference>,
    stub: string,
    problemNode: ts.Node,
    unreachable: Problem[],
  ): RevivalPlan<ClassAccess> {
    const reported = new Set<ts.Node>();
    return mapRevivalClasses(plan, (reference): ClassAccess => {
      const resolution = this.resolveClass(reference.declaration);
      if (resolution.ok) return resolution.access;
      if (!reported.has(reference.declaration)) {
        reported.add(reference.declaration);
        unreachable.push({
          kind: "ClassNotReachable",
          args: { stub: qualifiedNameOfId(stub), className: reference.declaration.name?.text ?? "(anonymous class)", reason: resolution.reason },
          node: problemNode,
          related: [{ node: reference.declaration.name ?? reference.declaration, message: "The class is declared here." }],
        });
      }
      return { kind: "local", name: "undefined" };
    });
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
    const base = `${RUNTIME_NAMESPACE}Interface_${found.name.replace(/[^A-Za-z0-9_$]/g, "_")}`;
    let constName = base;
    for (let n = 2; this.constNames.has(constName); n++) constName = `${base}_${n}`;
    this.constNames.add(constName);
    this.filePlan.interfaces.push({ constName, id: found.id, name: found.name, methods });
    this.filePlan.rewrites.push({ kind: "implement", node: call, specConst: constName });
  }

  private planSpecialisation(call: ts.CallExpression): void {
    const found = specialisableCall(this.context, this.scan, call);
    // A generic stub with problems of its own is reported at its declaration, not at every call.
    if (!found || found.stub.problems.length > 0) return;
    const result = this.analyser().analyseCall(found.stub.site, found.signature, call);
    const specConst = this.addSpec(found.stub.site.declaration, result, call, call);
    if (specConst) this.filePlan.rewrites.push({ kind: "specialise", node: call, specConst });
  }
}

/** `Customer.age` of `src/customer.ts:12 Customer.age` (file names may hold spaces, qualified names too). */
function qualifiedNameOfId(id: string): string {
  return id.replace(/^.*?:\d+ /, "");
}

/** Equal specs (same content, same classes) share one const within a file. */
function specKey(spec: PlannedCallSpec): string {
  return JSON.stringify([spec.id, spec.kind, spec.typeArguments ?? null, spec.hash, spec.params, spec.thisFields ?? null, spec.revive ?? null]);
}
