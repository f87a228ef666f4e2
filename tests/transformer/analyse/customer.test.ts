/**
 * The seed's customer database , analysed from the real fixture file:
 * schemas, what `this` sends, revival, and the prompt templates a person reviews.
 */
import type { AnalysedSpec } from "../../../transformer/analyse/types";
import { analyseFile, createTestProgram, ok, validator } from "./program";

const program = createTestProgram({}, ["../customer.ts"]);
const { analyser, results, stubs } = analyseFile(program, "../customer.ts");
const spec = (name: string): AnalysedSpec => ok(results.get(name));
const customerDeclaration = program.file("../customer.ts").statements.find((s) => "name" in s && (s as { name?: { text?: string } }).name?.text === "Customer");

const AIKO = { key: "c1", firstName: "Aiko", lastName: "Tanaka", birthdate: "1990-04-12", address: "3-1 Shibuya, Tokyo, Japan" };

test("finds the four stubs of the fixture", () => {
  expect([...results.keys()]).toEqual(["Customer.age", "CustomerDatabase.findCustomerKey", "MockCustomerDatabase.createMockCustomers", "add"]);
});

describe("the Customer definition", () => {
  test("has the data fields only: no getter, no initialiser defaults, descriptions from JSDoc", () => {
    expect(analyser.definitions.get("Customer")).toEqual({
      description: "A customer of ours.",
      type: "object",
      properties: {
        key: { type: "string" },
        firstName: { type: "string" },
        lastName: { type: "string" },
        birthdate: { description: "Date of birth, ISO 8601 (YYYY-MM-DD).", type: "string" },
        address: { type: "string" },
      },
      required: ["key", "firstName", "lastName", "birthdate", "address"],
      additionalProperties: false,
    });
  });

  test("accepts a customer and rejects one missing a field or carrying an extra one", () => {
    const validate = validator({ $ref: "#/definitions/Customer" }, analyser.definitions, ["Customer"]);
    expect(validate(AIKO)).toBe(true);
    const { address: _address, ...withoutAddress } = AIKO;
    expect(validate(withoutAddress)).toBe(false);
    expect(validate({ ...AIKO, age: 33 })).toBe(false);
    expect(validate({ ...AIKO, key: 1 })).toBe(false);
  });

  test("no definition is emitted for the getter's Promise (the library's junk definition)", () => {
    expect([...analyser.definitions.keys()].sort()).toEqual(["Customer", "CustomerDatabase"]);
  });
});

describe("Customer.age (getter)", () => {
  test("sends `this` as the customer's data fields and wraps the number reply", () => {
    const age = spec("Customer.age");
    expect(age.kind).toBe("getter");
    expect(age.thisFields).toEqual(["key", "firstName", "lastName", "birthdate", "address"]);
    expect(age.params).toEqual([]);
    expect(age.input).toEqual({
      type: "object",
      properties: { this: { $ref: "#/definitions/Customer" } },
      required: ["this"],
      additionalProperties: false,
    });
    expect(age.output).toEqual({ type: "number" });
    expect(age.wrapper).toBe("value");
    expect(age.revive).toBeUndefined();
    expect(age.definitionNames).toEqual(["Customer"]);
    expect(age.outputTypes).toBe("");
  });

  test("template", () => {
    expect(spec("Customer.age").template).toBe(
      [
        "Return the current age of the customer, from `birthdate` and the current year (2022).",
        "",
        "/** A customer of ours. */",
        "interface Customer {",
        "  key: string;",
        "  firstName: string;",
        "  lastName: string;",
        "  /** Date of birth, ISO 8601 (YYYY-MM-DD). */",
        "  birthdate: string;",
        "  address: string;",
        "}",
        "",
        "get age(this: Customer): number",
        "",
        "Input: {{input}}",
        "Reply with JSON of type { value: number }",
      ].join("\n"),
    );
  });
});

