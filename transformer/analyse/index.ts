/**
 * Analysis: a stub's signature, types and JSDoc -> the plain data of its `CallSpec` (schemas,
 * revival plan, prompt template, hash), or every problem that stops it. No AST is built here.
 *
 * Work that depends only on types (JSON checks, schemas, doc comments, base names) is shared
 * by all files of a Program; names, closures and rendered declarations are per file, so one
 * file's definition names never depend on another file.
 */
import type * as ts from "typescript";
import type { CheckSpec, JsonSchema, ParamSpec } from "../../runtime/spec";
import { CheckCompiler } from "./checks";
import { TypeClassifier, type HiddenReason, type TypeTools } from "./classify";
import { FileDefinitions } from "./definitions";
import { definitionsText, specHash } from "./hash";
import { DocReader, keywordApplies, type DeclarationDoc, type KeywordTag } from "./jsdoc";
import { JsonTypeChecker, offendingProperty, renderPath, type TypeIssue } from "./json-type-check";
import { FileNames, TypeNamer } from "./names";
import { isObjectSchema } from "./render-types";
import { RevivalPlanner } from "./revival";
import { ParameterRoles } from "./roles";
import { REF_PREFIX, SchemaFactory, typeKey } from "./schema";
import { buildTemplate } from "./template";
import type { AnalysedSpec, Analyser, AnalyserOptions, CreateAnalyser, HiddenFields, Instantiation, Problem, Result, StubSite } from "./types";

/** The property a non-object reply is wrapped in (`{ "value": T }`). */
const WRAPPER = "value";

/** Type-level work shared by every file of one Program. */
class ProgramAnalysis {
  readonly tools: TypeTools;
  readonly classify: TypeClassifier;
  readonly docs: DocReader;
  readonly schemas: SchemaFactory;
  readonly jsonCheck: JsonTypeChecker;
  readonly namer: TypeNamer;
  readonly roles: ParameterRoles;
  readonly checks: CheckCompiler;
  /** Data fields sent as `this`, by receiver type: every stub of a class sends the same ones. */
  readonly receiverFieldsByType = new Map<ts.Type, string[]>();
  /** The alias each declaration's `Promise<T>` names, by declaration: every call site of a generic stub asks again. */
  readonly returnReferences = new Map<ts.SignatureDeclaration, ts.Symbol | undefined>();
  /** The fields each named type hides, by type: a type shared by many stubs is looked at once. */
  readonly hiddenFieldsByType = new Map<ts.Type, { [property: string]: HiddenReason } | undefined>();

  constructor(options: AnalyserOptions) {
    this.tools = { ts: options.ts, checker: options.program.getTypeChecker(), program: options.program };
    this.classify = new TypeClassifier(this.tools);
    this.docs = new DocReader(this.tools, this.classify);
    this.schemas = new SchemaFactory(this.tools, this.classify, this.docs);
    this.jsonCheck = new JsonTypeChecker(this.classify);
    this.namer = new TypeNamer(this.classify);
    this.roles = new ParameterRoles(this.classify);
    this.checks = new CheckCompiler(this.tools, this.docs);
  }
}

const programs = new WeakMap<ts.Program, ProgramAnalysis>();

export const createAnalyser: CreateAnalyser = (options) => {
  let program = programs.get(options.program);
  if (!program) {
    program = new ProgramAnalysis(options);
    programs.set(options.program, program);
  }
  return new FileAnalyser(program, options);
};

/** How one analysis differs between a declaration and a call site. */
interface Occasion {
  /** The parameters (without `this`) and their types on this occasion. */
  parameters: { symbol: ts.Symbol; type: ts.Type }[];
  returnType: ts.Type;
  receiverType?: ts.Type;
  typeArguments?: string;
  /** Where a problem with parameter `index` (or `this`/the return type when undefined) is reported. */
  problemNode(part: { parameter: number } | "this" | "return"): ts.Node;
  atDeclaration: boolean;
}

/** The schemas keyword tags may constrain, and where a tag that fits none of them is reported. */
interface KeywordTargets {
  stub: string;
  inputs: readonly (Root & { symbol: ts.Symbol })[];
  inputProperties: { [name: string]: JsonSchema };
  returned: ts.Type;
  output: JsonSchema;
  /**
   * Where a tag that fits nothing is reported, at the tag or, when its place is unknown (an
   * inherited doc), at the declaration's name. Absent at call sites: their instantiated types drop
   * such a tag silently (the declaration reports it).
   */
  report?: { to: Problem[]; nameNode: ts.Node };
}

