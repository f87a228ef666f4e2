"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.contactOf = void 0;
const extract_1 = require("./extract");
const __llmStrategy = require("llm-strategy");
const __llmStrategyDef_Contact = {
    description: "Someone to get back to.",
    type: "object",
    properties: { name: { type: "string" }, phone: { type: "string" } },
    required: ["name"],
    additionalProperties: false
};
const __llmStrategySpec_extract = {
    version: 2,
    id: "src/extract.ts:7 extract",
    kind: "function",
    typeArguments: "<Contact>",
    template: `Extract the details the return type describes from an email.

{{outputTypes}}
function extract(
  /** The email, headers and body */
  email: string,
): Contact

Input: {{input}}
Reply with JSON of type Contact`,
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
    outputTypes: `/** Someone to get back to. */
interface Contact {
  name: string;
  phone?: string;
}
`,
    params: [{ name: "email", role: "input" }],
    input: {
        type: "object",
        properties: { email: { description: "The email, headers and body", type: "string" } },
        required: ["email"],
        additionalProperties: false
    },
    output: { $ref: "#/definitions/Contact" },
    definitions: { Contact: __llmStrategyDef_Contact },
    hash: "eeda9b630a6c9cc1"
};
const contactOf = (email) => __llmStrategy.callSpecialized(__llmStrategySpec_extract, void 0, extract_1.extract, [email]);
exports.contactOf = contactOf;
