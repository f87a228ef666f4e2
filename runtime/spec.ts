/**
 * THE CONTRACT between the transformer and the runtime.
 *
 * The transformer builds one `CallSpec` per stub (and per generic specialisation) as a
 * module-scope literal in the compiled JavaScript; the runtime reads nothing else. The
 * transformer imports these types with `import type`, so `tsc` checks what it builds.
 * Change a field here and bump `SPEC_VERSION`: the runtime refuses specs of another
 * version with a message saying to rebuild.
 */

/**
 * Version of the emitted spec format. Emitted as `version` in every spec.
 * 2: specs may carry `checks`, which a version-1 runtime would skip without a word.
 */
export const SPEC_VERSION = 2;

/**
 * The `id` of every spec of `ChatChain.structuredQuery<T>()`: the transformer specialises each
 * call site of it like a call of a generic stub, and the runtime's method reads that
 * specialisation under this id (its own spec, the fallback for uncompiled callers, has it too).
 */
export const CHAIN_QUERY_ID = "llm-strategy ChatChain.structuredQuery";

/** The parts of a stub's id (`CallSpec.id`): `src/customer.ts:12 Customer.age`. */
export interface SpecIdParts {
  /** Project-relative source path with forward slashes (`src/customer.ts`). */
  file: string;
  /** 1-based line of the declaration's name. */
  line: number;
  /** Qualified name (`Customer.age`); a computed member name may hold spaces and `:12 ` too. */
  name: string;
}

/** `src/customer.ts:12 Customer.age`: the one way ids are written. */
export function formatSpecId(parts: SpecIdParts): string {
  return `${parts.file}:${parts.line} ${parts.name}`;
}

/**
 * The parts of an id written by `formatSpecId`; `undefined` for an id without a line (the
 * runtime's own specs, such as `CHAIN_QUERY_ID`). The file ends at the *first* `:<line> `:
 * paths may hold spaces, and a qualified name may hold anything a computed member name
 * allows, `:3 ` included, so splitting at a later one would make the line part of the name.
 */
export function parseSpecId(id: string): SpecIdParts | undefined {
  const match = /^(.*?):(\d+) /s.exec(id);
  if (!match) return undefined;
  return { file: match[1]!, line: Number(match[2]), name: id.slice(match[0].length) };
}

/**
 * The name a stub is known by across line moves: `src/customer.ts Customer.age` for
 * `src/customer.ts:12 Customer.age`; an id without a line is its own name.
 */
export function specIdWithoutLine(id: string): string {
  const parts = parseSpecId(id);
  return parts ? `${parts.file} ${parts.name}` : id;
}

/** The prefix of the ids of the runtime's own specs, which have no source line. */
const RUNTIME_ID_PREFIX = "llm-strategy ";

/** `Customer.age` for `src/customer.ts:12 Customer.age`, `ChatChain.structuredQuery` for `CHAIN_QUERY_ID`. */
export function qualifiedNameOfSpecId(id: string): string {
  const parts = parseSpecId(id);
  if (parts) return parts.name;
  return id.startsWith(RUNTIME_ID_PREFIX) ? id.slice(RUNTIME_ID_PREFIX.length) : id;
}

/**
 * The runtime fills the first `{{input}}` and `{{outputTypes}}` it finds; a user's text that
 * happens to contain one (a doc comment about templates, a hyperparameter's value) must not be
 * taken for ours.
 */
export function neutralisePlaceholders(text: string): string {
  return text.replace(/\{\{(input|outputTypes)\}\}/g, "{{ $1 }}");
}

/** A JSON Schema (draft-07, as ajv and OpenAI read it). `$ref`s point at `#/definitions/<name>`. */
export type JsonSchema = { [keyword: string]: unknown };

/** Where a class constructor can be reached at run time without hitting the temporal dead zone of a decorated class (compiled to `let C = (() => {...})()`). */
export type ClassThunk = () => abstract new (...args: never[]) => unknown;

/**
 * How to turn validated JSON back into typed values. Only parts of a value that hold a
 * class instance or a `Date` appear; a spec whose output holds neither has no `revive`.
 */
