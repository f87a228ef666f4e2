/**
 * Schemas of the type shapes issue 3 lists (optional, Record, tuples, intersections, enums,
 * literal unions, Pick/Omit, recursion, Date), JSDoc keywords where users put them, parameter
 * roles, revival plans, and a 200-deep chain of types. One Program for the whole file.
 */
import type { JsonSchema } from "../../../runtime/spec";
import type { AnalysedSpec } from "../../../transformer/analyse/types";
import { analyseFile, createTestProgram, ok, validator } from "./program";

const CHAIN_DEPTH = 200;
const chain = Array.from({ length: CHAIN_DEPTH }, (_, level) =>
  level < CHAIN_DEPTH - 1
    ? `export interface Level${level} { value: string; next?: Level${level + 1}; }`
    : `export interface Level${level} { value: string; }`,
).join("\n");

const TYPES = `
import { stub, type LanguageModel, type ScriptedModel, type CompletionRequest, type Completion } from "llm-strategy";
import type { LanguageModel as OwnModel } from "./own-model";

/** A user's own model: implements the runtime's interface. */
export class EchoModel implements LanguageModel {
  readonly id = "echo";
  readonly options = {};
  async complete(request: CompletionRequest): Promise<Completion> { return { text: JSON.stringify(request.input) }; }
}

export enum Color { Red = "red", Green = "green" }
export enum Level { Low, High }
/** Priority of a task. @default "low" */
export type Priority = "low" | "medium" | "high";
/**
 * An age in years.
 * @minimum 0
 * @maximum 150
 */
export type Age = number;
export interface Tag {
  name: string;
}
/** A node of a tree. */
export interface TreeNode {
  label: string;
  children: TreeNode[];
}
export class Order {
  /** When it was placed. */
  placedAt: Date = new Date();
  lines: [string, number][] = [];
  total(): number { return 0; }
}
export class Person {
  name = "";
  /** @minLength 1 @maxLength 20 @pattern ^[a-z]+$ */
  nick = "x";
  age?: Age;
  orders: Order[] = [];
  scores: Record<string, number> = {};
  color: Color = Color.Red;
  level = Level.Low;
  priority: Priority = "low";
  /** @minItems 1 @maxItems 3 */
  tags: Tag[] = [];
  pair: [number, string] = [0, ""];
  readonly born: Date = new Date();
  get upper(): string { return this.name.toUpperCase(); }
  set upper(value: string) { this.name = value; }
  greet(): string { return "hi"; }
}
export type PersonName = Pick<Person, "name" | "nick">;
export type WithoutOrders = Omit<Person, "orders" | "scores">;
export type Weighted = Tag & { weight: number };
/** People in a tree. */
export class PersonNode {
  person = new Person();
  children: PersonNode[] = [];
  parent?: PersonNode;
}
export interface Dated { at: Date; }
export class Manager extends Person {
  reports: Person[] = [];
  #secret = "not data";
  /** Summarise the team. */
  summarise(): Promise<string> { return stub(); }
}
export interface Totals { perRegion: Record<"north" | "south", number>; byCode: { [code: string]: number }; }
${chain}

export class Service {
  /**
   * Make people.
   * @minItems 2
   */
  make(
    model: LanguageModel,
    /** How many. @minimum 1 */
    count: number,
    signal?: AbortSignal,
  ): Promise<Person[]> { return stub(); }
  /** Shapes. */
  shapes(names: PersonName, rest: WithoutOrders, both: Weighted, tree: TreeNode): Promise<TreeNode> { return stub(); }
  /** Maybe. */
  maybe(x: string | null, when: Date, age?: Age): Promise<Person | null> { return stub(); }
  /** Either. */
  either(): Promise<Person | Order | string> { return stub(); }
  /** By name. */
  byName(): Promise<Record<string, Person>> { return stub(); }
  /** Inline. */
  inline(): Promise<{ a: string; b?: number }> { return stub(); }
  /** Tuple. */
  tuple(): Promise<[Person, Date, string]> { return stub(); }
  /** Forest. */
  forest(): Promise<PersonNode> { return stub(); }
  /** Dated. */
  dated(): Promise<Dated[]> { return stub(); }
  /** Plain. */
  plain(): Promise<Tag[]> { return stub(); }
  /** Deep. */
  deep(): Promise<Level0> { return stub(); }
  /** Totals. */
  totals(): Promise<Totals> { return stub(); }
  /**
   * Pick some people.
   * @maxItems 9
   * @param count How many to pick.
   * @minimum 1
   * @maximum 5
   * @param names Names to prefer.
   * @minItems 1
   * @returns The people picked.
   * @minItems 2
   */
  pick(count: number, names: string[]): Promise<Person[]> { return stub(); }
  /** Any LanguageModel of the runtime, or implementing it, is the model. */
  models(scripted: ScriptedModel, text: string): Promise<string> { return stub(); }
  /** A user's model class. */
  echoed(echo: EchoModel | undefined, text: string): Promise<string> { return stub(); }
  /** A model type of the user's own is an input like any other. */
  ownModel(model: OwnModel): Promise<string> { return stub(); }
}
`;