/** One input or output root of a spec, as checked and generated. */
interface Root {
  label: string;
  type: ts.Type;
  node: ts.Node;
  receiver?: boolean;
}

/** An input parameter as a root. */
interface InputRoot extends Root {
  symbol: ts.Symbol;
  optional: boolean;
}

/** What the first stages found: the doc, the parameters, the promised type, and where problems go. */
interface Found {
  doc: DeclarationDoc;
  params: ParamSpec[];
  inputs: InputRoot[];
  returned: ts.Type;
  nameNode: ts.Node;
  problems: Problem[];
  warnings: Problem[];
}

/** What the stages before `assembleSpec` found. */
interface SpecParts {
  params: ParamSpec[];
  input: JsonSchema;
  /** Named types the input uses. */
  inputNames: string[];
  output: JsonSchema;
  /** Named types the output uses (some may be the input's too). */
  outputNames: string[];
  revive: AnalysedSpec["revive"];
  /** The stub's `@check`s that apply on this occasion. */
  checks: CheckSpec<string>[];
  /** The receiver's data fields, when `this` is sent. */
  thisFields?: string[];
}

/** What the specs that use one set of named types share (see `namedTypes`). */
interface NamedTypes {
  /** Input types first, then those only the output uses; shared by these specs, never changed. */
  definitionNames: string[];
  /** As `definitionsText` writes them for the hash. */
  definitions: string;
  hiddenFields?: HiddenFields;
}

class FileAnalyser implements Analyser {
  private readonly files: FileDefinitions;
  private readonly names: FileNames;
  private readonly revival: RevivalPlanner;
  /** By the names the input uses and those only the output uses. */
  private readonly namedTypesByKey = new Map<string, NamedTypes>();

  constructor(
    private readonly program: ProgramAnalysis,
    private readonly options: AnalyserOptions,
  ) {
    this.names = new FileNames(program.namer);
    this.files = new FileDefinitions(program.schemas, this.names);
    this.revival = new RevivalPlanner(program.classify, {
      nameOf: (type) => this.names.nameOf(typeKey(type), type),
      matchSchema: (type) => this.files.convert(program.schemas.schemaOf(type)).schema,
    });
  }

  get definitions(): ReadonlyMap<string, JsonSchema> {
    return this.files.byName;
  }

  analyseDeclaration(site: StubSite): Result<AnalysedSpec> {
    const { checker, ts: t } = this.program.tools;
    const declaration = site.declaration;
    const signature = checker.getSignatureFromDeclaration(declaration)!;
    const parameters = declaration.parameters.filter((p) => !(t.isIdentifier(p.name) && p.name.text === "this"));
    const returnNode = declaration.type && t.isTypeReferenceNode(declaration.type) && declaration.type.typeArguments?.[0];
    return this.analyse(site, {
      ...signatureTypes(checker, signature),
      ...(site.receiverClass ? { receiverType: checker.getTypeAtLocation(site.receiverClass) } : {}),
      ...(isGeneric(t, site) ? { typeArguments: "constraints" } : {}),
      problemNode: (part) =>
        part === "this"
          ? (t.getNameOfDeclaration(declaration) ?? declaration)
          : part === "return"
            ? returnNode || declaration.type || declaration
            : (parameters[part.parameter]?.type ?? parameters[part.parameter] ?? declaration),
      atDeclaration: true,
    });
  }

  analyseCall(site: StubSite, signature: ts.Signature, call: ts.CallExpression): Result<AnalysedSpec> {
    const { checker, ts: t } = this.program.tools;
    const receiverType = site.receiverClass ? this.receiverAtCall(site.receiverClass, call) : undefined;
    const argumentsAreParameters = checker.getResolvedSignature(call)?.declaration === site.declaration;
    const types = signatureTypes(checker, signature);
    // `box?.pick()`: the checker's signature of an optional call adds the `undefined` of the short-circuit to what the stub returns.
    if (t.isOptionalChain(call) && types.returnType.isUnion()) types.returnType = checker.getNonNullableType(types.returnType);
    return this.analyse(site, {
      ...types,
      ...(receiverType ? { receiverType } : {}),
      typeArguments: writtenTypeArguments(t, checker, signature, call, receiverType ? this.program.classify.typeArgumentsOf(receiverType) : []),
      // At a call of the stub itself, a parameter's problem points at its argument; at
      // `implement<I>()` (the call is not of the method) it points at the type argument.
      problemNode: (part) =>
        typeof part === "object" && argumentsAreParameters ? (call.arguments[part.parameter] ?? call) : argumentsAreParameters ? call : (call.typeArguments?.[0] ?? call),
      atDeclaration: false,
    });
  }

