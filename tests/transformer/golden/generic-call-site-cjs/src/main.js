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
    version: 1,
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
    hash: "6d1cd1fc25cc2321"
};
const contactOf = (email) => __llmStrategy.callSpecialized(__llmStrategySpec_extract, void 0, extract_1.extract, [email]);
exports.contactOf = contactOf;
