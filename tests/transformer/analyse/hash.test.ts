/**
 * The spec hash keys caches and recordings: it must stay what it was when the hashes recorded so
 * far were made, for the same content.
 */
import { canonicalJson, definitionsText, specHash } from "../../../transformer/analyse/hash";

test("the spec hash of a fixed content stays what it was", () => {
  const definitions = definitionsText(new Map([["Customer", canonicalJson({ type: "object", properties: { name: { type: "string" } }, required: ["name"] })]]));
  const hash = specHash({
    template: "Create a customer.\n\nInput: {{input}}",
    templateIfSchemaSent: { shared: 18, rest: "\n\nInput: {{input}}" },
    outputTypes: "interface Customer {\n  name: string;\n}\n",
    input: { type: "object", properties: {}, additionalProperties: false },
    output: { $ref: "#/definitions/Customer" },
    definitions,
  });
  expect(hash).toBe("a43342741a9521e1");
});
