import { AsyncLocalStorage } from "node:async_hooks";
import { ConfigurationError } from "./errors";
import { neutralisePlaceholders, qualifiedNameOfSpecId, specIdWithoutLine, templateIfSchemaSent, type CallSpec } from "./spec";
import { noteHyperparameterRead } from "./tracing/context";
import { errorMessage, isPlainRecord, isThenable, shortHash } from "./util";

/**
 * Hyperparameters (the seed's `@track_hyperparameters`): named, typed values with defaults,
 * read by code (`words.value`) and by prompts (`{{hp:essay.words}}` in a stub's JSDoc), set for
 * a scope with `withHyperparameters`, collected with their defaults by `collectHyperparameters`,
 * saved and loaded as JSON. Every stub's doc text is a hyperparameter too (`prompt:<file> <Name>`),
 * so an optimizer can rewrite prompts.
 */

/** A JSON value. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** The JSON type of a hyperparameter, fixed by its default. */
export type HyperparameterType = "string" | "number" | "boolean" | "array" | "object";

/** A declared hyperparameter. `value` is the value in force in the current scope. */
export interface Hyperparameter<T extends JsonValue = JsonValue> {
  readonly name: string;
  readonly default: T;
  readonly type: HyperparameterType;
  readonly description?: string;
  /** The value set by the innermost `withHyperparameters` scope that sets it, else the default. Deeply frozen. */
  readonly value: T;
}

/** Values by hyperparameter name, as `withHyperparameters` takes them. */
export type HyperparameterValues = Readonly<Record<string, JsonValue>>;

/** One hyperparameter in a saved file. */
export interface HyperparameterEntry {
  value: JsonValue;
  default: JsonValue;
  type: HyperparameterType;
  description?: string;
}

/** The JSON file format of collected hyperparameters (`HYPERPARAMETERS_FORMAT`, version 1). */
export interface HyperparameterFile {
  format: typeof HYPERPARAMETERS_FORMAT;
  version: 1;
  /** By name, sorted. */
  hyperparameters: { [name: string]: HyperparameterEntry };
}

export const HYPERPARAMETERS_FORMAT = "llm-strategy.hyperparameters";

/** Names of stub doc texts: `prompt:` and the stub's id without its line (`prompt:src/essay.ts Essay.write`). */
const PROMPT_PREFIX = "prompt:";

/** `{{hp:name}}` in a stub's doc text (or any text rendered into its template) is replaced by the value. */
const PLACEHOLDER = /\{\{hp:([^{}\s]+)\}\}/g;
const NAME = /^[A-Za-z_][A-Za-z0-9_.\-]*$/;

interface Declaration {
  name: string;
  default: JsonValue;
  type: HyperparameterType;
  description?: string;
}

const declarations = new Map<string, Declaration>();

/** What a scope carries: the values set (merged over outer scopes) and the collectors listening. */
interface Scope {
  values: HyperparameterValues;
  collectors: readonly HyperparameterCollector[];
}

const scopes = new AsyncLocalStorage<Scope>();
/** Until a scope is first entered, none can be in force: reads skip the context lookup. */
let scopesEverEntered = false;

function currentScope(): Scope | undefined {
  return scopesEverEntered ? scopes.getStore() : undefined;
}

/**
 * Declares a hyperparameter. Declare each once, at module scope:
 * ```ts
 * const words = hyperparameter("essay.words", 300, { description: "Target length of the essay, in words" });
 * words.value; // 300, or the value a `withHyperparameters` scope sets
 * ```
 * Its type is the JSON type of the default; values of another type are rejected.
 * @param name Letters, digits, `_ . -`, starting with a letter or `_`; unique in the process.
 * @param defaultValue Used where no scope sets a value. Not `null`.
 * @param options.description What it changes, for people and optimizers reading the saved JSON.
 */
