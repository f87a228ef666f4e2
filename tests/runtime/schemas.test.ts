/** Reply schemas: strict-mode adaptation, null-for-absent mapping, validation messages. */
import Ajv from "ajv";
import { SPEC_VERSION, type CallSpec, type JsonSchema } from "../../runtime";
import { dropNullsForAbsent, providerSchemaOf, toStrictSchema } from "../../runtime/strict-schema";
import { readablePath, replySchemaOf, validateReply } from "../../runtime/validate";

function spec(output: JsonSchema, definitions: Record<string, JsonSchema> = {}, wrapper: string | null = "value"): CallSpec {
  return {
    version: SPEC_VERSION,
    id: "src/t.ts:1 t",
    kind: "function",
    template: "{{input}}",
    outputTypes: "",
    params: [],
    input: { type: "object" },
    output,
    ...(wrapper ? { wrapper } : {}),
    definitions,
    hash: "t",
  };
}

const Pet: JsonSchema = {
  type: "object",
  properties: {
    kind: { const: "pet" },
    name: { type: "string", minLength: 2, default: "Rex", examples: ["Rex"] },
    born: { type: "string", format: "date-time" },
    mood: { type: "string", enum: ["calm", "wild"] },
    owner: { $ref: "#/definitions/Person" },
    note: { type: ["string", "null"] },
  },
  required: ["kind", "name"],
  additionalProperties: false,
};
const Person: JsonSchema = {
  type: "object",
  properties: { name: { type: "string", pattern: "^[A-Z]" }, friends: { type: "array", items: { $ref: "#/definitions/Person" }, maxItems: 3 } },
  required: ["name"],
  additionalProperties: false,
};
const Robot: JsonSchema = {
  type: "object",
  properties: { kind: { const: "robot" }, model: { type: "string" }, serial: { type: "integer" } },
  required: ["kind", "model"],
  additionalProperties: false,
};