  analyseInstantiated(site: StubSite, instantiation: Instantiation, call: ts.CallExpression): Result<AnalysedSpec> {
    return this.analyse(site, {
      parameters: instantiation.parameters,
      returnType: instantiation.returnType,
      ...(instantiation.receiverType ? { receiverType: instantiation.receiverType } : {}),
      typeArguments: instantiation.typeArguments,
      // The call stands in a generic helper: its problems point at the call, inside the helper.
      problemNode: (part) => (typeof part === "object" ? (call.arguments[part.parameter] ?? call) : call),
      atDeclaration: false,
    });
  }

  /**
   * The stages, each collecting its problems: the doc comment, the parameters' roles, the
   * promised return type, the `@check`s, the JSON check of every root, the schemas, then the
   * prompt and hash.
   */
  private analyse(site: StubSite, occasion: Occasion): Result<AnalysedSpec> {
    // In steps of small functions: a build runs each once per spec, and small functions stay in
    // the interpreter rather than costing an optimising compile each.
    const problems: Problem[] = [];
    const warnings: Problem[] = [];
    // Where problems of the declaration as a whole are reported.
    const nameNode = this.program.tools.ts.getNameOfDeclaration(site.declaration) ?? site.declaration;
    const doc = this.readDoc(site, occasion, nameNode, { problems, warnings });
    const { params, inputs } = this.parameters(site.qualifiedName, occasion, problems);
    const returned = this.promisedType(occasion.returnType);
    if (!returned) {
      const returnType = this.program.tools.checker.typeToString(occasion.returnType);
      problems.push({ kind: "StubMustReturnPromise", args: { stub: site.qualifiedName, returnType }, node: occasion.problemNode("return") });
      return { ok: false, problems };
    }
    return this.analyseRoots(site, occasion, { doc, params, inputs, returned, nameNode, problems, warnings });
  }

  /** The receiver sent as `this`, the `@check`s, and the JSON check of every root. */
  private analyseRoots(site: StubSite, occasion: Occasion, found: Found): Result<AnalysedSpec> {
    const { params, inputs, returned, problems, warnings } = found;
    const stub = site.qualifiedName;
    const receiverType = site.kind === "method" || site.kind === "getter" ? occasion.receiverType : undefined;
    const thisFields = receiverType ? this.receiverFields(receiverType) : [];
    const receiver = receiverType && thisFields.length > 0 ? { type: receiverType, fields: thisFields } : undefined;
    const checks = this.checks(site, stub, params, receiverType ? thisFields : undefined, problems);
    this.checkRoots(stub, rootsOf(occasion, receiver, inputs, returned), problems, warnings);
    if (problems.length > 0) return { ok: false, problems };
    return this.generate(site, occasion, found, receiver, checks);
  }

  /** The schemas, the keyword tags on them, then the spec. */
  private generate(site: StubSite, occasion: Occasion, found: Found, receiver: { type: ts.Type; fields: string[] } | undefined, checks: CheckSpec<string>[]): Result<AnalysedSpec> {
    const { doc, params, inputs, returned, problems, warnings } = found;
    const { input, inputProperties, inputNames } = this.inputSchema(receiver?.type, inputs);
    const { output, outputNames, revive } = this.outputSchema(site, returned);
    // Keyword tags: under a `@param` line they constrain that input, elsewhere what the stub returns.
    this.applyKeywordTags(doc.keywordTags, keywordTargets(site, occasion, found, inputProperties, output));
    if (problems.length > 0) return { ok: false, problems };
    const spec = this.assembleSpec(site, occasion, doc, { params, input, inputNames, output, outputNames, revive, checks, ...(receiver ? { thisFields: receiver.fields } : {}) });
    return { ok: true, value: spec, warnings };
  }

