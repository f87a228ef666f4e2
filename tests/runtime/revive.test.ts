import { configure, invoke, scriptedModel, SPEC_VERSION, type CallSpec, type JsonSchema, type RevivalPlan } from "../../runtime";

class Person {
  name = "";
  constructed = true;
  constructor() {
    // Revival must not run constructors: they may need arguments a model cannot give.
    throw new Error("constructor ran");
  }
  greet(): string {
    return `Hi ${this.name}`;
  }
}
class Order {
  id = "";
  placed!: Date;
  buyer!: Person;
  lines: { product: string; person?: Person }[] = [];
  get total(): number {
    return this.lines.length;
  }
}
class TreeNode {
  label = "";
  children: TreeNode[] = [];
  size(): number {
    return 1 + this.children.reduce((sum, child) => sum + child.size(), 0);
  }
}
class Pet {
  kind = "pet" as const;
  name = "";
}
class Robot {
  kind = "robot" as const;
  serial = 0;
}

function spec(output: JsonSchema, revive: RevivalPlan, definitions: Record<string, JsonSchema> = {}): CallSpec {
  return {
    version: SPEC_VERSION,
    id: "src/r.ts:1 r",
    kind: "function",
    template: "{{input}}",
    outputTypes: "",
    params: [],
    input: { type: "object" },
    output,
    wrapper: "value",
    definitions,
    revive,
    hash: "r",
  };
}

async function run(callSpec: CallSpec, value: unknown): Promise<unknown> {
  configure({ model: scriptedModel([{ value }]) });
  try {
    return await invoke(callSpec, undefined, []);
  } finally {
    configure({ model: undefined });
  }
}

const PersonSchema = { type: "object", properties: { name: { type: "string" } }, required: ["name"] };
const date = { type: "string", format: "date-time" };

test("classes nested in properties and arrays, optional ones, and Dates", async () => {
  const OrderSchema = {
    type: "object",
    properties: {
      id: { type: "string" },
      placed: date,
      buyer: { $ref: "#/definitions/Person" },
      lines: { type: "array", items: { type: "object", properties: { product: { type: "string" }, person: { $ref: "#/definitions/Person" } }, required: ["product"] } },
    },
    required: ["id", "placed", "buyer", "lines"],
  };
  const orders = (await run(
    spec({ type: "array", items: { $ref: "#/definitions/Order" } }, {
      value: {
        kind: "array",
        items: {
          kind: "class",
          class: () => Order,
          props: {
            placed: { kind: "date" },
            buyer: { kind: "class", class: () => Person },
            lines: { kind: "array", items: { kind: "object", props: { person: { kind: "class", class: () => Person } } } },
          },
        },
      },
    }, { Order: OrderSchema, Person: PersonSchema }),
    [{ id: "o1", placed: "2024-03-01T10:00:00Z", buyer: { name: "Ada" }, lines: [{ product: "tea" }, { product: "cup", person: { name: "Bao" } }] }],
  )) as Order[];
  const order = orders[0]!;
  expect(order).toBeInstanceOf(Order);
  expect(order.total).toBe(2);
  expect(order.placed).toEqual(new Date("2024-03-01T10:00:00Z"));
  expect(order.buyer).toBeInstanceOf(Person);
  expect(order.buyer.greet()).toBe("Hi Ada");
  expect(order.buyer.constructed).toBeUndefined();
  expect("person" in order.lines[0]!).toBe(false);
  expect(order.lines[1]!.person!.greet()).toBe("Hi Bao");
  expect(Object.keys(order)).toEqual(["id", "placed", "buyer", "lines"]);
});