export function hyperparameter(name: string, defaultValue: number, options?: { description?: string }): Hyperparameter<number>;
export function hyperparameter(name: string, defaultValue: string, options?: { description?: string }): Hyperparameter<string>;
export function hyperparameter(name: string, defaultValue: boolean, options?: { description?: string }): Hyperparameter<boolean>;
export function hyperparameter<T extends JsonValue[] | { [key: string]: JsonValue }>(name: string, defaultValue: T, options?: { description?: string }): Hyperparameter<T>;
export function hyperparameter(name: string, defaultValue: JsonValue, options: { description?: string } = {}): Hyperparameter {
  if (!NAME.test(name)) {
    throw new ConfigurationError(
      `hyperparameter("${name}"): a name is letters, digits, "_", "." and "-", starting with a letter or "_" (e.g. "essay.words").`,
    );
  }
  const type = jsonTypeOf(defaultValue);
  if (type === undefined || type === "null") {
    throw new ConfigurationError(`hyperparameter("${name}"): the default must be a JSON string, number, boolean, array or object (it fixes the type), got ${describe(defaultValue)}.`);
  }
  const frozen = deepFreeze(copyJson(defaultValue));
  const existing = declarations.get(name);
  if (existing) {
    // A module evaluated twice (test runners) declares the same thing again: fine. Two meanings of one name are not.
    if (existing.type !== type || JSON.stringify(existing.default) !== JSON.stringify(frozen)) {
      throw new ConfigurationError(
        `hyperparameter("${name}") is declared twice with different defaults (${JSON.stringify(existing.default)} and ${JSON.stringify(frozen)}). Give each its own name.`,
      );
    }
    return handle(existing);
  }
  const declaration: Declaration = { name, default: frozen, type, ...(options.description !== undefined ? { description: options.description } : {}) };
  declarations.set(name, declaration);
  return handle(declaration);
}

function handle(declaration: Declaration): Hyperparameter {
  return {
    name: declaration.name,
    default: declaration.default,
    type: declaration.type,
    ...(declaration.description !== undefined ? { description: declaration.description } : {}),
    get value() {
      return read(declaration);
    },
  };
}

function read(declaration: Declaration): JsonValue {
  const scope = currentScope();
  let value = declaration.default;
  if (scope) {
    if (Object.prototype.hasOwnProperty.call(scope.values, declaration.name)) value = scope.values[declaration.name]!;
    for (const collector of scope.collectors) collector.note(declaration, value);
  }
  // Prompt doc texts show up in a span only when they differ from the build's (the default is the prompt itself).
  if (!declaration.name.startsWith(PROMPT_PREFIX) || value !== declaration.default) noteHyperparameterRead(declaration.name, value);
  return value;
}

/**
 * The value a `withHyperparameters` scope sets for a hyperparameter, or undefined when none does
 * (then nothing is recorded either). For settings that have their own default elsewhere, like
 * `maxRepairs` (`configure`), so the hyperparameter overrides it only where it is set.
 */
export function scopedValue<T extends JsonValue>(parameter: Hyperparameter<T>): T | undefined {
  const scope = currentScope();
  if (!scope || !Object.prototype.hasOwnProperty.call(scope.values, parameter.name)) return undefined;
  return parameter.value;
}

// ---------------------------------------------------------------------------------------------
// The runtime's own tunables: the repair request's texts and the number of repairs

/** `{{errors}}`: the bulleted list of what was wrong with the reply. */
export const REPAIR_MESSAGE = hyperparameter("llm-strategy.repairMessage", "That reply is not valid:\n{{errors}}\nReply again with the corrected JSON only.", {
  description: "The repair request sent after an invalid reply (with the reply itself). {{errors}} becomes the list of what was wrong.",
});

/** `{{replyLength}}`: the failed reply's length in characters; `{{errors}}` as above. */
export const REPAIR_MESSAGE_OMITTED_REPLY = hyperparameter(
  "llm-strategy.repairMessageOmittedReply",
  "Your reply ({{replyLength}} characters, not repeated here) was not valid:\n{{errors}}\nReply again with the complete corrected JSON only.",
  {
    description:
      "The repair request when the invalid reply is too long to send back. {{replyLength}} becomes its length in characters, {{errors}} the list of what was wrong.",
  },
);

/** Overrides `configure({ maxRepairs })` where a scope sets it; `withCallOptions({ maxRepairs })` still wins. */
export const MAX_REPAIRS = hyperparameter("llm-strategy.maxRepairs", 2, {
  description: "Repair requests after an invalid reply, at most (a whole number >= 0). Where unset, configure({ maxRepairs }) applies.",
});

/**
 * Runs `fn` with hyperparameter values set; calls it makes (also later, through promises and
 * timers) read them. Scopes nest: an inner scope's values win, names it does not set keep the
 * outer values. Concurrent scopes do not see each other's values.
 *
 * Every name must be declared and every value of its declared type, else a `ConfigurationError`
 * (listing every problem) before `fn` runs. Stub doc texts (`prompt:...`) are declared when their
 * stub is first called, so such a name is checked when `fn` settles: one whose stub was never
 * called in the process rejects then.
 * @param values By name, or a saved `HyperparameterFile` (its `value`s are used).
 */