  /**
   * The stub's own JSDoc. Without one: a `DetachedDocComment` error when a comment stands where
   * TypeScript does not attach it, else a `MissingJsDoc` warning (when warnings are on).
   */
  private readDoc(site: StubSite, occasion: Occasion, nameNode: ts.Node, found: { problems: Problem[]; warnings: Problem[] }): DeclarationDoc {
    const { docs } = this.program;
    const { problems, warnings } = found;
    const stub = site.qualifiedName;
    const doc = docs.declarationDoc(site.declaration);
    const detached = occasion.atDeclaration && !doc.hasJsDoc ? docs.detachedDocComment(site.declaration) : undefined;
    if (detached) {
      const file = site.declaration.getSourceFile();
      const text = file.text.slice(detached.pos, detached.end).replace(/\s+/g, " ");
      const comment = text.length > 40 ? `${text.slice(0, 36)}...*/` : text;
      const line = file.getLineAndCharacterOfPosition(detached.pos).line + 1;
      problems.push({ kind: "DetachedDocComment", args: { stub, line, comment }, node: nameNode });
    } else if (this.options.warnings && occasion.atDeclaration && !doc.hasJsDoc) {
      warnings.push({ kind: "MissingJsDoc", args: { stub }, node: nameNode });
    }
    return doc;
  }

  /** Each parameter's role, and the inputs among them. */
  private parameters(stub: string, occasion: Occasion, problems: Problem[]): { params: ParamSpec[]; inputs: InputRoot[] } {
    const { tools, roles } = this.program;
    const params: ParamSpec[] = [];
    const inputs: InputRoot[] = [];
    occasion.parameters.forEach(({ symbol, type }, index) => {
      const role = roles.roleOf(type);
      params.push({ name: symbol.name, role });
      const node = occasion.problemNode({ parameter: index });
      if (role === "model" && index > 0) problems.push({ kind: "ModelParameterNotFirst", args: { stub, parameter: symbol.name }, node });
      if (role !== "input") return;
      const declaration = symbol.valueDeclaration;
      const optional = !!declaration && tools.ts.isParameter(declaration) && tools.checker.isOptionalParameter(declaration);
      // A destructured parameter (reported by find) has no name of its own; its pattern stands in for one in messages.
      const label = declaration && tools.ts.isParameter(declaration) && !tools.ts.isIdentifier(declaration.name) ? declaration.name.getText() : symbol.name;
      inputs.push({ label, type, node, symbol, optional });
    });
    return { params, inputs };
  }

  /** Everything JSON cannot carry, on every root, before any schema is generated. */
  private checkRoots(stub: string, roots: Root[], problems: Problem[], warnings: Problem[]): void {
    for (const root of roots) {
      const issues = root.receiver ? this.program.jsonCheck.checkReceiverFields(root.type) : this.program.jsonCheck.check(root.type);
      for (const issue of issues) {
        const problem = this.problemFor(stub, root, issue);
        if (issue.severity === "error") problems.push(problem);
        else if (this.options.warnings) warnings.push(problem);
      }
    }
  }

  /** The input object (`this` first, then the inputs by name) and the named types it uses, in first-use order. */
  private inputSchema(receiverType: ts.Type | undefined, inputs: InputRoot[]): { input: JsonSchema; inputProperties: { [name: string]: JsonSchema }; inputNames: string[] } {
    const { schemas } = this.program;
    const inputProperties: { [name: string]: JsonSchema } = {};
    const required: string[] = [];
    const rootRefs: string[] = [];
    const addRefs = (refs: string[]): void => {
      for (const ref of refs) if (!rootRefs.includes(ref)) rootRefs.push(ref);
    };
    if (receiverType) {
      const converted = this.files.convert(schemas.schemaOf(receiverType));
      inputProperties.this = converted.schema;
      required.push("this");
      addRefs(converted.refs);
    }
    for (const input of inputs) {
      const converted = this.files.convert(schemas.schemaOfAnnotated(input.type, input.symbol, () => schemas.referencedTypeSymbol(input.symbol)));
      inputProperties[input.label] = converted.schema;
      if (!input.optional) required.push(input.label);
      addRefs(converted.refs);
    }
    const input: JsonSchema = { type: "object", properties: inputProperties };
    if (required.length > 0) input.required = required;
    input.additionalProperties = false;
    return { input, inputProperties, inputNames: this.files.closure(rootRefs) };
  }