export type Revival<Class = ClassThunk> =
  /** An ISO 8601 string that becomes a `Date`. */
  | { kind: "date" }
  /** An object that becomes an instance of `class` (prototype set, own fields assigned), then its `props` revived. */
  | { kind: "class"; class: Class; props?: { [property: string]: Revival<Class> } }
  /** A plain object some of whose properties need revival. */
  | { kind: "object"; props: { [property: string]: Revival<Class> } }
  /** Every element of an array. */
  | { kind: "array"; items: Revival<Class> }
  /** Some positions of a tuple (`null`: nothing to revive there). */
  | { kind: "tuple"; items: (Revival<Class> | null)[] }
  /** Every value of a `Record<string, X>` / index signature. */
  | { kind: "record"; values: Revival<Class> }
  /** A named revival in `RevivalPlan.definitions` (recursive types such as trees). */
  | { kind: "ref"; name: string }
  /**
   * A union with more than one revivable member: the first option whose `match` schema
   * (usually a `$ref` into the spec's definitions) accepts the value is applied.
   */
  | { kind: "union"; options: { match: JsonSchema; revive: Revival<Class> }[] };

/**
 * `Class` is how a class is referred to: a thunk in emitted code; the transformer
 * instantiates the same shapes with its own compile-time reference before emitting.
 */
export interface RevivalPlan<Class = ClassThunk> {
  /** Revival of the whole return value. */
  value: Revival<Class>;
  /** Named revivals used by `{ kind: "ref" }`, keyed like the schema definitions. */
  definitions?: { [name: string]: Revival<Class> };
}

/** What the runtime does with one positional argument of the stub. */
export interface ParamSpec {
  /** The parameter's name in the source; inputs are sent under this name. */
  name: string;
  /**
   * `"input"`: sent to the model (the default).
   * `"model"`: the explicit `LanguageModel` (first parameter only), not sent.
   * `"signal"`: an `AbortSignal` passed through to the request, not sent.
   */
  role: "input" | "model" | "signal";
}

/**
 * A check's compiled test: called with the receiver as `this` (the class for a static stub,
 * `undefined` for functions), the reply's value (revived) and the stub's arguments in parameter
 * order. A truthy result passes; a falsy one, or a throw, fails the check.
 */
export type CheckTest = (this: unknown, value: unknown, ...args: unknown[]) => unknown;

/**
 * One `@check <expression> [-- message]` of the stub's JSDoc, type-checked at build time.
 * `Test` is how the test is written: a function in emitted code; the transformer holds the
 * expression's JavaScript text (types stripped) until it emits the function.
 */
export interface CheckSpec<Test = CheckTest> {
  /** The expression as written in the JSDoc, e.g. `value.length === numCustomers`. */
  expression: string;
  /** The text after ` -- `; absent when the tag has none. Sent in the repair request (else the expression). */
  message?: string;
  test: Test;
}