const OWN_MODEL = `export interface LanguageModel { name: string; }`;

// typescript-json-schema used to `console.warn` about field initialisers (`= new Date()`) into the build output.
const consoleWarn = jest.spyOn(console, "warn");
const consoleError = jest.spyOn(console, "error");
const program = createTestProgram({ "types.ts": TYPES, "own-model.ts": OWN_MODEL }, ["types.ts"]);
const { analyser, results } = analyseFile(program, "types.ts");
const spec = (name: string): AnalysedSpec => ok(results.get(`Service.${name}`));
const definition = (name: string): JsonSchema => {
  const found = analyser.definitions.get(name);
  if (!found) throw new Error(`no definition ${name}; have ${[...analyser.definitions.keys()].join(", ")}`);
  return found;
};
const declarationOf = (className: string): unknown =>
  program.file("types.ts").statements.find((s) => (s as { name?: { text?: string } }).name?.text === className);

const GOOD_PERSON = {
  name: "ada",
  nick: "ada",
  age: 36,
  orders: [{ placedAt: "2024-01-02T03:04:05Z", lines: [["tea", 2]] }],
  scores: { math: 10 },
  color: "red",
  level: 1,
  priority: "high",
  tags: [{ name: "a" }],
  pair: [1, "one"],
  born: "1815-12-10T00:00:00Z",
};

test("analysis prints nothing", () => {
  expect(consoleWarn).not.toHaveBeenCalled();
  expect(consoleError).not.toHaveBeenCalled();
});

