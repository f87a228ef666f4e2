/**
 * The real analyser through the whole transformer and the real runtime: the seed's customer
 * database compiled in memory, run against a scripted model that answers from what each
 * request carries. Fails when a spec the analyser produces is wrong for emit or the runtime.
 */
import { compile } from "../../helpers/compile";
import { configure, scriptedModel, type CompletionRequest } from "../../../runtime";

const SOURCE = `
import { llmStrategy, stub, type LanguageModel } from "llm-strategy";

/** A customer of ours. */
export class Customer {
  key = "";
  firstName = "";
  lastName = "";
  /** Date of birth, ISO 8601 (YYYY-MM-DD). */
  birthdate = "";
  address = "";
  /** Return the current age of the customer, from \`birthdate\` and the current year (2022). */
  get age(): Promise<number> { return stub(); }
}

export class CustomerDatabase {
  constructor(public customers: Customer[] = []) {}
  /**
   * Find the keys of the customers that match a natural language query best.
   * @param query Natural language query
   */
  findCustomerKey(query: string): Promise<string[]> { return stub(); }
}

export class MockCustomerDatabase extends CustomerDatabase {
  async load() { this.customers = await MockCustomerDatabase.createMockCustomers(3); }
  /** Create mock customers with believable data (our customers are world citizens). */
  static createMockCustomers(numCustomers = 1): Promise<Customer[]> { return stub(); }
}

/** A dated event. */
export interface Event { title: string; at: Date; }
/** Plan events. */
export function plan(model: LanguageModel, topic: string): Promise<Event[]> { return stub(); }
`;

const CUSTOMERS = [
  { key: "c1", firstName: "Aiko", lastName: "Tanaka", birthdate: "1990-04-12", address: "3-1 Shibuya, Tokyo, Japan" },
  { key: "c2", firstName: "Lucas", lastName: "Silva", birthdate: "1985-09-30", address: "Rua Augusta 500, São Paulo, Brazil" },
  { key: "c3", firstName: "Amara", lastName: "Okafor", birthdate: "1978-01-05", address: "12 Allen Ave, Lagos, Nigeria" },
];

/** Answers each stub from the request's inputs, as a model following the prompt would. */
function answer(request: CompletionRequest): object {
  const input = request.input as { this?: { birthdate?: string; customers?: typeof CUSTOMERS }; numCustomers?: number; query?: string };
  switch (request.spec.id.replace(/^.* /, "")) {
    case "MockCustomerDatabase.createMockCustomers":
      return { value: CUSTOMERS.slice(0, input.numCustomers) };
    case "Customer.age":
      return { value: 2022 - Number(input.this!.birthdate!.slice(0, 4)) };
    case "CustomerDatabase.findCustomerKey": {
      const year = /\d{4}/.exec(input.query!)![0];
      return { value: input.this!.customers!.filter((c) => c.birthdate.startsWith(year)).map((c) => c.key) };
    }
    default:
      throw new Error(`unexpected stub ${request.spec.id}`);
  }
}

const result = compile({ files: { "src/customer.ts": SOURCE } });

test("compiles without diagnostics", () => {
  expect(result.compilerErrors).toEqual([]);
  expect(result.diagnostics).toEqual([]);
});

test("the customer database flow: mock customers are Customer instances whose age and search run their own stubs", async () => {
  const model = scriptedModel(answer);
  configure({ model });
  const { MockCustomerDatabase, Customer } = result.load<{ MockCustomerDatabase: new () => { load(): Promise<void>; customers: object[]; findCustomerKey(q: string): Promise<string[]> }; Customer: new () => object }>(
    "src/customer.ts",
  );
  const db = new MockCustomerDatabase();
  await db.load();
  expect(db.customers).toHaveLength(3);
  expect(db.customers[0]).toBeInstanceOf(Customer);
  expect(await (db.customers[0] as { age: Promise<number> }).age).toBe(32);
  expect(await db.findCustomerKey("the customer that was born in 1985")).toEqual(["c2"]);

  // What the model was shown: the analysed template with the inputs filled in.
  const [create, age, find] = model.requests;
  expect(create!.messages[0]!.content).toBe(
    [
      "Create mock customers with believable data (our customers are world citizens).",
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
      "static createMockCustomers(numCustomers?: number): Customer[]",
      "",
      'Input: {"numCustomers":3}',
      "Reply with JSON of type { value: Customer[] }",
    ].join("\n"),
  );
  expect(age!.input).toEqual({ this: CUSTOMERS[0] });
  expect(find!.input).toEqual({ this: { customers: CUSTOMERS }, query: "the customer that was born in 1985" });
});

test("an explicit model parameter is not sent; Dates in the reply are revived", async () => {
  const model = scriptedModel([{ value: [{ title: "Launch", at: "2024-05-01T10:00:00.000Z" }] }]);
  const { plan } = result.load<{ plan(model: unknown, topic: string): Promise<{ title: string; at: Date }[]> }>("src/customer.ts");
  const events = await plan(model, "rockets");
  expect(events[0]!.at).toBeInstanceOf(Date);
  expect(events[0]!.at.toISOString()).toBe("2024-05-01T10:00:00.000Z");
  expect(model.requests[0]!.input).toEqual({ topic: "rockets" });
});

test("an invalid reply is repaired with errors from the analysed schema", async () => {
  const model = scriptedModel([{ value: [{ title: "Launch", at: "tomorrow" }] }, { value: [{ title: "Launch", at: "2024-05-01T10:00:00.000Z" }] }]);
  const { plan } = result.load<{ plan(model: unknown, topic: string): Promise<{ title: string; at: Date }[]> }>("src/customer.ts");
  await plan(model, "rockets");
  expect(model.requests).toHaveLength(2);
  expect(model.requests[1]!.messages.at(-1)!.content).toContain("date-time");
});
