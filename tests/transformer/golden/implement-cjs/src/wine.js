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
exports.expert = void 0;
const llm_strategy_1 = require("llm-strategy");
const __llmStrategy = __importStar(require("llm-strategy"));
const __llmStrategySpec_WineExpert_pairWine = {
    version: 1,
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
    hash: "4ddaa3a89e987999"
};
const __llmStrategySpec_WineExpert_grapes = {
    version: 1,
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
    hash: "b5b45bfcfe615fc3"
};
const __llmStrategyInterface_WineExpert = {
    version: 1,
    id: "src/wine.ts:14 implement<WineExpert>",
    name: "WineExpert",
    methods: { pairWine: __llmStrategySpec_WineExpert_pairWine, grapes: __llmStrategySpec_WineExpert_grapes }
};
exports.expert = __llmStrategy.implementInterface(__llmStrategyInterface_WineExpert);
