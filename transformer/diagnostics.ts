/**
 * Every diagnostic the transformer reports, in one table. TypeScript prints a numeric code
 * as `TS<code>`, so each `LLM1xxx` code maps to the TypeScript code 9xxxx (`LLM1001` ->
 * `TS91001`) and every message starts with its own `LLM1xxx:` prefix.
 *
 * Messages say what is wrong and how to fix it; the location comes from the node the
 * diagnostic is attached to. Editors never show plugin diagnostics (they exist only at
 * emit time), so the text must stand on its own in a terminal.
 */
export const Diagnostics = {
  StubMustReturnPromise: { code: 1001, category: "error" },
  TypeNotJson: { code: 1002, category: "error" },
  StubOutsideStubBody: { code: 1003, category: "error" },
  JsDocParsingOff: { code: 1004, category: "error" },
  ParameterNeedsName: { code: 1005, category: "error" },
  ClassNotReachable: { code: 1006, category: "error" },
  ImplementNeedsInterface: { code: 1007, category: "error" },
  ModelParameterNotFirst: { code: 1008, category: "error" },
  StubWithoutDeclaredReturnType: { code: 1009, category: "error" },
  MissingJsDoc: { code: 1101, category: "warning" },
  LooseType: { code: 1102, category: "warning" },
} as const;

export type DiagnosticKind = keyof typeof Diagnostics;

/** TypeScript's numeric code for one of ours: LLM1001 -> 91001. */
export function typeScriptCode(kind: DiagnosticKind): number {
  return 90000 + Diagnostics[kind].code;
}

/** `LLM1001: <message>` */
export function formatMessage(kind: DiagnosticKind, message: string): string {
  return `LLM${Diagnostics[kind].code}: ${message}`;
}