describe("a class's data fields", () => {
  test("Person: fields in declaration order, no getter/setter/method, no initialiser defaults", () => {
    const person = definition("Person");
    expect(Object.keys(person.properties as object)).toEqual(["name", "nick", "age", "orders", "scores", "color", "level", "priority", "tags", "pair", "born"]);
    expect(person.required).toEqual(["name", "nick", "orders", "scores", "color", "level", "priority", "tags", "pair", "born"]);
    expect(person.additionalProperties).toBe(false);
    expect(JSON.stringify(person)).not.toContain('"default"');
  });

  test("each field's schema", () => {
    const p = definition("Person").properties as { [name: string]: JsonSchema };
    expect(p.nick).toEqual({ pattern: "^[a-z]+$", minLength: 1, maxLength: 20, type: "string" });
    expect(p.age).toEqual({ description: "An age in years.", minimum: 0, maximum: 150, type: "number" });
    expect(p.orders).toEqual({ type: "array", items: { $ref: "#/definitions/Order" } });
    expect(p.scores).toEqual({ type: "object", additionalProperties: { type: "number" } });
    expect(p.color).toEqual({ $ref: "#/definitions/Color" });
    expect(p.level).toEqual({ $ref: "#/definitions/Level" });
    expect(p.priority).toEqual({ $ref: "#/definitions/Priority" });
    expect(p.tags).toEqual({ minItems: 1, maxItems: 3, type: "array", items: { $ref: "#/definitions/Tag" } });
    expect(p.pair).toEqual({ type: "array", items: [{ type: "number" }, { type: "string" }], minItems: 2, maxItems: 2 });
    expect(p.born).toEqual({ type: "string", format: "date-time" });
  });

  test("enums, literal unions (in written order, with the alias's JSDoc) and Date", () => {
    expect(definition("Color")).toEqual({ type: "string", enum: ["red", "green"] });
    expect(definition("Level")).toEqual({ type: "number", enum: [0, 1] });
    expect(definition("Priority")).toEqual({ description: "Priority of a task.", default: "low", type: "string", enum: ["low", "medium", "high"] });
    expect((definition("Order").properties as { [name: string]: JsonSchema }).placedAt).toEqual({
      description: "When it was placed.",
      type: "string",
      format: "date-time",
    });
  });

  test("ajv accepts a good Person and rejects each kind of bad field", () => {
    const validate = validator({ $ref: "#/definitions/Person" }, analyser.definitions, spec("make").definitionNames);
    expect(validate(GOOD_PERSON)).toBe(true);
    const { age: _age, ...withoutOptionalAge } = GOOD_PERSON;
    expect(validate(withoutOptionalAge)).toBe(true);
    expect(validate({ ...GOOD_PERSON, color: "blue" })).toBe(false);
    expect(validate({ ...GOOD_PERSON, level: 2 })).toBe(false);
    expect(validate({ ...GOOD_PERSON, priority: "urgent" })).toBe(false);
    expect(validate({ ...GOOD_PERSON, scores: { math: "ten" } })).toBe(false);
    expect(validate({ ...GOOD_PERSON, tags: [] })).toBe(false);
    expect(validate({ ...GOOD_PERSON, tags: [{ name: "a" }, { name: "b" }, { name: "c" }, { name: "d" }] })).toBe(false);
    expect(validate({ ...GOOD_PERSON, nick: "Ada" })).toBe(false);
    expect(validate({ ...GOOD_PERSON, age: 151 })).toBe(false);
    expect(validate({ ...GOOD_PERSON, born: "yesterday" })).toBe(false);
    expect(validate({ ...GOOD_PERSON, pair: [1, 2] })).toBe(false);
    expect(validate({ ...GOOD_PERSON, orders: [{ placedAt: "2024-01-02T03:04:05Z", lines: [["tea"]] }] })).toBe(false);
    expect(validate({ ...GOOD_PERSON, upper: "ADA" })).toBe(false);
  });

  test("only standard keywords anywhere (no titles, no library extras)", () => {
    const allowed = new Set(["$ref", "type", "description", "properties", "required", "additionalProperties", "items", "minItems", "maxItems", "enum", "anyOf", "format", "pattern", "minLength", "maxLength", "minimum", "maximum", "default"]);
    const visit = (schema: unknown, where: string): void => {
      if (typeof schema !== "object" || schema === null) return;
      if (Array.isArray(schema)) return schema.forEach((item, i) => visit(item, `${where}[${i}]`));
      for (const [keyword, value] of Object.entries(schema)) {
        if (!allowed.has(keyword)) throw new Error(`${where} has keyword ${keyword}`);
        if (keyword === "properties") for (const [name, inner] of Object.entries(value as object)) visit(inner, `${where}.${name}`);
        else if (keyword !== "enum" && keyword !== "default" && keyword !== "required") visit(value, `${where}.${keyword}`);
      }
    };
    for (const [name, schema] of analyser.definitions) visit(schema, name);
    for (const result of results.values()) {
      const s = ok(result);
      visit(s.input, `${s.id} input`);
      visit(s.output, `${s.id} output`);
    }
  });
});

test("`this` of a subclass sends its own and inherited data fields, never ES private fields", () => {
  const summarise = ok(results.get("Manager.summarise"));
  expect(summarise.thisFields).toEqual(["reports", "name", "nick", "age", "orders", "scores", "color", "level", "priority", "tags", "pair", "born"]);
  expect(Object.keys(definition("Manager").properties as object)).toEqual(summarise.thisFields);
});

test("a Record over literal keys has those properties; an index signature keeps its value type", () => {
  expect(definition("Totals").properties).toEqual({
    perRegion: {
      type: "object",
      properties: { north: { type: "number" }, south: { type: "number" } },
      required: ["north", "south"],
      additionalProperties: false,
    },
    byCode: { type: "object", additionalProperties: { type: "number" } },
  });
});

test("every definition name is a valid OpenAI $defs key", () => {
  expect(analyser.definitions.size).toBeGreaterThan(CHAIN_DEPTH);
  for (const name of analyser.definitions.keys()) expect(name).toMatch(/^[A-Za-z0-9_-]+$/);
});

