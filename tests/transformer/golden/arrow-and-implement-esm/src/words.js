import { implement, stub } from "llm-strategy";
import * as __llmStrategy from "llm-strategy";
const __llmStrategySpec_translate = {
    version: 2,
    id: "src/words.ts:4 translate",
    kind: "function",
    template: `Translate the text into the language.

function translate(text: string, language: string): string

Input: {{input}}
Reply with JSON of type { value: string }`,
    doc: "Translate the text into the language.",
    templateIfSchemaSent: { shared: 37, rest: `

Input: {{input}}` },
    outputTypes: "",
    params: [{ name: "text", role: "input" }, { name: "language", role: "input" }],
    input: {
        type: "object",
        properties: { text: { type: "string" }, language: { type: "string" } },
        required: ["text", "language"],
        additionalProperties: false
    },
    output: { type: "string" },
    wrapper: "value",
    definitions: {},
    hash: "7e2b8d167c66c373"
};
const __llmStrategySpec_Poet_haiku = {
    version: 2,
    id: "src/words.ts:9 Poet.haiku",
    kind: "function",
    template: `A haiku about the topic.

/** A poet who writes in English. */
interface Poet {
  haiku(topic: string): string
}

Input: {{input}}
Reply with JSON of type { value: string }`,
    doc: "A haiku about the topic.",
    templateIfSchemaSent: {
        shared: 24,
        rest: `

/** A poet who writes in English. */
interface Poet {
  haiku(topic: string)
}

Input: {{input}}`
    },
    outputTypes: "",
    params: [{ name: "topic", role: "input" }],
    input: {
        type: "object",
        properties: { topic: { type: "string" } },
        required: ["topic"],
        additionalProperties: false
    },
    output: { type: "string" },
    wrapper: "value",
    definitions: {},
    hash: "e8a8b4e1cb43a223"
};
const __llmStrategyInterface_Poet = {
    version: 2,
    id: "src/words.ts:12 implement<Poet>",
    name: "Poet",
    methods: { haiku: __llmStrategySpec_Poet_haiku }
};
/** Translate the text into the language. */
export const translate = (text, language) => __llmStrategy.invoke(__llmStrategySpec_translate, void 0, [text, language]);
export const poet = __llmStrategy.implementInterface(__llmStrategyInterface_Poet);
