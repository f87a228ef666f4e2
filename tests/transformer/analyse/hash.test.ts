/**
 * The spec hash keys caches and recordings: its canonical JSON must stay the text
 * safe-stable-stringify wrote when the hashes recorded so far were made.
 */
import { stringify } from "safe-stable-stringify";
import { canonicalJson, specHash } from "../../../transformer/analyse/hash";

const values: [string, unknown][] = [
  ["a schema", { type: "object", properties: { name: { type: "string", description: "Full name." }, tags: { type: "array", items: { type: "string" } } }, required: ["name"], additionalProperties: false }],
  ["keys in any order, numeric-looking keys, non-ASCII keys", { b: 1, a: 2, "10": 3, "9": 4, B: 5, é: 6, "": 7 }],
  ["scalars and what JSON turns into null or leaves out", [null, true, 0, -0, 1e21, 1.5e-7, Number.NaN, Number.POSITIVE_INFINITY, undefined, () => 1, { gone: undefined, fn: () => 1 }]],
  ["strings that need escapes", ['q"uote', "back\\slash", "line\nbreak\r\ttab", "\u0000\u001f", "\u2028\u2029", "lone \ud800 surrogate", "日本 😀", "x".repeat(6000) + "\n"]],
  ["nested arrays and objects, empty ones", { a: [[], {}, [{ z: [1, { y: 2, x: 3 }] }]] }],
  ["toJSON and BigInt", { when: new Date(0), custom: { toJSON: () => ({ b: 1, a: 2 }) }, big: 10n }],
  ["more keys than an insertion sort handles", Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`k${(i * 7919) % 300}`, i]))],
];

test.each(values)("canonical JSON is safe-stable-stringify's text: %s", (_, value) => {
  expect(canonicalJson(value)).toBe(stringify(value));
});

test("the spec hash of a fixed content stays what it was", () => {
  const definitions = new Map([["Customer", canonicalJson({ type: "object", properties: { name: { type: "string" } }, required: ["name"] })]]);
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
