"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.extract = extract;
const llm_strategy_1 = require("llm-strategy");
const __llmStrategy = require("llm-strategy");
const __llmStrategySpec_extract = {
    version: 2,
    id: "src/extract.ts:7 extract",
    kind: "function",
    typeArguments: "constraints",
    template: `Extract the details the return type describes from an email.

function extract(
  /** The email, headers and body */
  email: string,
): any

Input: {{input}}
Reply with JSON of type { value: any }`,
    doc: "Extract the details the return type describes from an email.",
    templateIfSchemaSent: {
        shared: 60,
        rest: `

function extract(
  /** The email, headers and body */
  email: string,
)

Input: {{input}}`
    },
    outputTypes: "",
    params: [{ name: "email", role: "input" }],
    input: {
        type: "object",
        properties: { email: { description: "The email, headers and body", type: "string" } },
        required: ["email"],
        additionalProperties: false
    },
    output: {},
    wrapper: "value",
    definitions: {},
    hash: "db01d135fa297a0f"
};
/**
 * Extract the details the return type describes from an email.
 * @param email The email, headers and body
 */
function extract(email) { return __llmStrategy.invoke(__llmStrategySpec_extract, void 0, [email]); }
