/**
 * Schema -> TypeScript-like text, and the template around it. Pure functions: no Program.
 */
import { renderDeclaration, renderType } from "../../../transformer/analyse/render-types";
import { templateIfSchemaSent } from "../../../runtime/spec";
import { buildTemplate, renderSignature } from "../../../transformer/analyse/template";

describe("renderType", () => {
  test.each([
    [{ type: "string" }, "string"],
    [{ type: "integer" }, "number"],
    [{ type: ["null", "string"] }, "string | null"],
    [{ $ref: "#/definitions/Customer" }, "Customer"],
    [{ type: "string", enum: ["low", "high"] }, '"low" | "high"'],
    [{ type: "number", enum: [1] }, "1"],
    [{ anyOf: [{ type: "null" }, { $ref: "#/definitions/A" }] }, "A | null"],
    [{ type: "array", items: { anyOf: [{ type: "string" }, { type: "number" }] } }, "(string | number)[]"],
    [{ type: "array", items: { type: "array", items: { type: "string" } } }, "string[][]"],
    [{ type: "array", items: [{ type: "string" }, { type: "number" }], minItems: 2, maxItems: 2 }, "[string, number]"],
    [{ type: "array", items: [{ type: "string" }], additionalItems: { type: "number" }, minItems: 1 }, "[string, ...number[]]"],
    [{ type: "object", additionalProperties: { $ref: "#/definitions/Customer" } }, "Record<string, Customer>"],
    [{ type: "object", properties: { a: { type: "string" }, b: { type: "number" } }, required: ["a"] }, "{ a: string; b?: number }"],
    [{ type: "object", additionalProperties: false }, "{}"],
    [{ type: "object" }, "object"],
    [{}, "any"],
    [{ allOf: [{ $ref: "#/definitions/A" }, { $ref: "#/definitions/B" }] }, "A & B"],
    [{ type: "array", items: { type: "string", format: "date-time" } }, "(string /* @format date-time */)[]"],
  ])("%j -> %s", (schema, text) => {
    expect(renderType(schema, "")).toBe(text);
  });

  test("an inline object with documented properties is written one property per line", () => {
    const schema = { type: "object", properties: { at: { description: "When.", type: "string", format: "date-time" }, "odd key": { type: "number" } }, required: ["at"] };
    expect(renderType(schema, "  ")).toBe(['{', '    /** When. @format date-time */', "    at: string;", '    "odd key"?: number;', "  }"].join("\n"));
  });
});

describe("renderDeclaration", () => {
  test("an interface with its doc, property docs and hints; `*/` in a description cannot end the comment", () => {
    const schema = {
      description: "A customer.\nSecond line mentions */ safely.",
      type: "object",
      properties: {
        tags: { description: "Labels.", minItems: 1, maxItems: 3, type: "array", items: { type: "string" } },
        code: { pattern: "^[A-Z]{3}$", type: "string", default: "ABC" },
        scores: { type: "object", additionalProperties: { type: "number" } },
      },
      required: ["tags", "scores"],
      additionalProperties: false,
    };
    expect(renderDeclaration("Customer", schema)).toBe(
      [
        "/**",
        " * A customer.",
        " * Second line mentions *\\/ safely.",
        " */",
        "interface Customer {",
        "  /** Labels. @minItems 1 @maxItems 3 */",
        "  tags: string[];",
        '  /** @pattern ^[A-Z]{3}$ @default "ABC" */',
        "  code?: string;",
        "  scores: Record<string, number>;",
        "}",
      ].join("\n"),
    );
  });

  test("a non-object definition is a type alias", () => {
    expect(renderDeclaration("Priority", { description: "How urgent.", default: "low", type: "string", enum: ["low", "high"] })).toBe(
      ['/** How urgent. @default "low" */', 'type Priority = "low" | "high";'].join("\n"),
    );
  });
});

