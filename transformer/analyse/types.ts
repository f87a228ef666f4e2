/**
 * The seam between "find"/"emit" and "analyse": analysis turns a stub's signature and
 * JSDoc into plain data (or the full list of problems); emit turns that data into AST.
 * Nothing here builds AST nodes, and emit never asks the checker.
 */
import type * as ts from "typescript";
import type { CallSpec, JsonSchema } from "../../runtime/spec";
import type { DiagnosticKind, MessageArgs } from "../diagnostics";
import type { HiddenReason } from "./classify";

/** One thing wrong with a declaration; becomes a diagnostic on `node` with the table's text for `kind`. */
export type Problem = {
  [K in DiagnosticKind]: {
    kind: K;
    args: MessageArgs<K>;
    /** Where the diagnostic points (file:line:col of this node). */
    node: ts.Node;
    /** Further places worth showing, e.g. the property declaration a bad path ends at. */
    related?: { node: ts.Node; message: string }[];
  };
}[DiagnosticKind];

/** Errors fail the declaration; warnings (only produced when `AnalyserOptions.warnings` is on) do not. */
export type Result<T> = { ok: true; value: T; warnings: Problem[] } | { ok: false; problems: Problem[] };

/** A class the output revives. Emit turns it into a thunk `() => Name`, importing it when it is declared in another file. */
export interface ClassReference {
  declaration: ts.ClassDeclaration;
}

/** What find tells analysis about one stub. */
export interface StubSite {
  /** The declaration carrying the signature and JSDoc (for `implement<I>()`: the interface member). */
  declaration: ts.SignatureDeclaration;
  kind: CallSpec["kind"];
  /** `Customer.age`, `createCustomers`, `Search.find` */
  qualifiedName: string;
  /** `src/customer.ts:12 Customer.age` */
  id: string;
  /** The class whose data fields are sent as `this` (instance methods and getters only). */
  receiverClass?: ts.ClassLikeDeclaration;
}

/**
 * A spec ready to emit. `definitions` holds names into `Analyser.definitions`, so emit can
 * write each named type once per file and reference it from every spec that needs it.
 */
export type AnalysedSpec = Omit<CallSpec<ClassReference, string>, "version" | "definitions"> & {
  definitionNames: string[];
  /** For the manifest only (not emitted): the fields of the spec's named types the model never sees. */
  hiddenFields?: HiddenFields;
};

/**
 * Fields left out of the schemas, the prompt and the input sent, by definition name then field
 * name, with the reason: `{ Account: { pin: "private", "#token": "#private", note: "@llmHidden" } }`.
 */
export type HiddenFields = { [definition: string]: { [field: string]: HiddenReason } };

/**
 * One analyser per emitted source file: definition names are unique within the file and
 * depend only on what that file's stubs use, so editing one file never renames (and so
 * never re-hashes) the specs of another.
 */
export interface Analyser {
  /** The spec at the declaration. Type parameters fall back to their constraints (or any JSON). */
  analyseDeclaration(site: StubSite): Result<AnalysedSpec>;
  /** The spec of a generic stub at one call site, from the resolved (instantiated) signature. */
  analyseCall(site: StubSite, signature: ts.Signature, call: ts.CallExpression): Result<AnalysedSpec>;
  /**
   * The spec of a generic stub called inside a generic helper, with the helper's type parameters
   * replaced by one caller's type arguments (find instantiates the types; the checker cannot
   * resolve that call again with other types).
   */
  analyseInstantiated(site: StubSite, instantiation: Instantiation, call: ts.CallExpression): Result<AnalysedSpec>;
  /** Every named schema this file's specs refer to, by name. Deterministic for the same source. */
  readonly definitions: ReadonlyMap<string, JsonSchema>;
}

export interface AnalyserOptions {
  /** The TypeScript instance the compiler runs on (ts-patch passes it); never a second copy. */
  ts: typeof ts;
  /** The one Program the compiler built. */
  program: ts.Program;
  /** Ids and manifest paths are relative to this folder (the tsconfig's). */
  projectDir: string;
  /** Produce `MissingJsDoc` and `LooseType` warnings. Off by default: any plugin diagnostic fails `tspc`. */
  warnings: boolean;
}

/** A stub's signature with concrete types, for `Analyser.analyseInstantiated`. */
export interface Instantiation {
  parameters: { symbol: ts.Symbol; type: ts.Type }[];
  returnType: ts.Type;
  /** The receiver's type, for instance methods and getters of a generic class. */
  receiverType?: ts.Type;
  /** The stub's type arguments as they read in this instantiation: `<EssayParams, string>`. */
  typeArguments: string;
}

/** Implemented by `transformer/analyse/index.ts` as `export const createAnalyser: CreateAnalyser`. */
export type CreateAnalyser = (options: AnalyserOptions) => Analyser;
