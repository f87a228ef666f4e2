"use strict";
var __esDecorate = (this && this.__esDecorate) || function (ctor, descriptorIn, decorators, contextIn, initializers, extraInitializers) {
    function accept(f) { if (f !== void 0 && typeof f !== "function") throw new TypeError("Function expected"); return f; }
    var kind = contextIn.kind, key = kind === "getter" ? "get" : kind === "setter" ? "set" : "value";
    var target = !descriptorIn && ctor ? contextIn["static"] ? ctor : ctor.prototype : null;
    var descriptor = descriptorIn || (target ? Object.getOwnPropertyDescriptor(target, contextIn.name) : {});
    var _, done = false;
    for (var i = decorators.length - 1; i >= 0; i--) {
        var context = {};
        for (var p in contextIn) context[p] = p === "access" ? {} : contextIn[p];
        for (var p in contextIn.access) context.access[p] = contextIn.access[p];
        context.addInitializer = function (f) { if (done) throw new TypeError("Cannot add initializers after decoration has completed"); extraInitializers.push(accept(f || null)); };
        var result = (0, decorators[i])(kind === "accessor" ? { get: descriptor.get, set: descriptor.set } : descriptor[key], context);
        if (kind === "accessor") {
            if (result === void 0) continue;
            if (result === null || typeof result !== "object") throw new TypeError("Object expected");
            if (_ = accept(result.get)) descriptor.get = _;
            if (_ = accept(result.set)) descriptor.set = _;
            if (_ = accept(result.init)) initializers.unshift(_);
        }
        else if (_ = accept(result)) {
            if (kind === "field") initializers.unshift(_);
            else descriptor[key] = _;
        }
    }
    if (target) Object.defineProperty(target, contextIn.name, descriptor);
    done = true;
};
var __runInitializers = (this && this.__runInitializers) || function (thisArg, initializers, value) {
    var useValue = arguments.length > 2;
    for (var i = 0; i < initializers.length; i++) {
        value = useValue ? initializers[i].call(thisArg, value) : initializers[i].call(thisArg);
    }
    return useValue ? value : void 0;
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.VipCustomer = exports.Customer = void 0;
const llm_strategy_1 = require("llm-strategy");
const __llmStrategy = require("llm-strategy");
const __llmStrategyDef_Customer = {
    description: "A customer of ours.",
    type: "object",
    properties: {
        firstName: { type: "string" },
        birthdate: { description: "Date of birth, ISO 8601 (YYYY-MM-DD).", type: "string" }
    },
    required: ["firstName", "birthdate"],
    additionalProperties: false
};
const __llmStrategyDef_VipCustomer = {
    description: "A customer who spends more.",
    type: "object",
    properties: {
        favourites: { description: "Their favourite products.", minItems: 1, type: "array", items: { type: "string" } },
        firstName: { type: "string" },
        birthdate: { description: "Date of birth, ISO 8601 (YYYY-MM-DD).", type: "string" }
    },
    required: ["favourites", "firstName", "birthdate"],
    additionalProperties: false
};
const __llmStrategySpec_Customer_age = {
    version: 2,
    id: "src/customer.ts:12 Customer.age",
    kind: "getter",
    template: `The customer's age in 2022, from \`birthdate\`.

/** A customer of ours. */
interface Customer {
  firstName: string;
  /** Date of birth, ISO 8601 (YYYY-MM-DD). */
  birthdate: string;
}

get age(this: Customer): number

Input: {{input}}
Reply with JSON of type { value: number }`,
    doc: "The customer's age in 2022, from `birthdate`.",
    templateIfSchemaSent: { shared: 185, rest: `

Input: {{input}}` },
    outputTypes: "",
    params: [],
    thisFields: ["firstName", "birthdate"],
    input: {
        type: "object",
        properties: { this: { $ref: "#/definitions/Customer" } },
        required: ["this"],
        additionalProperties: false
    },
    output: { type: "number" },
    wrapper: "value",
    definitions: { Customer: __llmStrategyDef_Customer },
    hash: "4f9f338a88aeeaf4"
};
const __llmStrategySpec_Customer_createMockCustomers = {
    version: 2,
    id: "src/customer.ts:15 Customer.createMockCustomers",
    kind: "static",
    template: `Create mock customers with believable data.

{{outputTypes}}
static createMockCustomers(count?: number): Customer[]

Input: {{input}}
Reply with JSON of type { value: Customer[] }`,
    doc: "Create mock customers with believable data.",
    templateIfSchemaSent: { shared: 43, rest: `

Input: {{input}}` },
    outputTypes: `/** A customer of ours. */
interface Customer {
  firstName: string;
  /** Date of birth, ISO 8601 (YYYY-MM-DD). */
  birthdate: string;
}
`,
    params: [{ name: "count", role: "input" }],
    input: { type: "object", properties: { count: { type: "number" } }, additionalProperties: false },
    output: { type: "array", items: { $ref: "#/definitions/Customer" } },
    wrapper: "value",
    definitions: { Customer: __llmStrategyDef_Customer },
    revive: { value: { kind: "array", items: { kind: "class", class: () => Customer } } },
    hash: "8ae662f3fa48fe7e"
};
const __llmStrategySpec_VipCustomer_suggestGift = {
    version: 2,
    id: "src/customer.ts:28 VipCustomer.suggestGift",
    kind: "method",
    template: `A gift that suits the customer.

/** A customer who spends more. */
interface VipCustomer {
  /** Their favourite products. @minItems 1 */
  favourites: string[];
  firstName: string;
  /** Date of birth, ISO 8601 (YYYY-MM-DD). */
  birthdate: string;
}

suggestGift(
  this: VipCustomer,
  /** In euros @minimum 1 */
  budget: number,
): string

Input: {{input}}
Reply with JSON of type { value: string }`,
    doc: "A gift that suits the customer.",
    templateIfSchemaSent: {
        shared: 253,
        rest: `

suggestGift(
  this: VipCustomer,
  /** In euros @minimum 1 */
  budget: number,
)

Input: {{input}}`
    },
    outputTypes: "",
    params: [{ name: "budget", role: "input" }],
    thisFields: ["favourites", "firstName", "birthdate"],
    input: {
        type: "object",
        properties: {
            this: { $ref: "#/definitions/VipCustomer" },
            budget: { description: "In euros", type: "number", minimum: 1 }
        },
        required: ["this", "budget"],
        additionalProperties: false
    },
    output: { type: "string" },
    wrapper: "value",
    definitions: { VipCustomer: __llmStrategyDef_VipCustomer },
    hash: "ae5800f15d64f3e5"
};
/** A customer of ours. */
let Customer = (() => {
    let _classDecorators = [(0, llm_strategy_1.llmStrategy)((0, llm_strategy_1.scriptedModel)([]))];
    let _classDescriptor;
    let _classExtraInitializers = [];
    let _classThis;
    var Customer = class {
        static { _classThis = this; }
        static {
            const _metadata = typeof Symbol === "function" && Symbol.metadata ? Object.create(null) : void 0;
            __esDecorate(null, _classDescriptor = { value: _classThis }, _classDecorators, { kind: "class", name: _classThis.name, metadata: _metadata }, null, _classExtraInitializers);
            Customer = _classThis = _classDescriptor.value;
            if (_metadata) Object.defineProperty(_classThis, Symbol.metadata, { enumerable: true, configurable: true, writable: true, value: _metadata });
            __runInitializers(_classThis, _classExtraInitializers);
        }
        firstName = "";
        /** Date of birth, ISO 8601 (YYYY-MM-DD). */
        birthdate = "";
        pin = "";
        /** The customer's age in 2022, from `birthdate`. */
        get age() { return __llmStrategy.invoke(__llmStrategySpec_Customer_age, this, []); }
        /** Create mock customers with believable data. */
        static createMockCustomers(count = 1) { return __llmStrategy.invoke(__llmStrategySpec_Customer_createMockCustomers, this, [count]); }
    };
    return Customer = _classThis;
})();
exports.Customer = Customer;
/** A customer who spends more. */
class VipCustomer extends Customer {
    /** Their favourite products. @minItems 1 */
    favourites = [];
    /**
     * A gift that suits the customer.
     * @param budget In euros
     * @minimum 1
     */
    suggestGift(budget) { return __llmStrategy.invoke(__llmStrategySpec_VipCustomer_suggestGift, this, [budget]); }
}
exports.VipCustomer = VipCustomer;