export function withHyperparameters<R>(values: HyperparameterValues | HyperparameterFile, fn: () => R): R {
  const given = parseHyperparameters(values);
  scopesEverEntered = true;
  const outer = scopes.getStore();
  const scope: Scope = { values: Object.freeze({ ...outer?.values, ...given }), collectors: outer?.collectors ?? [] };
  const pendingPrompts = Object.keys(given).filter((name) => !declarations.has(name));
  const result = scopes.run(scope, fn);
  if (pendingPrompts.length === 0) return result;
  const check = () => {
    const unknown = pendingPrompts.filter((name) => !declarations.has(name));
    if (unknown.length) throw unknownPromptsError(unknown);
  };
  if (isThenable(result)) return Promise.resolve(result).then((value) => (check(), value)) as R;
  check();
  return result;
}

/**
 * Checks and copies hyperparameter values: a saved `HyperparameterFile` (its `value`s), its JSON
 * text, or a plain `{ name: value }` object (what an optimizer proposes). Unknown names and values
 * of the wrong type are a `ConfigurationError` listing every problem. `prompt:` names of stubs not
 * called yet pass here; `withHyperparameters` checks them when its function settles.
 */
export function parseHyperparameters(input: string | HyperparameterValues | HyperparameterFile): HyperparameterValues {
  let parsed: unknown = input;
  if (typeof input === "string") {
    try {
      parsed = JSON.parse(input);
    } catch (error) {
      throw new ConfigurationError(`Hyperparameters: not JSON (${errorMessage(error)}).`);
    }
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new ConfigurationError(`Hyperparameters must be an object of values by name, or a saved "${HYPERPARAMETERS_FORMAT}" file; got ${describe(parsed)}.`);
  }
  let values = parsed as Record<string, unknown>;
  if (values.format === HYPERPARAMETERS_FORMAT) {
    if (values.version !== 1) throw new ConfigurationError(`Hyperparameters file version ${String(values.version)} is not supported (this runtime reads version 1).`);
    const entries = (values.hyperparameters ?? {}) as Record<string, { value?: unknown }>;
    values = Object.fromEntries(Object.entries(entries).map(([name, entry]) => [name, entry?.value]));
  }
  const problems: string[] = [];
  const checked: Record<string, JsonValue> = {};
  for (const [name, value] of Object.entries(values)) {
    const declaration = declarations.get(name);
    const type = jsonTypeOf(value);
    if (!declaration) {
      if (!name.startsWith(PROMPT_PREFIX)) {
        problems.push(`"${name}" is not a declared hyperparameter${suggestion(name)}`);
        continue;
      }
      if (type !== "string") problems.push(`"${name}" (a stub's doc text) must be a string, got ${describe(value)}`);
    } else if (type !== declaration.type) {
      problems.push(`"${name}" must be of type ${declaration.type} (its default is ${JSON.stringify(declaration.default)}), got ${describe(value)}`);
    }
    if (type !== undefined) checked[name] = deepFreeze(copyJson(value as JsonValue));
  }
  if (problems.length) {
    const known = [...declarations.keys()].filter((name) => !name.startsWith(PROMPT_PREFIX)).sort();
    throw new ConfigurationError(
      `Hyperparameters rejected:\n${problems.map((problem) => `- ${problem}`).join("\n")}\nDeclared: ${known.length ? known.join(", ") : "(none)"}.`,
    );
  }
  return Object.freeze(checked);
}

/**
 * Collects every hyperparameter read while functions run in it, with its default and the value
 * in force (the seed's empty `Hyperparameters()` scope). Reusable: each `run` adds to it.
 */
export class HyperparameterCollector {
  private readonly seen = new Map<string, { declaration: Declaration; value: JsonValue }>();

  /** Runs `fn` collecting what it reads; nested collectors each collect. */
  run<R>(fn: () => R): R {
    scopesEverEntered = true;
    const outer = scopes.getStore();
    return scopes.run({ values: outer?.values ?? EMPTY, collectors: [...(outer?.collectors ?? []), this] }, fn);
  }

  /** @internal Called on every read in the collector's scopes. */
  note(declaration: Declaration, value: JsonValue): void {
    this.seen.set(declaration.name, { declaration, value });
  }

  /** What was read, as the saved file format (names sorted; `JSON.stringify` it to save). */
  toJSON(): HyperparameterFile {
    return fileOf([...this.seen.values()]);
  }
}

const EMPTY: HyperparameterValues = Object.freeze({});

/**
 * Runs `fn` once and returns its result with every hyperparameter it read: name, default,
 * value in force, type and description. Save it with `JSON.stringify`, edit the values, load it
 * with `withHyperparameters(JSON.parse(text), ...)`.
 */
