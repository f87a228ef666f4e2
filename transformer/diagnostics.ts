/**
 * Every diagnostic the transformer reports, code and message text, in one table.
 * TypeScript prints a numeric code as `TS<code>`, so `LLM1001` is reported as code 91001
 * (`TS91001`) and every message starts with its own `LLM1001: ` prefix.
 *
 * Plugin diagnostics exist only at emit time (editors never show them), so each message
 * must stand on its own in a terminal: what is wrong, and how to fix it. Where it is comes
 * from the node the diagnostic is attached to.
 */
export const Diagnostics = {
  StubMustReturnPromise: {
    code: 1001,
    category: "error",
    message: (a: { stub: string; returnType: string }) =>
      `${a.stub} is a stub but returns \`${a.returnType}\`; a model call is asynchronous, so declare the return type as \`Promise<${a.returnType}>\`.`,
  },
  TypeNotJson: {
    code: 1002,
    category: "error",
    message: (a: { stub: string; path: string; type: string; reason: string }) =>
      `${a.stub}: \`${a.path}\` has type \`${a.type}\`, which JSON cannot carry (${a.reason}). ` +
      `Use a plain data type (string, number, boolean, arrays, objects, Date, classes with data fields) or remove it.`,
  },
  StubOutsideStubBody: {
    code: 1003,
    category: "error",
    message: () =>
      "`stub()` must be the whole body of a method, getter, function or arrow: `{ return stub(); }` or `=> stub()`. " +
      "Move the other statements out of the stub.",
  },
  ParameterNeedsName: {
    code: 1005,
    category: "error",
    message: (a: { stub: string }) =>
      `${a.stub}: a stub's parameters are sent to the model by name, so each needs a plain name, not a destructuring pattern.`,
  },
  ClassNotReachable: {
    code: 1006,
    category: "error",
    message: (a: { stub: string; className: string; reason: string }) =>
      `${a.stub} returns instances of class \`${a.className}\`, but the compiled code cannot refer to it (${a.reason}). ` +
      `Export the class from a module-scope declaration, or use an interface if you do not need its methods.`,
  },
  ImplementNeedsInterface: {
    code: 1007,
    category: "error",
    message: (a: { got: string }) =>
      `\`implement<I>()\` needs an interface type argument whose members are methods returning Promises; got \`${a.got}\`.`,
  },
  ModelParameterNotFirst: {
    code: 1008,
    category: "error",
    message: (a: { stub: string; parameter: string }) =>
      `${a.stub}: parameter \`${a.parameter}\` is a LanguageModel but not the first parameter; an explicit model must come first.`,
  },
  StubWithoutDeclaredReturnType: {
    code: 1009,
    category: "error",
    message: (a: { stub: string }) =>
      `${a.stub} has no declared return type; write it out (\`: Promise<T>\`) so the schema of the reply is explicit.`,
  },
  UnresolvedTypeArguments: {
    code: 1010,
    category: "error",
    message: (a: { callee: string; reason: string; tag: string }) =>
      `${a.callee} is generic and sends schemas of its type parameters, but ${a.reason}: at run time its schemas would use the ` +
      `type parameters' constraints (any JSON for unconstrained ones) instead of the caller's types. Call it directly where its ` +
      `type arguments are known. To accept the constraints, declare its type parameters \`extends unknown\` or tag it \`@${a.tag}\`.`,
  },
  UndeclaredHyperparameter: {
    code: 1011,
    category: "error",
    message: (a: { stub: string; names: string[] }) =>
      `${a.stub}: its prompt uses ${a.names.map((name) => `{{hp:${name}}}`).join(", ")}, but no \`hyperparameter(...)\` call in the program ` +
      `declares ${a.names.length === 1 ? "that name" : "those names"}, so every call would fail. Declare it at module scope with ` +
      `\`hyperparameter("${a.names[0]}", defaultValue)\`, or fix the name.`,
  },
  BuildToolsMissing: {
    code: 1012,
    category: "error",
    // The reason (engine.ts's assertBuildTools) names the package and the install command.
    message: (a: { reason: string }) => a.reason,
  },
  CheckSyntax: {
    code: 1013,
    category: "error",
    message: (a: { stub: string; expression: string; reason: string }) =>
      `${a.stub}: \`@check ${a.expression}\` is not one TypeScript expression (${a.reason}). ` +
      `Write \`@check <expression> -- <message>\`, the expression a single boolean expression over \`value\`, the stub's parameters and \`this\`'s data fields.`,
  },
  CheckTypeError: {
    code: 1014,
    category: "error",
    message: (a: { stub: string; expression: string; error: string }) =>
      `${a.stub}: \`@check ${a.expression}\` does not type-check: ${a.error} ` +
      `A check sees \`value\` (the stub's awaited return type), the stub's parameters by name and \`this\`'s data fields.`,
  },
  CheckNotBoolean: {
    code: 1015,
    category: "error",
    message: (a: { stub: string; expression: string; type: string }) =>
      `${a.stub}: \`@check ${a.expression}\` has type \`${a.type}\`, not boolean. Say what must hold as a comparison or test (\`value.length > 0\`, \`value !== ""\`).`,
  },
  CheckCannotSee: {
    code: 1016,
    category: "error",
    message: (a: { stub: string; expression: string; name: string; reason: string }) =>
      `${a.stub}: \`@check ${a.expression}\` uses \`${a.name}\`, which a check cannot see at run time (${a.reason}). A check is compiled into a ` +
      `function beside the stub's spec and sees only \`value\`, the stub's parameters sent to the model, the data fields of \`this\` sent to the model, ` +
      `names it declares itself and global built-ins (Math, Date, JSON, ...). Write the value into the check, or check in code: withCallOptions({ check }).`,
  },
  MisplacedKeywordTag: {
    code: 1017,
    category: "error",
    message: (a: { stub: string; tag: string; problem: string }) =>
      `${a.stub}: \`${a.tag}\` ${a.problem}, so it would constrain nothing. A keyword tag constrains the \`@param\` line it follows; ` +
      `one before any \`@param\`, or after \`@returns\`, constrains the result. Move it under the parameter or result it is meant for, or remove it.`,
  },
  DetachedDocComment: {
    code: 1018,
    category: "error",
    message: (a: { stub: string; line: number; comment: string }) =>
      `${a.stub}: the doc comment \`${a.comment}\` on line ${a.line} shares its line with the code before it, so TypeScript does not ` +
      `attach it to ${a.stub} and the model would never read it. Put the comment on a line of its own, directly above the declaration.`,
  },
  MissingJsDoc: {
    code: 1101,
    category: "warning",
    message: (a: { stub: string }) =>
      `${a.stub} has no JSDoc: the model sees only its name and types. Describe what it should return in a /** comment */.`,
  },
  LooseType: {
    code: 1102,
    category: "warning",
    message: (a: { stub: string; path: string; type: string }) =>
      `${a.stub}: \`${a.path}\` is \`${a.type}\`, so the schema accepts any JSON there and the model gets no guidance. Give it a concrete type.`,
  },
} as const;

export type DiagnosticKind = keyof typeof Diagnostics;

/** The arguments of one kind's message. */
export type MessageArgs<K extends DiagnosticKind> = Parameters<(typeof Diagnostics)[K]["message"]>[0];

/** TypeScript's numeric code for one of ours: LLM1001 -> 91001. */
export function typeScriptCode(kind: DiagnosticKind): number {
  return 90000 + Diagnostics[kind].code;
}

/** `LLM1001: <message>` */
export function formatMessage<K extends DiagnosticKind>(kind: K, args: MessageArgs<K>): string {
  const message = Diagnostics[kind].message as (a: MessageArgs<K>) => string;
  return `LLM${Diagnostics[kind].code}: ${message(args)}`;
}