describe("parameters", () => {
  test("the runtime's LanguageModel is the model, AbortSignal the signal; neither is input", () => {
    const make = spec("make");
    expect(make.thisFields).toBeUndefined();
    expect(make.params).toEqual([
      { name: "model", role: "model" },
      { name: "count", role: "input" },
      { name: "signal", role: "signal" },
    ]);
    expect(make.input).toEqual({
      type: "object",
      properties: { count: { description: "How many.", minimum: 1, type: "number" } },
      required: ["count"],
      additionalProperties: false,
    });
  });

  test("ScriptedModel and a user's class implementing LanguageModel are models too, never inputs", () => {
    const models = spec("models");
    expect(models.params).toEqual([
      { name: "scripted", role: "model" },
      { name: "text", role: "input" },
    ]);
    expect(models.input.properties).toEqual({ text: { type: "string" } });
    expect(spec("echoed").params).toEqual([
      { name: "echo", role: "model" },
      { name: "text", role: "input" },
    ]);
  });

  test("a user's own type named LanguageModel is an ordinary input", () => {
    const own = spec("ownModel");
    expect(own.params).toEqual([{ name: "model", role: "input" }]);
    expect(own.input.properties).toEqual({ model: { $ref: "#/definitions/LanguageModel" } });
  });

  test("keyword tags under a @param line constrain that parameter; the others, the output", () => {
    const pick = spec("pick");
    expect(pick.input.properties).toEqual({
      count: { description: "How many to pick.", type: "number", minimum: 1, maximum: 5 },
      names: { description: "Names to prefer.", type: "array", items: { type: "string" }, minItems: 1 },
    });
    expect(pick.output).toEqual({ type: "array", items: { $ref: "#/definitions/Person" }, maxItems: 9, minItems: 2 });
    expect(pick.template.startsWith("Pick some people.\nReturns: The people picked.\n\n")).toBe(true);
    expect(pick.template).toContain("  /** How many to pick. @minimum 1 @maximum 5 */\n  count: number,");
    const validate = validator(pick.input, analyser.definitions, pick.definitionNames);
    expect(validate({ count: 3, names: ["ada"] })).toBe(true);
    expect(validate({ count: 6, names: ["ada"] })).toBe(false);
    expect(validate({ count: 3, names: [] })).toBe(false);
  });

  test("the declaration's keyword tags constrain the output", () => {
    expect(spec("make").output).toEqual({ type: "array", items: { $ref: "#/definitions/Person" }, minItems: 2 });
  });

  test("optional parameters, nullable and Date parameters, keywords through an alias", () => {
    const maybe = spec("maybe");
    expect(maybe.input).toEqual({
      type: "object",
      properties: {
        x: { type: ["null", "string"] },
        when: { type: "string", format: "date-time" },
        age: { description: "An age in years.", minimum: 0, maximum: 150, type: "number" },
      },
      required: ["x", "when"],
      additionalProperties: false,
    });
    const validate = validator(maybe.input, analyser.definitions, maybe.definitionNames);
    expect(validate({ x: null, when: "2024-05-01T10:00:00Z" })).toBe(true);
    expect(validate({ x: "a", when: "2024-05-01T10:00:00Z", age: -1 })).toBe(false);
    expect(validate({ x: "a" })).toBe(false);
  });
});

describe("composite types", () => {
  test("Pick and Omit keep the picked data fields, never the class's methods or accessors", () => {
    const shapes = spec("shapes");
    expect(shapes.input.properties).toEqual({
      names: { $ref: "#/definitions/PersonName" },
      rest: { $ref: "#/definitions/WithoutOrders" },
      both: { $ref: "#/definitions/Weighted" },
      tree: { $ref: "#/definitions/TreeNode" },
    });
    expect(definition("PersonName")).toEqual({
      type: "object",
      properties: { name: { type: "string" }, nick: { pattern: "^[a-z]+$", minLength: 1, maxLength: 20, type: "string" } },
      required: ["name", "nick"],
      additionalProperties: false,
    });
    expect(Object.keys(definition("WithoutOrders").properties as object)).toEqual(["name", "nick", "age", "color", "level", "priority", "tags", "pair", "born"]);
  });

  test("an intersection merges its members' properties", () => {
    const weighted = definition("Weighted");
    expect(weighted.properties).toEqual({ name: { type: "string" }, weight: { type: "number" } });
    expect(weighted.required).toEqual(["name", "weight"]);
    expect(weighted.additionalProperties).toBe(false);
  });

  test("a recursive type is one definition referring to itself; nested values validate at any depth", () => {
    expect(definition("TreeNode")).toEqual({
      description: "A node of a tree.",
      type: "object",
      properties: { label: { type: "string" }, children: { type: "array", items: { $ref: "#/definitions/TreeNode" } } },
      required: ["label", "children"],
      additionalProperties: false,
    });
    const shapes = spec("shapes");
    expect(shapes.output).toEqual({ $ref: "#/definitions/TreeNode" });
    expect(shapes.wrapper).toBeUndefined();
    const validate = validator(shapes.output, analyser.definitions, shapes.definitionNames);
    const leaf = { label: "leaf", children: [] };
    expect(validate({ label: "root", children: [{ label: "mid", children: [leaf] }] })).toBe(true);
    expect(validate({ label: "root", children: [{ label: "mid", children: [{ label: 3, children: [] }] }] })).toBe(false);
  });

  test("non-object outputs are wrapped; a plain object output is not", () => {
    expect(spec("either").wrapper).toBe("value");
    expect(spec("byName").wrapper).toBe("value");
    expect(spec("tuple").wrapper).toBe("value");
    expect(spec("maybe").wrapper).toBe("value");
    expect(spec("inline").wrapper).toBeUndefined();
    expect(spec("inline").output).toEqual({
      type: "object",
      properties: { a: { type: "string" }, b: { type: "number" } },
      required: ["a"],
      additionalProperties: false,
    });
    expect(spec("forest").wrapper).toBeUndefined();
  });

  test("Record<string, Person> keeps its value type", () => {
    expect(spec("byName").output).toEqual({ type: "object", additionalProperties: { $ref: "#/definitions/Person" } });
  });
});