export async function collectHyperparameters<T>(fn: () => T | Promise<T>): Promise<{ result: T; hyperparameters: HyperparameterFile }> {
  const collector = new HyperparameterCollector();
  const result = await collector.run(fn);
  return { result, hyperparameters: collector.toJSON() };
}

/**
 * Every hyperparameter declared so far (stub doc texts once their stub was called), with the
 * values in force in the current scope: what an optimizer may change.
 */
export function describeHyperparameters(): HyperparameterFile {
  const values = currentScope()?.values ?? EMPTY;
  return fileOf(
    [...declarations.values()].map((declaration) => ({
      declaration,
      value: Object.prototype.hasOwnProperty.call(values, declaration.name) ? values[declaration.name]! : declaration.default,
    })),
  );
}

/** The values set by the enclosing `withHyperparameters` scopes (not defaults). */
export function currentHyperparameters(): HyperparameterValues {
  return currentScope()?.values ?? EMPTY;
}

function fileOf(read: { declaration: Declaration; value: JsonValue }[]): HyperparameterFile {
  const hyperparameters: HyperparameterFile["hyperparameters"] = {};
  for (const { declaration, value } of read.sort((a, b) => (a.declaration.name < b.declaration.name ? -1 : 1))) {
    hyperparameters[declaration.name] = {
      value: copyJson(value),
      default: copyJson(declaration.default),
      type: declaration.type,
      ...(declaration.description !== undefined ? { description: declaration.description } : {}),
    };
  }
  return { format: HYPERPARAMETERS_FORMAT, version: 1, hyperparameters };
}

// ---------------------------------------------------------------------------------------------
// Stub prompts: the doc text and `{{hp:name}}` placeholders

/** Per spec: the placeholder names its texts use (computed once), and the variants built for other values. */
interface SpecHyperparameters {
  placeholders: string[];
  variants: Map<string, CallSpec>;
}

const bySpec = new WeakMap<CallSpec, SpecHyperparameters>();
/** Variants kept per spec (an optimizer tries a few values at a time; each variant compiles nothing, but keeps its rendering cache). */
const MAX_VARIANTS = 32;

/** `prompt:src/essay.ts Essay.write` for `src/essay.ts:12 Essay.write`. */
function promptHyperparameterName(specId: string): string {
  return PROMPT_PREFIX + specIdWithoutLine(specId);
}

/**
 * The spec a stub call renders with: the spec itself when no hyperparameter changes its prompt,
 * else a variant whose template has the doc text in force and the placeholders filled in, and
 * whose `hash` differs (caches and recordings must not mix replies to different prompts).
 * Schemas are the spec's own. Outside any scope, a spec without placeholders costs one lookup.
 */
export function specWithHyperparameters(spec: CallSpec): CallSpec {
  let info = bySpec.get(spec);
  if (!info) {
    const placeholders = new Set<string>();
    // `templateIfSchemaSent` holds a part of `template`'s text, so no placeholders of its own.
    for (const text of [spec.template, spec.outputTypes]) for (const name of placeholderNames(text)) placeholders.add(name);
    info = { placeholders: [...placeholders], variants: new Map() };
    bySpec.set(spec, info);
  }
  const scope = currentScope();
  if (!scope && info.placeholders.length === 0) return spec;

  let doc: string | undefined;
  if (spec.doc !== undefined && spec.template.startsWith(spec.doc)) {
    const value = read(promptDeclaration(spec));
    if (value !== spec.doc) doc = value as string;
  }
  const values: JsonValue[] = info.placeholders.map((name) => {
    const declaration = declarations.get(name);
    if (!declaration) {
      throw new ConfigurationError(
        `${spec.id}: its prompt uses {{hp:${name}}}, but no hyperparameter "${name}" is declared. ` +
          `Declare it at module scope with hyperparameter("${name}", defaultValue) (in a module loaded before the stub is called), or fix the name.`,
        { stub: spec.id },
      );
    }
    return read(declaration);
  });
  if (doc === undefined && info.placeholders.length === 0) return spec;

  const key = JSON.stringify([doc ?? null, values]);
  let variant = info.variants.get(key);
  if (!variant) {
    const byName = new Map(info.placeholders.map((name, index) => [name, values[index]!]));
    const withDoc = (text: string) => (doc === undefined || !text.startsWith(spec.doc!) ? text : neutralisePlaceholders(doc) + text.slice(spec.doc!.length));
    variant = {
      ...fillSpecPlaceholders(spec, byName, withDoc),
      ...(doc !== undefined ? { doc: neutralisePlaceholders(doc) } : {}),
      hash: shortHash(`${spec.hash}\n${key}`),
    };
    if (info.variants.size >= MAX_VARIANTS) info.variants.delete(info.variants.keys().next().value!);
    info.variants.set(key, variant);
  }
  return variant;
}