describe("toStrictSchema", () => {
  test("object root, every property required, optional ones nullable, $defs, unsupported keywords dropped", () => {
    const reply = replySchemaOf(spec({ type: "array", items: { $ref: "#/definitions/Pet" } }, { Pet, Person, Unused: Robot }));
    const { schema, strict } = toStrictSchema(reply);
    expect(strict).toBe(true);
    expect(schema).toEqual({
      type: "object",
      properties: {
        value: {
          type: "array",
          // Used once and not recursive: written in place, as a hand-written schema would be.
          items: {
            type: "object",
            properties: {
              kind: { const: "pet" },
              name: { type: "string" },
              born: { type: ["string", "null"], format: "date-time" },
              mood: { type: ["string", "null"], enum: ["calm", "wild", null] },
              owner: { anyOf: [{ $ref: "#/$defs/Person" }, { type: "null" }] },
              note: { type: ["string", "null"] },
            },
            required: ["kind", "name", "born", "mood", "owner", "note"],
            additionalProperties: false,
          },
        },
      },
      required: ["value"],
      additionalProperties: false,
      $defs: {
        // Recursive: stays a definition.
        Person: {
          type: "object",
          properties: {
            name: { type: "string", pattern: "^[A-Z]" },
            friends: { type: ["array", "null"], items: { $ref: "#/$defs/Person" }, maxItems: 3 },
          },
          required: ["name", "friends"],
          additionalProperties: false,
        },
      },
    });
    // Still a schema ajv accepts.
    expect(() => new Ajv({ strict: false, logger: false }).compile(schema)).not.toThrow();
  });

  test("a definition used more than once stays in $defs; one used once is written in place", () => {
    const Tag = { type: "object", properties: { label: { type: "string" } }, required: ["label"], additionalProperties: false };
    const Point = { type: "object", properties: { x: { type: "number" } }, required: ["x"], additionalProperties: false };
    const output = {
      type: "object",
      properties: { first: { $ref: "#/definitions/Tag" }, second: { $ref: "#/definitions/Tag" }, at: { $ref: "#/definitions/Point" } },
      required: ["first", "second", "at"],
      additionalProperties: false,
    };
    const { schema } = toStrictSchema(replySchemaOf(spec(output, { Tag, Point })));
    const value = (schema.properties as Record<string, JsonSchema>).value!;
    expect(value.properties).toEqual({ first: { $ref: "#/$defs/Tag" }, second: { $ref: "#/$defs/Tag" }, at: Point });
    expect(schema.$defs).toEqual({ Tag });
  });

  test("a small definition used several times is written in place where that is shorter than references and a $defs entry", () => {
    const Level = { type: "string", enum: ["low", "high"] };
    const Tag = { type: "object", properties: { label: { type: "string" } }, required: ["label"], additionalProperties: false };
    // Tag refers to Level: the copy kept in $defs has Level written in place too.
    const TaggedLevel = { ...Tag, properties: { label: { type: "string" }, level: { $ref: "#/definitions/Level" } }, required: ["label", "level"] };
    const output = {
      type: "object",
      properties: { a: { $ref: "#/definitions/Level" }, b: { $ref: "#/definitions/Level" }, c: { $ref: "#/definitions/TaggedLevel" }, d: { $ref: "#/definitions/TaggedLevel" } },
      required: ["a", "b", "c", "d"],
      additionalProperties: false,
    };
    const { schema, strict } = toStrictSchema(replySchemaOf(spec(output, { Level, TaggedLevel })));
    expect(strict).toBe(true);
    const value = (schema.properties as Record<string, JsonSchema>).value!;
    expect(value.properties).toEqual({ a: Level, b: Level, c: { $ref: "#/$defs/TaggedLevel" }, d: { $ref: "#/$defs/TaggedLevel" } });
    expect(schema.$defs).toEqual({ TaggedLevel: { ...TaggedLevel, properties: { label: { type: "string" }, level: Level } } });
    // Shorter than with Level in $defs, and validating the same values.
    const withReferences = JSON.stringify(schema).replace(/\{"type":"string","enum":\["low","high"\]\}/g, '{"$ref":"#/$defs/Level"}').replace(/\}$/, ',"Level":' + JSON.stringify(Level) + "}}");
    expect(JSON.stringify(schema).length).toBeLessThan(withReferences.length);
    const validate = new Ajv({ strict: false, logger: false }).compile(schema);
    expect(validate({ value: { a: "low", b: "high", c: { label: "x", level: "low" }, d: { label: "y", level: "high" } } })).toBe(true);
    expect(validate({ value: { a: "mid", b: "high", c: { label: "x", level: "low" }, d: { label: "y", level: "high" } } })).toBe(false);
  });

  test("a described $ref is inlined one level (strict mode allows no keyword beside $ref); unused $defs are dropped", () => {
    const Tag = { type: "object", properties: { label: { type: "string" } }, required: ["label"], additionalProperties: false };
    const reply = replySchemaOf(spec({ type: "object", properties: { main: { $ref: "#/definitions/Tag", description: "The main tag" } }, required: ["main"], additionalProperties: false }, { Tag }));
    expect(toStrictSchema(reply)).toEqual({
      strict: true,
      schema: {
        type: "object",
        properties: {
          value: {
            type: "object",
            properties: { main: { type: "object", properties: { label: { type: "string" } }, required: ["label"], additionalProperties: false, description: "The main tag" } },
            required: ["main"],
            additionalProperties: false,
          },
        },
        required: ["value"],
        additionalProperties: false,
      },
    });
  });

  test("a root $ref is replaced by its definition", () => {
    const { schema, strict } = toStrictSchema(replySchemaOf(spec({ $ref: "#/definitions/Person" }, { Person }, null)));
    expect(strict).toBe(true);
    expect(schema).toMatchObject({ type: "object", required: ["name", "friends"], $defs: { Person: expect.any(Object) } });
  });

  test.each([
    ["a record", { type: "object", additionalProperties: { type: "number" } }],
    ["a tuple", { type: "array", items: [{ type: "string" }, { type: "number" }], minItems: 2, maxItems: 2 }],
    ["any JSON", {}],
    ["an intersection", { allOf: [{ type: "object" }, { type: "object" }] }],
  ])("%s cannot be strict: the original schema is sent without strict", (_name, output) => {
    const reply = replySchemaOf(spec(output as JsonSchema));
    expect(toStrictSchema(reply)).toEqual({ schema: reply, strict: false });
  });
});

describe("providerSchemaOf", () => {
  const Note: JsonSchema = {
    description: "A note.",
    type: "object",
    properties: { text: { description: "What it says.", type: "string" }, description: { type: "string" } },
    required: ["text", "description"],
    additionalProperties: false,
  };
  const Tag: JsonSchema = { description: "A tag.", type: "object", properties: { label: { type: "string" } }, required: ["label"], additionalProperties: false };
  const output: JsonSchema = {
    type: "object",
    properties: { note: { $ref: "#/definitions/Note" }, tag: { $ref: "#/definitions/Tag" } },
    required: ["note", "tag"],
    additionalProperties: false,
  };

  test("leaves out the descriptions of types the prompt declares for the inputs, keeps those only the output uses", () => {
    const edited = { ...spec(output, { Note, Tag }), input: { type: "object", properties: { draft: { $ref: "#/definitions/Note" } }, required: ["draft"] } };
    const { schema, strict } = providerSchemaOf(edited, replySchemaOf(edited));
    expect(strict).toBe(true);
    const value = (schema.properties as Record<string, JsonSchema>).value!;
    const properties = value.properties as Record<string, JsonSchema>;
    // A property named `description` is a property, not a keyword.
    expect(properties.note).toEqual({
      type: "object",
      properties: { text: { type: "string" }, description: { type: "string" } },
      required: ["text", "description"],
      additionalProperties: false,
    });
    expect(properties.tag!.description).toBe("A tag.");
  });

  test("without input types it is the strict schema", () => {
    const plain = spec(output, { Note, Tag });
    expect(providerSchemaOf(plain, replySchemaOf(plain))).toEqual(toStrictSchema(replySchemaOf(plain)));
  });
});

