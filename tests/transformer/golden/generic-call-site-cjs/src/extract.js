"use strict";
var __createBinding = (this && this.__createBinding) || (Object.create ? (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    var desc = Object.getOwnPropertyDescriptor(m, k);
    if (!desc || ("get" in desc ? !m.__esModule : desc.writable || desc.configurable)) {
      desc = { enumerable: true, get: function() { return m[k]; } };
    }
    Object.defineProperty(o, k2, desc);
}) : (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    o[k2] = m[k];
}));
var __setModuleDefault = (this && this.__setModuleDefault) || (Object.create ? (function(o, v) {
    Object.defineProperty(o, "default", { enumerable: true, value: v });
}) : function(o, v) {
    o["default"] = v;
});
var __importStar = (this && this.__importStar) || (function () {
    var ownKeys = function(o) {
        ownKeys = Object.getOwnPropertyNames || function (o) {
            var ar = [];
            for (var k in o) if (Object.prototype.hasOwnProperty.call(o, k)) ar[ar.length] = k;
            return ar;
        };
        return ownKeys(o);
    };
    return function (mod) {
        if (mod && mod.__esModule) return mod;
        var result = {};
        if (mod != null) for (var k = ownKeys(mod), i = 0; i < k.length; i++) if (k[i] !== "default") __createBinding(result, mod, k[i]);
        __setModuleDefault(result, mod);
        return result;
    };
})();
Object.defineProperty(exports, "__esModule", { value: true });
exports.extract = extract;
const llm_strategy_1 = require("llm-strategy");
const __llmStrategy = __importStar(require("llm-strategy"));
const __llmStrategySpec_extract = {
    version: 1,
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
    hash: "998d03ae8265ab48"
};
/**
 * Extract the details the return type describes from an email.
 * @param email The email, headers and body
 */
function extract(email) { return __llmStrategy.invoke(__llmStrategySpec_extract, void 0, [email]); }