  /** The returned value's schema, the named types it uses and how to revive it. */
  private outputSchema(site: StubSite, returned: ts.Type): { output: JsonSchema; outputNames: string[]; revive: AnalysedSpec["revive"] } {
    const convertedOutput = this.files.convert(this.program.schemas.schemaOfAnnotated(returned, undefined, () => this.returnReference(site.declaration)));
    const output = convertedOutput.schema;
    const revive = this.revival.plan(returned);
    return { output, outputNames: this.files.closure(convertedOutput.refs), revive };
  }

  /**
   * The prompt template, the definitions (input types first), the content hash, and the spec they
   * make. In three parts, each run once per spec: small functions a build runs a thousand times
   * stay in the interpreter rather than costing an optimising compile each.
   */
  private assembleSpec(site: StubSite, occasion: Occasion, doc: DeclarationDoc, parts: SpecParts): AnalysedSpec {
    const outputOnly = parts.outputNames.filter((name) => !parts.inputNames.includes(name));
    const wrapper = this.isPlainObject(parts.output) ? undefined : WRAPPER;
    const prompt = this.prompt(site, doc, parts, outputOnly, wrapper);
    const named = this.namedTypes(parts.inputNames, outputOnly);
    const { template, templateIfSchemaSent, outputTypes } = prompt;
    const hash = specHash({ template, templateIfSchemaSent, outputTypes, input: parts.input, output: parts.output, ...(wrapper ? { wrapper } : {}), definitions: named.definitions });
    return specOf(site, occasion, parts, prompt, wrapper, hash, named);
  }

  /** The prompt template (both forms), from the doc, the schemas and the named types' declarations. */
  private prompt(site: StubSite, doc: DeclarationDoc, parts: SpecParts, outputOnly: string[], wrapper: string | undefined): ReturnType<typeof buildTemplate> {
    const owner = site.kind === "function" ? this.program.docs.ownerOf(site.declaration) : undefined;
    return buildTemplate({
      doc: doc.text,
      ...(owner ? { owner } : {}),
      ...(doc.returns ? { returns: doc.returns } : {}),
      kind: site.kind,
      name: site.qualifiedName.slice(site.qualifiedName.lastIndexOf(".") + 1),
      input: parts.input,
      output: parts.output,
      ...(wrapper ? { wrapper } : {}),
      checks: parts.checks,
      inputDeclarations: parts.inputNames.map((name) => this.files.declaration(name)),
      outputDeclarations: outputOnly.map((name) => this.files.declaration(name)),
    });
  }

  /**
   * The stub's `@check`s as type-checked at its declaration, and on this occasion: each may read
   * only parameters sent to the model and `this`'s fields sent to it (`thisFields`; undefined
   * when no `this` is sent). Problems go to `problems`.
   */
  private checks(site: StubSite, stub: string, params: ParamSpec[], thisFields: string[] | undefined, problems: Problem[]): CheckSpec<string>[] {
    const compiled = this.program.checks.of(site.declaration);
    for (const { tag, expression, ...issue } of compiled.issues) problems.push({ kind: issue.kind, args: { stub, expression, ...issue }, node: tag } as Problem);
    const checks: CheckSpec<string>[] = [];
    const hidden = params.some((param) => param.name === "value");
    for (const check of compiled.checks) {
      const cannotSee = (name: string, reason: string): void => {
        problems.push({ kind: "CheckCannotSee", args: { stub, expression: check.expression, name, reason }, node: check.tag });
      };
      const notSent = check.parameters.find((name) => params.find((param) => param.name === name)?.role !== "input");
      const field = check.thisFields.find((name) => !thisFields?.includes(name));
      if (hidden) cannotSee("value", "the stub has a parameter named `value`, hidden by the checked value; rename the parameter");
      else if (notSent !== undefined) cannotSee(notSent, "a parameter not sent to the model (an explicit LanguageModel or an AbortSignal)");
      else if (field !== undefined) {
        cannotSee(`this.${field}`, thisFields ? "not a data field sent to the model: a getter, a method, or a private, protected or @llmHidden field" : "a static stub or a function sends no `this`");
      } else checks.push({ expression: check.expression, ...(check.message !== undefined ? { message: check.message } : {}), test: check.js });
    }
    return checks;
  }