describe("CustomerDatabase.findCustomerKey (method with @param)", () => {
  test("input: `this` (the parameter property `customers`) and the query with its @param text", () => {
    const find = spec("CustomerDatabase.findCustomerKey");
    expect(find.thisFields).toEqual(["customers"]);
    expect(find.params).toEqual([{ name: "query", role: "input" }]);
    expect(find.input).toEqual({
      type: "object",
      properties: {
        this: { $ref: "#/definitions/CustomerDatabase" },
        query: { description: "Natural language query", type: "string" },
      },
      required: ["this", "query"],
      additionalProperties: false,
    });
    expect(analyser.definitions.get("CustomerDatabase")).toEqual({
      type: "object",
      properties: { customers: { type: "array", items: { $ref: "#/definitions/Customer" } } },
      required: ["customers"],
      additionalProperties: false,
    });
    expect(find.definitionNames).toEqual(["CustomerDatabase", "Customer"]);
    const validateInput = validator(find.input, analyser.definitions, find.definitionNames);
    expect(validateInput({ this: { customers: [AIKO] }, query: "born in 1990" })).toBe(true);
    expect(validateInput({ this: { customers: [{ key: "c1" }] }, query: "born in 1990" })).toBe(false);
    expect(validateInput({ this: { customers: [] } })).toBe(false);
  });

  test("template: the @param text is a comment on the parameter", () => {
    expect(spec("CustomerDatabase.findCustomerKey").template).toBe(
      [
        "Find the keys of the customers that match a natural language query best",
        "(sorted by closeness to the match). Semantic queries such as",
        '"the customer that was born in 1990" are supported.',
        "",
        "interface CustomerDatabase {",
        "  customers: Customer[];",
        "}",
        "",
        "/** A customer of ours. */",
        "interface Customer {",
        "  key: string;",
        "  firstName: string;",
        "  lastName: string;",
        "  /** Date of birth, ISO 8601 (YYYY-MM-DD). */",
        "  birthdate: string;",
        "  address: string;",
        "}",
        "",
        "findCustomerKey(",
        "  this: CustomerDatabase,",
        "  /** Natural language query */",
        "  query: string,",
        "): string[]",
        "",
        "Input: {{input}}",
        "Reply with JSON of type { value: string[] }",
      ].join("\n"),
    );
  });
});

describe("MockCustomerDatabase.createMockCustomers (static, returns class instances)", () => {
  test("no `this`; the defaulted parameter is optional; Customer is an output-only type", () => {
    const create = spec("MockCustomerDatabase.createMockCustomers");
    expect(create.kind).toBe("static");
    expect(create.thisFields).toBeUndefined();
    expect(create.input).toEqual({ type: "object", properties: { numCustomers: { type: "number" } }, additionalProperties: false });
    expect(create.output).toEqual({ type: "array", items: { $ref: "#/definitions/Customer" } });
    expect(create.wrapper).toBe("value");
    expect(create.definitionNames).toEqual(["Customer"]);
  });

  test("revives every element as a Customer", () => {
    const create = spec("MockCustomerDatabase.createMockCustomers");
    expect(create.revive).toEqual({ value: { kind: "array", items: { kind: "class", class: { declaration: customerDeclaration } } } });
    expect(customerDeclaration).toBeDefined();
  });

  test("template and output types: the Customer declaration only where output types go", () => {
    const create = spec("MockCustomerDatabase.createMockCustomers");
    expect(create.template).toBe(
      [
        "Create mock customers with believable data (our customers are world citizens).",
        "",
        "{{outputTypes}}",
        "static createMockCustomers(numCustomers?: number): Customer[]",
        "",
        "Input: {{input}}",
        "Reply with JSON of type { value: Customer[] }",
      ].join("\n"),
    );
    expect(create.outputTypes).toBe(
      [
        "/** A customer of ours. */",
        "interface Customer {",
        "  key: string;",
        "  firstName: string;",
        "  lastName: string;",
        "  /** Date of birth, ISO 8601 (YYYY-MM-DD). */",
        "  birthdate: string;",
        "  address: string;",
        "}",
        "",
      ].join("\n"),
    );
  });

  test("the reply schema (as the runtime wraps it) accepts customers and rejects bad ones", () => {
    const create = spec("MockCustomerDatabase.createMockCustomers");
    const reply = { type: "object", properties: { value: create.output }, required: ["value"], additionalProperties: false };
    const validate = validator(reply, analyser.definitions, create.definitionNames);
    expect(validate({ value: [AIKO, { ...AIKO, key: "c2" }] })).toBe(true);
    expect(validate({ value: [{ ...AIKO, birthdate: undefined }] })).toBe(false);
    expect(validate([AIKO])).toBe(false);
  });
});

describe("add (function)", () => {
  test("inputs by parameter name, template without declarations", () => {
    const add = spec("add");
    expect(add.kind).toBe("function");
    expect(add.params).toEqual([
      { name: "a", role: "input" },
      { name: "b", role: "input" },
    ]);
    expect(add.input).toEqual({
      type: "object",
      properties: { a: { type: "number" }, b: { type: "number" } },
      required: ["a", "b"],
      additionalProperties: false,
    });
    expect(add.template).toBe(["Add two numbers.", "", "function add(a: number, b: number): number", "", "Input: {{input}}", "Reply with JSON of type { value: number }"].join("\n"));
    expect(add.definitionNames).toEqual([]);
  });
});

test("each spec keeps its site's id; hashes are 16 hex digits, distinct per stub", () => {
  for (const [name, site] of stubs) expect(spec(name).id).toBe(site.id);
  const hashes = [...results.keys()].map((name) => spec(name).hash);
  for (const hash of hashes) expect(hash).toMatch(/^[0-9a-f]{16}$/);
  expect(new Set(hashes).size).toBe(4);
  for (const name of results.keys()) expect(spec(name).typeArguments).toBeUndefined();
});