describe("dropNullsForAbsent", () => {
  const animals = spec({ type: "array", items: { anyOf: [{ $ref: "#/definitions/Pet" }, { $ref: "#/definitions/Robot" }] } }, { Pet, Person, Robot });
  const reply = replySchemaOf(animals);

  test("removes nulls standing for absent optional properties, keeps nulls the type allows", () => {
    const value = {
      value: [
        { kind: "pet", name: "Rex", born: null, mood: null, owner: { name: "Ann", friends: null }, note: null },
        { kind: "robot", model: "R2", serial: null },
      ],
    };
    dropNullsForAbsent(value, reply);
    expect(value).toEqual({
      value: [
        { kind: "pet", name: "Rex", owner: { name: "Ann" }, note: null },
        { kind: "robot", model: "R2" },
      ],
    });
    expect(validateReply(animals, value)).toEqual({ ok: true });
  });

  test("leaves required properties alone (validation then reports the null)", () => {
    const value = { value: [{ kind: "pet", name: null }] };
    dropNullsForAbsent(value, reply);
    expect(value).toEqual({ value: [{ kind: "pet", name: null }] });
  });
});

describe("validation messages", () => {
  const pets = spec({ type: "array", items: { $ref: "#/definitions/Pet" }, minItems: 1 }, { Pet, Person });

  test("name the path in the user's property names, what is wrong and what was sent", () => {
    const result = validateReply(pets, {
      value: [{ kind: "pet", name: 7, born: "2020-01-01", mood: "sleepy", owner: { name: "ann", age: 3 }, extra: true }],
    });
    expect(result).toEqual({
      ok: false,
      errors: [
        "value[0]: unexpected property \"extra\" (allowed: kind, name, born, mood, owner, note)",
        "value[0].name: must be string, got number 7",
        "value[0].born: must be a date-time string (RFC 3339 with time zone, e.g. 2024-01-31T09:30:00Z), got string \"2020-01-01\"",
        "value[0].mood: must be one of \"calm\", \"wild\", got string \"sleepy\"",
        "value[0].owner: unexpected property \"age\" (allowed: name, friends)",
        "value[0].owner.name: must match pattern \"^[A-Z]\", got string \"ann\"",
      ],
    });
    expect(validateReply(pets, { value: [] })).toEqual({ ok: false, errors: ["value: must NOT have fewer than 1 items, got array []"] });
    expect(validateReply(pets, { values: [] })).toEqual({
      ok: false,
      errors: ['the reply: missing required property "value"', 'the reply: unexpected property "values" (allowed: value)'],
    });
  });

  test("a union that matched no member reports the closest member's errors", () => {
    const animals = spec({ type: "array", items: { anyOf: [{ $ref: "#/definitions/Pet" }, { $ref: "#/definitions/Robot" }] } }, { Pet, Person, Robot });
    const result = validateReply(animals, { value: [{ kind: "robot", model: 5 }] });
    expect(result).toEqual({
      ok: false,
      errors: ['value[0]: must match one of: Pet | Robot; got object {"kind":"robot","model":5}', "value[0].model: must be string, got number 5"],
    });
  });

  test("the same problem in several elements is one line", () => {
    const people = spec({ type: "array", items: { $ref: "#/definitions/Person" } }, { Person });
    expect(validateReply(people, { value: [{}, { name: "Ann" }, {}, {}] })).toEqual({
      ok: false,
      errors: ['value[0], value[2], value[3]: missing required property "name"'],
    });
  });

  test("at most ten errors go back, then a count", () => {
    const numbers = spec({ type: "array", items: { type: "number" } });
    // Distinct previews keep these from merging into one line.
    const result = validateReply(numbers, { value: Array.from({ length: 14 }, (_, index) => `n${index}`) });
    expect(result.ok).toBe(false);
    const errors = (result as { errors: string[] }).errors;
    expect(errors).toHaveLength(11);
    expect(errors[10]).toBe("(4 more errors of the same kind)");
  });

  test("JSON pointers become readable paths", () => {
    expect(readablePath("")).toBe("the reply");
    expect(readablePath("/value/0/first name/a~1b")).toBe('value[0]["first name"]["a/b"]');
  });

  test("the reply schema carries only the definitions the output reaches", () => {
    expect(Object.keys(replySchemaOf(spec({ $ref: "#/definitions/Pet" }, { Pet, Person, Robot })).definitions as object)).toEqual(["Pet", "Person"]);
    expect(replySchemaOf(spec({ type: "integer" }, { Pet }))).not.toHaveProperty("definitions");
  });
});