  /**
   * Writes each keyword tag onto the schema it stands for, when it can constrain it; one that
   * cannot (`@minItems` under a `number` parameter, a `@param` name that is not sent) is reported.
   */
  private applyKeywordTags(tags: readonly KeywordTag[], where: KeywordTargets): void {
    const { stub, inputs, inputProperties, returned, output, report } = where;
    const { checker } = this.program.tools;
    const resolve = (ref: string): JsonSchema | undefined => (ref.startsWith(REF_PREFIX) ? this.files.schema(decodeURIComponent(ref.slice(REF_PREFIX.length))) : undefined);
    for (const tag of tags) {
      const input = tag.parameter === undefined ? undefined : inputs.find((candidate) => candidate.label === tag.parameter);
      const schema = tag.parameter === undefined ? output : input ? inputProperties[input.label] : undefined;
      if (tag.value !== undefined && schema && keywordApplies(tag.name, schema, resolve)) {
        schema[tag.name] = tag.value;
        continue;
      }
      if (!report) continue;
      const problem =
        tag.value === undefined
          ? `reads \`${tag.text}\`, which is not a value \`@${tag.name}\` takes`
          : tag.parameter === undefined
          ? `constrains the result, and its type \`${checker.typeToString(returned)}\` has nothing \`@${tag.name}\` applies to`
          : input
            ? `follows \`@param ${tag.parameter}\`, and its type \`${checker.typeToString(input.type)}\` has nothing \`@${tag.name}\` applies to`
            : `follows \`@param ${tag.parameter}\`, which names no parameter sent to the model`;
      report.to.push({ kind: "MisplacedKeywordTag", args: { stub, tag: `@${tag.name}${tag.text ? ` ${tag.text}` : ""}`, problem }, node: tag.node ?? report.nameNode });
    }
  }

  /**
   * What a spec takes from the named types it uses, given those of its input and those only its
   * output uses: the definitions (input types first), their text for the hash, and their hidden
   * fields. A file's specs use a few sets of types, so each set is worked out once per file.
   */
  private namedTypes(inputNames: readonly string[], outputOnly: readonly string[]): NamedTypes {
    const key = `${inputNames.join(" ")} | ${outputOnly.join(" ")}`; // names have no spaces
    let named = this.namedTypesByKey.get(key);
    if (!named) {
      const definitionNames = [...inputNames, ...outputOnly];
      const hiddenFields = this.hiddenFields(definitionNames);
      named = {
        definitionNames,
        definitions: definitionsText(new Map(definitionNames.map((name) => [name, this.files.canonicalJson(name)]))),
        ...(hiddenFields ? { hiddenFields } : {}),
      };
      this.namedTypesByKey.set(key, named);
    }
    return named;
  }

  /** The fields of named types that the schemas leave out for privacy, so the manifest can show them. */
  private hiddenFields(definitionNames: readonly string[]): HiddenFields | undefined {
    let hidden: HiddenFields | undefined;
    for (const name of definitionNames) {
      const fields = this.hiddenFieldsOf(this.files.typeOf(name));
      if (fields) (hidden ??= {})[name] = { ...fields };
    }
    return hidden;
  }

  private hiddenFieldsOf(type: ts.Type): { [property: string]: HiddenReason } | undefined {
    const { classify, tools, hiddenFieldsByType } = this.program;
    if (hiddenFieldsByType.has(type)) return hiddenFieldsByType.get(type);
    let fields: { [property: string]: HiddenReason } | undefined;
    if (type.flags & tools.ts.TypeFlags.Object) {
      for (const property of tools.checker.getPropertiesOfType(type)) {
        const reason = classify.hiddenReason(property);
        if (reason) (fields ??= {})[property.name] = reason;
      }
    }
    hiddenFieldsByType.set(type, fields);
    return fields;
  }

  /** Data fields sent as `this`: own and inherited, no methods, accessors or function-valued fields. */
  private receiverFields(receiverType: ts.Type): string[] {
    const { classify, tools, receiverFieldsByType } = this.program;
    const { TypeFlags } = tools.ts;
    let fields = receiverFieldsByType.get(receiverType);
    if (!fields) {
      fields = classify
        .dataProperties(receiverType)
        .filter((property) => {
          const type = tools.checker.getTypeOfSymbol(property);
          return !classify.isCallable(type) && !(type.flags & (TypeFlags.Never | TypeFlags.Undefined));
        })
        .map((property) => property.name);
      receiverFieldsByType.set(receiverType, fields);
    }
    return fields;
  }