describe("revival plans", () => {
  const person = declarationOf("Person");
  const order = declarationOf("Order");
  const personClass = {
    kind: "class",
    class: { declaration: person },
    props: {
      orders: { kind: "array", items: { kind: "class", class: { declaration: order }, props: { placedAt: { kind: "date" } } } },
      born: { kind: "date" },
    },
  };

  test("classes through arrays and nested properties, Dates inside classes", () => {
    expect(spec("make").revive).toEqual({ value: { kind: "array", items: personClass } });
  });

  test("a nullable class revives as the class (null stays null)", () => {
    expect(spec("maybe").revive).toEqual({ value: personClass });
  });

  test("a union of several revivable members matches each by its schema", () => {
    expect(spec("either").revive).toEqual({
      value: {
        kind: "union",
        options: [
          { match: { $ref: "#/definitions/Order" }, revive: personClass.props.orders.items },
          { match: { $ref: "#/definitions/Person" }, revive: personClass },
        ],
      },
    });
  });

  test("records, tuples", () => {
    expect(spec("byName").revive).toEqual({ value: { kind: "record", values: personClass } });
    expect(spec("tuple").revive).toEqual({ value: { kind: "tuple", items: [personClass, { kind: "date" }, null] } });
  });

  test("a recursive class is a named revival", () => {
    expect(spec("forest").revive).toEqual({
      value: { kind: "ref", name: "PersonNode" },
      definitions: {
        PersonNode: {
          kind: "class",
          class: { declaration: declarationOf("PersonNode") },
          props: {
            person: personClass,
            children: { kind: "array", items: { kind: "ref", name: "PersonNode" } },
            parent: { kind: "ref", name: "PersonNode" },
          },
        },
      },
    });
    expect(spec("forest").definitionNames).toContain("PersonNode");
  });

  test("interfaces need no class revival, only their Dates; nothing to revive means no plan", () => {
    expect(spec("dated").revive).toEqual({ value: { kind: "array", items: { kind: "object", props: { at: { kind: "date" } } } } });
    expect(spec("plain").revive).toBeUndefined();
    expect(spec("inline").revive).toBeUndefined();
    expect(spec("shapes").revive).toBeUndefined();
  });
});

describe("a 200-deep chain of nested types", () => {
  test("becomes 200 small definitions, not one inlined literal", () => {
    const deep = spec("deep");
    expect(deep.output).toEqual({ $ref: "#/definitions/Level0" });
    expect(deep.definitionNames).toHaveLength(CHAIN_DEPTH);
    expect(deep.definitionNames[0]).toBe("Level0");
    expect(deep.definitionNames[CHAIN_DEPTH - 1]).toBe(`Level${CHAIN_DEPTH - 1}`);
    for (const name of deep.definitionNames) expect(JSON.stringify(definition(name)).length).toBeLessThan(200);
    expect(definition("Level7")).toEqual({
      type: "object",
      properties: { value: { type: "string" }, next: { $ref: "#/definitions/Level8" } },
      required: ["value"],
      additionalProperties: false,
    });
    expect(deep.outputTypes.split("\ninterface ").length).toBe(CHAIN_DEPTH);
  });

  test("validates a value 200 levels deep", () => {
    const deep = spec("deep");
    let value: { value: string; next?: unknown } = { value: "bottom" };
    for (let level = CHAIN_DEPTH - 2; level >= 0; level--) value = { value: `level ${level}`, next: value };
    const validate = validator(deep.output, analyser.definitions, deep.definitionNames);
    expect(validate(value)).toBe(true);
    let cursor = value as { next?: { value: unknown; next?: unknown } };
    for (let level = 0; level < 150; level++) cursor = cursor.next as typeof cursor;
    (cursor as { value: unknown }).value = 150;
    expect(validate(value)).toBe(false);
  });
});