/** One LLM-implemented declaration (or one call-site specialisation of a generic one). */
export interface CallSpec<Class = ClassThunk, Test = CheckTest> {
  /** Always `SPEC_VERSION` of the runtime the code was built against. */
  version: number;
  /**
   * Stable id: project-relative source path, 1-based line of the declaration, and its
   * qualified name, e.g. `src/customer.ts:12 Customer.age`. Specialisations keep the id
   * of their declaration (see `typeArguments`).
   */
  id: string;
  /**
   * `"method"` and `"getter"` send the receiver's data fields as `this`;
   * `"static"` and `"function"` send no `this` (a static stub's receiver is the class).
   */
  kind: "method" | "getter" | "static" | "function";
  /**
   * The prompt a person reviews. Placeholders, replaced once each by the runtime:
   * `{{input}}` — the call's inputs as compact JSON (`this` first, then arguments by name);
   * `{{outputTypes}}` — `outputTypes` when the schema is not sent through the provider's
   * structured-output or tool mechanism, else the empty string.
   */
  template: string;
  /**
   * The prompt when the reply's schema is sent through the provider (structured output, tools),
   * which states the output's types, the return type and the reply's shape: only what the schema
   * cannot carry. That is the first `shared` characters of `template` (its doc text and the types
   * the inputs use), then `rest`: the signature without return type when it carries parameter
   * docs or there is no doc text, and `Input: {{input}}`. Absent (specs built before it):
   * `template` with `{{outputTypes}}` empty.
   */
  templateIfSchemaSent?: { shared: number; rest: string };
  /** TypeScript-like declarations of named types that only the output uses (may be ""). */
  outputTypes: string;
  /**
   * The stub's doc text exactly as `template` begins with it (its JSDoc text and `Returns:`
   * line, placeholders neutralised); absent when the stub has none. Lets the runtime swap the
   * doc text for the value of the hyperparameter `prompt:<file> <Name>` (see `hyperparameter`)
   * while the rest of the template stays as built. Optional: specs built before it still run.
   */
  doc?: string;
  /** The stub's parameters in declaration order. */
  params: ParamSpec[];
  /**
   * Data fields of the receiver sent as `this` (own and inherited; no methods, getters, nor
   * `private`, `protected`, `#private` or `@llmHidden` fields). Absent for `"static"`/`"function"`.
   */
  thisFields?: string[];
  /**
   * Schema of the input object: `{ this?, <param>: ... }`. Also what is sent: the runtime cuts
   * the input down to it, so an object keeps only the properties its closed schema names
   * (`private`, `protected`, `#private` and `@llmHidden` fields are in no schema).
   */
  input: JsonSchema;
  /** Schema of the resolved return value `T` of `Promise<T>`. */
  output: JsonSchema;
  /**
   * When set, the model replies with `{ [wrapper]: T }` rather than `T` itself, because
   * `T` is not a plain object (JSON mode, strict structured output and tool arguments all
   * need an object root). The template's answer line already says so.
   */
  wrapper?: string;
  /** Named types referenced from `input` and `output` (exactly the closure they need). */
  definitions: { [name: string]: JsonSchema };
  /** How to revive class instances and Dates in the output; absent when there are none. */
  revive?: RevivalPlan<Class>;
  /**
   * The stub's `@check`s, run in order on the validated, revived value; a failed one is a
   * validation error sent back to the model like any other. Their text is also in `template`
   * (so in `hash`). Absent when the stub has none.
   */
  checks?: CheckSpec<Test>[];
  /** Content hash (hex) of both templates, outputTypes, schemas and definitions. Caches and recordings key on it. */
  hash: string;
  /**
   * Present on generic stubs. On the declaration's own spec (the fallback used when the
   * call site was not compiled by the transformer) it is `"constraints"`; on a call-site
   * specialisation it is the instantiated type arguments as written, e.g. `"<Params, Result>"`.
   */
  typeArguments?: string;
}

/** The whole prompt template for requests that send the schema (see `CallSpec.templateIfSchemaSent`), if the spec has one. */
export function templateIfSchemaSent(spec: Pick<CallSpec, "template" | "templateIfSchemaSent">): string | undefined {
  const parts = spec.templateIfSchemaSent;
  return parts && spec.template.slice(0, parts.shared) + parts.rest;
}

/**
 * The type arguments of one call of a generic helper: a function, method or arrow that is not
 * a stub itself but calls generic stubs (or other helpers) with its own type parameters. The
 * transformer builds one per compiled call site (from the call's known type arguments) as a
 * module-scope literal; the call passes it with `callSpecialized`, the helper takes it on entry
 * (`helperTypes`) and each of its dependent calls passes on its entry of `calls`. The helper's
 * body is compiled once; only this table differs per type.
 */
export interface HelperSpecialisation<Class = ClassThunk> {
  version: number;
  /** Always `"helper"` (a `CallSpec`'s kind never is). */
  kind: "helper";
  /** The helper's id, like a stub's: `src/optimise.ts:8 optimise`. */
  id: string;
  /** The helper's type arguments at this call, as written or inferred: `"<EssayParams, string, EssayHyper>"`. */
  typeArguments: string;
  /**
   * Each call inside the helper whose types depend on the helper's type parameters, by the key
   * the compiled helper reads (the callee's name, `_2` on a repeat): a stub's spec for these
   * type arguments, or the table of the helper it calls (the same table for plain recursion).
   */
  calls: { [site: string]: CallSpec<Class> | HelperSpecialisation<Class> };
}

/** `implement<I>()`: one spec per method of interface `I`. */
export interface InterfaceSpec<Class = ClassThunk> {
  version: number;
  /** `src/file.ts:12 implement<Name>` */
  id: string;
  /** The interface's name. */
  name: string;
  methods: { [method: string]: CallSpec<Class> };
}