  /** The receiver's type at a call: the instantiated class for a generic one (`box.get()` on `Box<Customer>`). */
  private receiverAtCall(receiverClass: ts.ClassLikeDeclaration, call: ts.CallExpression): ts.Type {
    const { checker, ts: t } = this.program.tools;
    const declared = checker.getTypeAtLocation(receiverClass);
    if (!receiverClass.typeParameters?.length) return declared;
    const callee = call.expression;
    if (!t.isPropertyAccessExpression(callee) && !t.isElementAccessExpression(callee)) return declared;
    // `box?.pick()`: the receiver's type without the `undefined` the `?.` skips.
    const atCall = checker.getTypeAtLocation(callee.expression);
    const actual = atCall.isUnion() ? checker.getNonNullableType(atCall) : atCall;
    return this.asInstanceOf(actual, declared) ?? declared;
  }

  /**
   * `type` as an instance of the class `declared`: itself, or the base it extends
   * (`Shelf extends Box<Card>` is a `Box<Card>`; `this` inside `Shelf` too). Bases of a generic
   * subclass would need its type arguments put in, which the public API cannot: the declared class then.
   */
  private asInstanceOf(type: ts.Type, declared: ts.Type, depth = 0): ts.Type | undefined {
    const { checker, ts: t } = this.program.tools;
    if (depth > 10) return undefined;
    if (type.flags & t.TypeFlags.TypeParameter) {
      const constraint = checker.getBaseConstraintOfType(type);
      return constraint && constraint !== type ? this.asInstanceOf(constraint, declared, depth + 1) : undefined;
    }
    if (type.getSymbol() === declared.getSymbol()) return type;
    if (!(type.flags & t.TypeFlags.Object) || !((type as ts.ObjectType).objectFlags & t.ObjectFlags.Class)) return undefined;
    const target = type as ts.InterfaceType;
    if (target.typeParameters?.length) return undefined;
    for (const base of checker.getBaseTypes(target)) {
      const found = this.asInstanceOf(base, declared, depth + 1);
      if (found) return found;
    }
    return undefined;
  }

  /** `T` of a declared `Promise<T>`. */
  private promisedType(type: ts.Type): ts.Type | undefined {
    const { classify, tools } = this.program;
    const symbol = type.getSymbol();
    if (!symbol || symbol.escapedName !== "Promise" || !classify.isDefaultLibSymbol(symbol)) return undefined;
    return tools.checker.getTypeArguments(type as ts.TypeReference)[0];
  }

  /** The alias written as `T` in `Promise<T>`, whose JSDoc keywords apply (`Promise<Age>`). */
  private returnReference(declaration: ts.SignatureDeclaration): ts.Symbol | undefined {
    const { returnReferences } = this.program;
    if (!returnReferences.has(declaration)) returnReferences.set(declaration, this.readReturnReference(declaration));
    return returnReferences.get(declaration);
  }

