/** The input sent is cut down to the spec's input schema: what each shape of schema keeps and drops. */
import { projectInput } from "../../runtime/input-projection";
import { SPEC_VERSION, type CallSpec, type JsonSchema } from "../../runtime/spec";

const Account: JsonSchema = { type: "object", properties: { owner: { type: "string" }, iban: { type: "string" } }, required: ["owner", "iban"], additionalProperties: false };
const Card: JsonSchema = { type: "object", properties: { last4: { type: "string" }, expiry: { type: "string", format: "date-time" } }, additionalProperties: false };
const Tree: JsonSchema = { type: "object", properties: { label: { type: "string" }, children: { type: "array", items: { $ref: "#/definitions/Tree" } } }, additionalProperties: false };

function specWith(properties: { [name: string]: JsonSchema }): CallSpec {
  return {
    version: SPEC_VERSION,
    id: "test.ts:1 f",
    kind: "function",
    template: "{{input}}",
    outputTypes: "",
    params: Object.keys(properties).map((name) => ({ name, role: "input" as const })),
    input: { type: "object", properties, additionalProperties: false },
    output: { type: "string" },
    definitions: { Account, Card, Tree },
    hash: "0",
  };
}

class AccountInstance {
  owner = "Ada";
  iban = "PT50";
  pin = "SECRET";
}

test("a closed object keeps the properties its schema names, at any depth, through refs, arrays, tuples and records", () => {
  const spec = specWith({
    one: { $ref: "#/definitions/Account" },
    many: { type: "array", items: { $ref: "#/definitions/Account" } },
    pair: { type: "array", items: [{ $ref: "#/definitions/Account" }, { type: "string" }], minItems: 2 },
    byName: { type: "object", additionalProperties: { $ref: "#/definitions/Account" } },
    tree: { $ref: "#/definitions/Tree" },
  });
  const account = new AccountInstance();
  const input = projectInput(spec, {
    one: account,
    many: [account, { owner: "Bao", iban: "DE89", extra: 1 }],
    pair: [account, "x"],
    byName: { ada: account },
    tree: { label: "root", secret: 1, children: [{ label: "leaf", secret: 2, children: [] }] },
  });
  const clean = { owner: "Ada", iban: "PT50" };
  expect(input).toEqual({
    one: clean,
    many: [clean, { owner: "Bao", iban: "DE89" }],
    pair: [clean, "x"],
    byName: { ada: clean },
    tree: { label: "root", children: [{ label: "leaf", children: [] }] },
  });
  expect(JSON.stringify(input)).not.toContain("SECRET");
  expect(account.pin).toBe("SECRET"); // the caller's object is untouched
});

test("a union keeps what any member names; null and primitives pass", () => {
  const spec = specWith({ either: { anyOf: [{ $ref: "#/definitions/Account" }, { $ref: "#/definitions/Card" }, { type: "null" }] } });
  expect(projectInput(spec, { either: { owner: "Ada", last4: "1234", pin: "x" } })).toEqual({ either: { owner: "Ada", last4: "1234" } });
  expect(projectInput(spec, { either: null })).toEqual({ either: null });
});

test("open schemas keep everything: any JSON, records of anything, unresolvable refs, objects without additionalProperties", () => {
  const value = { a: { deep: { pin: "kept" } } };
  for (const schema of [{}, { type: "object" }, { type: "object", additionalProperties: {} }, { $ref: "#/definitions/Missing" }, { type: "object", properties: { a: {} } }]) {
    const input = projectInput(specWith({ value: schema }), { value });
    expect(input.value).toBe(value);
  }
});

test("an object that loses nothing is passed as it is; entries the schema lacks stay (the spec's params decide them)", () => {
  const account = { owner: "Ada", iban: "PT50" };
  const input = projectInput(specWith({ account: { $ref: "#/definitions/Account" } }), { account, notInSchema: { pin: 1 } });
  expect(input.account).toBe(account);
  expect(input.notInSchema).toEqual({ pin: 1 });
});

test("a class with toJSON is cut in the form it chose, as JSON.stringify would send it; Dates and uncut values pass as they are", () => {
  const at = new Date("2024-01-02T03:04:05.000Z");
  class Custom {
    constructor(private readonly cvv?: string) {}
    toJSON() {
      return this.cvv ? { last4: "9876", cvv: this.cvv } : { last4: "9876" };
    }
  }
  const card = { last4: "1234", expiry: at };
  const clean = new Custom();
  const spec = specWith({ card: { $ref: "#/definitions/Card" }, other: { $ref: "#/definitions/Card" }, kept: { $ref: "#/definitions/Card" } });
  const input = projectInput(spec, { card, other: new Custom("123"), kept: clean });
  expect(input.card).toBe(card);
  expect(input.other).toEqual({ last4: "9876" });
  expect(input.kept).toBe(clean);
  expect(JSON.stringify(input)).toBe('{"card":{"last4":"1234","expiry":"2024-01-02T03:04:05.000Z"},"other":{"last4":"9876"},"kept":{"last4":"9876"}}');
});

test("a cyclic value is left for JSON.stringify to report as before; `__proto__` stays an own key", () => {
  const tree: Record<string, unknown> = { label: "root", children: [] };
  (tree.children as unknown[]).push(tree);
  const input = projectInput(specWith({ tree: { $ref: "#/definitions/Tree" } }), { tree });
  expect(() => JSON.stringify(input)).toThrow(/circular/i);

  const record = JSON.parse('{"__proto__": {"owner": "Ada", "iban": "PT50", "pin": "x"}}') as Record<string, unknown>;
  const projected = projectInput(specWith({ byName: { type: "object", additionalProperties: { $ref: "#/definitions/Account" } } }), { byName: record }).byName as object;
  expect(Object.getPrototypeOf(projected)).toBe(Object.prototype);
  expect(JSON.stringify(projected)).toBe('{"__proto__":{"owner":"Ada","iban":"PT50"}}');
});

test("a spec without definitions resolves each schema once, not on every call", () => {
  let reads = 0;
  const card: JsonSchema = {
    ...Card,
    get anyOf() {
      reads++;
      return undefined;
    },
  };
  // Hand-written specs may leave `definitions` out, which the runtime accepts.
  const spec = { ...specWith({ card }), definitions: undefined } as unknown as CallSpec;
  for (let call = 0; call < 3; call++) {
    expect(projectInput(spec, { card: { last4: "4242", cvv: "123" } })).toEqual({ card: { last4: "4242" } });
  }
  expect(reads).toBe(1);
});