describe("the template", () => {
  const input = {
    type: "object",
    properties: { this: { $ref: "#/definitions/Db" }, query: { description: "What to find.", type: "string" }, limit: { type: "number" } },
    required: ["this", "query"],
    additionalProperties: false,
  };

  test("signatures: static, getter, function, and parameter comments on their own lines", () => {
    expect(renderSignature({ kind: "static", name: "make", input: { type: "object", properties: {} }, output: { type: "number" } })).toBe("static make(): number");
    expect(renderSignature({ kind: "getter", name: "age", input: { type: "object", properties: { this: { $ref: "#/definitions/C" } }, required: ["this"] }, output: { type: "number" } })).toBe(
      "get age(this: C): number",
    );
    expect(renderSignature({ kind: "method", name: "find", input, output: { type: "array", items: { type: "string" } } })).toBe(
      ["find(", "  this: Db,", "  /** What to find. */", "  query: string,", "  limit?: number,", "): string[]"].join("\n"),
    );
  });

  test("sections in reading order; output types only through the placeholder; no Input line without inputs", () => {
    const { template, outputTypes } = buildTemplate({
      doc: "Make things.",
      returns: "The things made.",
      kind: "function",
      name: "make",
      input: { type: "object", properties: {}, additionalProperties: false },
      output: { type: "array", items: { $ref: "#/definitions/Thing" } },
      wrapper: "value",
      inputDeclarations: [],
      outputDeclarations: ["interface Thing {\n  name: string;\n}"],
    });
    expect(template).toBe(["Make things.", "Returns: The things made.", "", "{{outputTypes}}", "function make(): Thing[]", "", "Reply with JSON of type { value: Thing[] }"].join("\n"));
    expect(outputTypes).toBe("interface Thing {\n  name: string;\n}\n");
  });

  test("a placeholder written in the user's own text is not mistaken for the runtime's", () => {
    const { template, outputTypes } = buildTemplate({
      doc: "Fill {{input}} into the {{outputTypes}} slot.",
      kind: "function",
      name: "fill",
      input: { type: "object", properties: { text: { description: "Text with {{input}}.", type: "string" } }, required: ["text"] },
      output: { $ref: "#/definitions/Out" },
      inputDeclarations: [],
      outputDeclarations: ["/** Mentions {{input}}. */\ninterface Out {\n  a: string;\n}"],
    });
    expect(template.split("{{input}}")).toHaveLength(2);
    expect(template.split("{{outputTypes}}")).toHaveLength(2);
    expect(template.startsWith("Fill {{ input }} into the {{ outputTypes }} slot.")).toBe(true);
    expect(template).toContain("/** Text with {{ input }}. */");
    expect(outputTypes).toContain("/** Mentions {{ input }}. */");
    expect(template.endsWith("Input: {{input}}\nReply with JSON of type Out")).toBe(true);
  });

  describe("the prompt of a request that sends the schema", () => {
    const customer = "interface Customer {\n  name: string;\n}";
    const parts = {
      kind: "method" as const,
      name: "find",
      input: {
        type: "object",
        properties: { this: { $ref: "#/definitions/Customer" }, query: { type: "string" } },
        required: ["this", "query"],
      },
      output: { type: "array", items: { $ref: "#/definitions/Thing" } },
      wrapper: "value",
      inputDeclarations: [customer],
      outputDeclarations: ["interface Thing {\n  name: string;\n}"],
    };

    test("keeps the doc text, the input types and the inputs; leaves the output types, return type and answer line to the schema", () => {
      const built = buildTemplate({ ...parts, doc: "Find things.", returns: "The best first." });
      const { template } = built;
      // What it shares with the template is not written twice.
      expect(built.templateIfSchemaSent.rest).toBe("\n\nInput: {{input}}");
      expect(templateIfSchemaSent(built)).toBe(["Find things.", "Returns: The best first.", "", customer, "", "Input: {{input}}"].join("\n"));
      expect(template).toContain("Reply with JSON of type { value: Thing[] }");
    });

    test("keeps the signature, without return type, when it carries parameter docs or there is no doc text", () => {
      const documented = { ...parts.input, properties: { ...parts.input.properties, query: { type: "string", description: "In plain words." } } };
      expect(templateIfSchemaSent(buildTemplate({ ...parts, doc: "Find things.", input: documented }))).toBe(
        ["Find things.", "", customer, "", "find(", "  this: Customer,", "  /** In plain words. */", "  query: string,", ")", "", "Input: {{input}}"].join("\n"),
      );
      expect(templateIfSchemaSent(buildTemplate({ ...parts, doc: "" }))).toBe([customer, "", "find(this: Customer, query: string)", "", "Input: {{input}}"].join("\n"));
    });
  });
});