  private readReturnReference(declaration: ts.SignatureDeclaration): ts.Symbol | undefined {
    const { ts: t, checker } = this.program.tools;
    const promise = declaration.type;
    const argument = promise && t.isTypeReferenceNode(promise) ? promise.typeArguments?.[0] : undefined;
    if (!argument || !t.isTypeReferenceNode(argument)) return undefined;
    let symbol = checker.getSymbolAtLocation(argument.typeName);
    if (symbol && symbol.flags & t.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
    return symbol && !(symbol.flags & t.SymbolFlags.TypeParameter) ? symbol : undefined;
  }

  /** An object schema with named properties only: what every mode accepts as the reply's root. */
  private isPlainObject(schema: JsonSchema): boolean {
    const target = typeof schema.$ref === "string" ? this.files.schema(schema.$ref.slice(REF_PREFIX.length)) : schema;
    return (
      isObjectSchema(target) &&
      !target.enum &&
      Object.keys((target.properties ?? {}) as object).length > 0 &&
      (target.additionalProperties === false || target.additionalProperties === undefined)
    );
  }

  private problemFor(stub: string, root: Root, issue: TypeIssue): Problem {
    const { classify, tools } = this.program;
    const rootType = classify.unwrapReadonly(root.type);
    const rootName = classify.isNamedType(rootType) ? classify.declaredName(rootType) : undefined;
    const path = renderPath(root.label, rootName, issue.route);
    const type = tools.checker.typeToString(issue.type);
    const property = offendingProperty(issue.route);
    const declaration = property?.valueDeclaration ?? property?.declarations?.[0];
    const related = declaration
      ? [{ node: tools.ts.getNameOfDeclaration(declaration) ?? declaration, message: `\`${property!.name}\` is declared here.` }]
      : undefined;
    if (issue.severity === "error") {
      return { kind: "TypeNotJson", args: { stub, path, type, reason: issue.reason }, node: root.node, ...(related ? { related } : {}) };
    }
    return { kind: "LooseType", args: { stub, path, type }, node: root.node, ...(related ? { related } : {}) };
  }
}

/** The roots to check: `this` (when sent), the inputs, then the returned type. */
function rootsOf(occasion: Occasion, receiver: { type: ts.Type } | undefined, inputs: InputRoot[], returned: ts.Type): Root[] {
  return [
    ...(receiver ? [{ label: "this", type: receiver.type, node: occasion.problemNode("this"), receiver: true }] : []),
    ...inputs,
    { label: "return", type: returned, node: occasion.problemNode("return") },
  ];
}

/** Where the stub's keyword tags apply; tags that fit nothing are reported at the declaration only. */
function keywordTargets(site: StubSite, occasion: Occasion, found: Found, inputProperties: { [name: string]: JsonSchema }, output: JsonSchema): KeywordTargets {
  const { inputs, returned, problems, nameNode } = found;
  return { stub: site.qualifiedName, inputs, inputProperties, returned, output, ...(occasion.atDeclaration ? { report: { to: problems, nameNode } } : {}) };
}

/** The spec, its keys in the contract's order. */
function specOf(
  site: StubSite,
  occasion: Occasion,
  parts: SpecParts,
  prompt: ReturnType<typeof buildTemplate>,
  wrapper: string | undefined,
  hash: string,
  named: NamedTypes,
): AnalysedSpec {
  const { params, input, output, revive, checks, thisFields } = parts;
  const { definitionNames, hiddenFields } = named;
  return {
    id: site.id,
    kind: site.kind,
    template: prompt.template,
    ...(prompt.doc !== undefined ? { doc: prompt.doc } : {}),
    templateIfSchemaSent: prompt.templateIfSchemaSent,
    outputTypes: prompt.outputTypes,
    params,
    ...(thisFields ? { thisFields } : {}),
    input,
    output,
    ...(wrapper ? { wrapper } : {}),
    ...(revive ? { revive } : {}),
    ...(checks.length > 0 ? { checks } : {}),
    hash,
    ...(occasion.typeArguments ? { typeArguments: occasion.typeArguments } : {}),
    definitionNames,
    ...(hiddenFields ? { hiddenFields } : {}),
  };
}

/** A signature's parameter types (without a `this` parameter) and return type. */
function signatureTypes(checker: ts.TypeChecker, signature: ts.Signature): Pick<Occasion, "parameters" | "returnType"> {
  return {
    parameters: signature.getParameters().map((symbol) => ({ symbol, type: checker.getTypeOfSymbol(symbol) })),
    returnType: checker.getReturnTypeOfSignature(signature),
  };
}

/** Generic stubs: type parameters of their own, or of the class or interface they belong to. */
function isGeneric(t: typeof ts, site: StubSite): boolean {
  if (site.declaration.typeParameters?.length) return true;
  const parent = site.declaration.parent;
  return !!parent && (t.isClassLike(parent) || t.isInterfaceDeclaration(parent)) && !!parent.typeParameters?.length;
}

/**
 * `<EssayParams, Essay, EssayHyper>`: as written at the call, else as the checker inferred them;
 * for a method of a generic class, the receiver's (`<Essay>` for `box.improve()` on a `Box<Essay>`).
 */
function writtenTypeArguments(t: typeof ts, checker: ts.TypeChecker, signature: ts.Signature, call: ts.CallExpression, receiverArguments: readonly ts.Type[]): string {
  if (call.typeArguments?.length) return `<${call.typeArguments.map((node) => node.getText()).join(", ")}>`;
  const inferred = checker.getTypeArgumentsForResolvedSignature(signature);
  const types = inferred?.length ? inferred : receiverArguments;
  return `<${types.map((type) => checker.typeToString(type, call, t.TypeFormatFlags.NoTruncation)).join(", ")}>`;
}