/** The names of the `{{hp:name}}` placeholders in a text, in order (repeats included). */
export function placeholderNames(text: string): string[] {
  return [...text.matchAll(PLACEHOLDER)].map((match) => match[1]!);
}

/**
 * A spec's prompt texts (template, output types, the template of requests that send the schema)
 * with their `{{hp:name}}` placeholders filled from `values`, as a call renders them; `withDoc`
 * first swaps in a tuned doc text. The build's manifest and `llm-strategy prompts` fill in the
 * defaults the same way.
 */
export function fillSpecPlaceholders<S extends Pick<CallSpec, "template" | "outputTypes" | "templateIfSchemaSent">>(
  spec: S,
  values: ReadonlyMap<string, JsonValue>,
  withDoc: (text: string) => string = (text) => text,
): S {
  const fill = (text: string) => fillPlaceholders(withDoc(text), values);
  const schemaSent = templateIfSchemaSent(spec);
  return {
    ...spec,
    template: fill(spec.template),
    ...(schemaSent !== undefined ? { templateIfSchemaSent: { shared: 0, rest: fill(schemaSent) } } : {}),
    outputTypes: fillPlaceholders(spec.outputTypes, values),
  };
}

/**
 * `{{hp:name}}` placeholders replaced by the values given, as a call renders them: strings as
 * they are, anything else as compact JSON. Placeholders of other names stay as they are.
 */
export function fillPlaceholders(text: string, values: ReadonlyMap<string, JsonValue>): string {
  return text.replace(PLACEHOLDER, (whole, name: string) => (values.has(name) ? neutralisePlaceholders(formatValue(values.get(name)!)) : whole));
}

function promptDeclaration(spec: CallSpec): Declaration {
  const name = promptHyperparameterName(spec.id);
  let declaration = declarations.get(name);
  if (!declaration) {
    declaration = { name, default: spec.doc!, type: "string", description: `The doc text (prompt) of the stub ${qualifiedNameOfSpecId(spec.id)}.` };
    declarations.set(name, declaration);
  }
  return declaration;
}

/** Values go into prompts as text: strings as they are, anything else as compact JSON. */
export function formatValue(value: JsonValue): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

// ---------------------------------------------------------------------------------------------
// Helpers

function jsonTypeOf(value: unknown): HyperparameterType | "null" | undefined {
  if (value === null) return "null";
  if (Array.isArray(value)) return isJson(value) ? "array" : undefined;
  switch (typeof value) {
    case "string":
    case "boolean":
      return typeof value as "string" | "boolean";
    case "number":
      return Number.isFinite(value) ? "number" : undefined;
    case "object":
      return isJson(value) ? "object" : undefined;
    default:
      return undefined;
  }
}

function isJson(value: unknown, depth = 0): boolean {
  if (depth > 100) return false;
  if (value === null || typeof value === "string" || typeof value === "boolean") return true;
  if (typeof value === "number") return Number.isFinite(value);
  if (Array.isArray(value)) return value.every((item) => isJson(item, depth + 1));
  return isPlainRecord(value) && Object.values(value).every((item) => isJson(item, depth + 1));
}

function copyJson<T extends JsonValue>(value: T): T {
  return typeof value === "object" && value !== null ? (JSON.parse(JSON.stringify(value)) as T) : value;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

function describe(value: unknown): string {
  if (value === undefined) return "undefined";
  const type = Array.isArray(value) ? "array" : value === null ? "null" : typeof value;
  const text = typeof value === "function" ? "a function" : JSON.stringify(value) ?? String(value);
  return `${type} ${text.length > 60 ? text.slice(0, 57) + "..." : text}`;
}

function suggestion(name: string): string {
  const close = [...declarations.keys()].filter((known) => !known.startsWith(PROMPT_PREFIX) && distance(known, name) <= 2);
  return close.length ? ` (did you mean "${close[0]}"?)` : "";
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}

function unknownPromptsError(names: string[]): ConfigurationError {
  const known = [...declarations.keys()].filter((name) => name.startsWith(PROMPT_PREFIX)).sort();
  return new ConfigurationError(
    `Hyperparameters named no stub that ran: ${names.map((name) => `"${name}"`).join(", ")}. A stub's doc text is named ` +
      `"prompt:<file> <Name>" (its spec id without the line number); a stub renamed or moved to another file has a new name. ` +
      `Stubs called so far: ${known.length ? known.join(", ") : "(none)"}.`,
  );
}