test("records, tuples and a recursive tree through refs", async () => {
  const NodeSchema = { type: "object", properties: { label: { type: "string" }, children: { type: "array", items: { $ref: "#/definitions/TreeNode" } } }, required: ["label", "children"] };
  const result = (await run(
    spec(
      {
        type: "object",
        properties: {
          byName: { type: "object", additionalProperties: { $ref: "#/definitions/Person" } },
          pair: { type: "array", items: [{ type: "number" }, date], minItems: 2, maxItems: 2 },
          tree: { $ref: "#/definitions/TreeNode" },
        },
        required: ["byName", "pair", "tree"],
      },
      {
        value: {
          kind: "object",
          props: {
            byName: { kind: "record", values: { kind: "class", class: () => Person } },
            pair: { kind: "tuple", items: [null, { kind: "date" }] },
            tree: { kind: "ref", name: "TreeNode" },
          },
        },
        definitions: { TreeNode: { kind: "class", class: () => TreeNode, props: { children: { kind: "array", items: { kind: "ref", name: "TreeNode" } } } } },
      },
      { Person: PersonSchema, TreeNode: NodeSchema },
    ),
    {
      byName: { a: { name: "Ada" }, b: { name: "Bao" } },
      pair: [3, "2020-02-02T00:00:00Z"],
      tree: { label: "root", children: [{ label: "x", children: [{ label: "y", children: [] }] }, { label: "z", children: [] }] },
    },
  )) as { byName: Record<string, Person>; pair: [number, Date]; tree: TreeNode };
  expect(result.byName.b!.greet()).toBe("Hi Bao");
  expect(result.pair).toEqual([3, new Date("2020-02-02T00:00:00Z")]);
  expect(result.tree.size()).toBe(4);
  expect(result.tree.children[0]!.children[0]).toBeInstanceOf(TreeNode);
});

test("a union of classes: each element becomes the member its shape matches", async () => {
  const PetSchema = { type: "object", properties: { kind: { const: "pet" }, name: { type: "string" } }, required: ["kind", "name"] };
  const RobotSchema = { type: "object", properties: { kind: { const: "robot" }, serial: { type: "integer" } }, required: ["kind", "serial"] };
  const things = (await run(
    spec(
      { type: "array", items: { anyOf: [{ $ref: "#/definitions/Pet" }, { $ref: "#/definitions/Robot" }, { type: "null" }] } },
      {
        value: {
          kind: "array",
          items: {
            kind: "union",
            options: [
              { match: { $ref: "#/definitions/Pet" }, revive: { kind: "class", class: () => Pet } },
              { match: { $ref: "#/definitions/Robot" }, revive: { kind: "class", class: () => Robot } },
            ],
          },
        },
      },
      { Pet: PetSchema, Robot: RobotSchema },
    ),
    [{ kind: "robot", serial: 7 }, { kind: "pet", name: "Rex" }, null],
  )) as unknown[];
  expect(things[0]).toBeInstanceOf(Robot);
  expect(things[1]).toBeInstanceOf(Pet);
  expect(things[2]).toBeNull();
});

test("a field named like a prototype getter becomes an own property instead of throwing", async () => {
  class WithGetter {
    get label(): string {
      return "from getter";
    }
  }
  const value = (await run(
    spec({ type: "object", properties: { label: { type: "string" } } }, { value: { kind: "class", class: () => WithGetter } }),
    { label: "from model" },
  )) as WithGetter;
  expect(value).toBeInstanceOf(WithGetter);
  expect(value.label).toBe("from model");
});

test("a `__proto__` key in a reply is refused and repaired, never an own property of the result", async () => {
  const model = scriptedModel(['{"value": {"name": "Rex", "__proto__": {"evil": true}}}', { value: { name: "Rex" } }]);
  configure({ model });
  try {
    const value = (await invoke(
      spec({ type: "object", properties: { name: { type: "string" } } }, { value: { kind: "class", class: () => Pet } }),
      undefined,
      [],
    )) as Pet & { evil?: boolean };
    expect(value).toBeInstanceOf(Pet);
    expect(Object.getPrototypeOf(value)).toBe(Pet.prototype);
    expect(Object.getOwnPropertyNames(value)).toEqual(["name"]);
    expect(model.requests[1]!.messages.at(-1)!.content).toContain('value: the key "__proto__" is not allowed');
  } finally {
    configure({ model: undefined });
  }
});
