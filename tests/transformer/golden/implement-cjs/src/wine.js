"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.expert = void 0;
const llm_strategy_1 = require("llm-strategy");
const __llmStrategy = require("llm-strategy");
const __llmStrategySpec_WineExpert_pairWine = {
    version: 2,
    id: "src/wine.ts:9 WineExpert.pairWine",
    kind: "function",
    template: `A wine that goes with the dish.

/** A sommelier at a French restaurant. */
interface WineExpert {
  pairWine(
    /** As the menu names it */
    dish: string,
  ): string
}

Input: {{input}}
Reply with JSON of type { value: string }`,
    doc: "A wine that goes with the dish.",
    templateIfSchemaSent: {
        shared: 31,
        rest: `

/** A sommelier at a French restaurant. */
interface WineExpert {
  pairWine(
    /** As the menu names it */
    dish: string,
  )
}

Input: {{input}}`
    },
    outputTypes: "",
    params: [{ name: "dish", role: "input" }],
    input: {
        type: "object",
        properties: { dish: { description: "As the menu names it", type: "string" } },
        required: ["dish"],
        additionalProperties: false
    },
    output: { type: "string" },
    wrapper: "value",
    definitions: {},
    hash: "a25d72adb48299dd"
};
const __llmStrategySpec_WineExpert_grapes = {
    version: 2,
    id: "src/wine.ts:11 WineExpert.grapes",
    kind: "function",
    template: `Grapes of a wine, most important first.

/** A sommelier at a French restaurant. */
interface WineExpert {
  grapes(wine: string): string[]
}

Input: {{input}}
Reply with JSON of type { value: string[] }`,
    doc: "Grapes of a wine, most important first.",
    templateIfSchemaSent: {
        shared: 39,
        rest: `

/** A sommelier at a French restaurant. */
interface WineExpert {
  grapes(wine: string)
}

Input: {{input}}`
    },
    outputTypes: "",
    params: [{ name: "wine", role: "input" }],
    input: {
        type: "object",
        properties: { wine: { type: "string" } },
        required: ["wine"],
        additionalProperties: false
    },
    output: { type: "array", items: { type: "string" } },
    wrapper: "value",
    definitions: {},
    hash: "202e5c89d6a2347a"
};
const __llmStrategyInterface_WineExpert = {
    version: 2,
    id: "src/wine.ts:14 implement<WineExpert>",
    name: "WineExpert",
    methods: { pairWine: __llmStrategySpec_WineExpert_pairWine, grapes: __llmStrategySpec_WineExpert_grapes }
};
exports.expert = __llmStrategy.implementInterface(__llmStrategyInterface_WineExpert);
