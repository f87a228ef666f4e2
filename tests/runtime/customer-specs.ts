/**
 * Hand-written stand-ins for what the transformer emits for the seed's customer example:
 * module-scope specs (typed against the contract) and classes whose stub bodies call
 * `invoke` as compiled code does. Shared by the runtime tests and the runtime benchmark.
 */
import { invoke, SPEC_VERSION, type CallSpec, type JsonSchema } from "../../runtime";
import { replyJson, type ReceivedRequest, type Reply } from "../helpers/openai-server";

export const CustomerSchema: JsonSchema = {
  type: "object",
  description: "A customer of the shop.",
  properties: {
    key: { type: "string", description: "Unique key" },
    firstName: { type: "string" },
    lastName: { type: "string" },
    birthdate: { type: "string", description: "YYYY-MM-DD" },
    address: { type: "string" },
    nickname: { type: "string" },
  },
  required: ["key", "firstName", "lastName", "birthdate", "address"],
  additionalProperties: false,
};

const customerFields = ["key", "firstName", "lastName", "birthdate", "address"];

/** The compact TypeScript-like declaration the transformer renders into prompts. */
const customerDeclaration =
  "/** A customer of the shop. */\ninterface Customer {\n  key: string; // Unique key\n  firstName: string;\n  lastName: string;\n" +
  "  birthdate: string; // YYYY-MM-DD\n  address: string;\n  nickname?: string;\n}";

export const customerAgeSpec: CallSpec = {
  version: SPEC_VERSION,
  id: "src/customer.ts:8 Customer.age",
  kind: "getter",
  template:
    "Return the current age of the customer, from `birthdate` and the current year (2022).\n\n" +
    `${customerDeclaration}\n\nget age(this: Customer): number\n\nInput: {{input}}\nReply with JSON of type { value: number }`,
  outputTypes: "",
  params: [],
  thisFields: customerFields,
  input: { type: "object", properties: { this: { $ref: "#/definitions/Customer" } }, required: ["this"] },
  output: { type: "integer", minimum: 0 },
  wrapper: "value",
  definitions: { Customer: CustomerSchema },
  hash: "age0000000000001",
};

export const createMockCustomersSpec: CallSpec = {
  version: SPEC_VERSION,
  id: "src/customer.ts:30 MockCustomerDatabase.createMockCustomers",
  kind: "static",
  template:
    "Create mock customers with believable data (our customers are world citizens).\n\n" +
    "{{outputTypes}}\nstatic createMockCustomers(numCustomers?: number): Customer[]\n\n" +
    "Input: {{input}}\nReply with JSON of type { value: Customer[] }",
  outputTypes: `${customerDeclaration}\n`,
  params: [{ name: "numCustomers", role: "input" }],
  input: { type: "object", properties: { numCustomers: { type: "number" } } },
  output: { type: "array", items: { $ref: "#/definitions/Customer" } },
  wrapper: "value",
  definitions: { Customer: CustomerSchema },
  revive: { value: { kind: "array", items: { kind: "class", class: () => Customer } } },
  hash: "mock000000000001",
};

export const findCustomerKeySpec: CallSpec = {
  version: SPEC_VERSION,
  id: "src/customer.ts:20 CustomerDatabase.findCustomerKey",
  kind: "method",
  template:
    "Find the keys of the customers that match a natural language query best (sorted by closeness to the match). " +
    'Semantic queries such as "the customer that was born in 1990" are supported.\n\n' +
    `${customerDeclaration}\n\n` +
    "findCustomerKey(\n  this: { customers: Customer[] },\n  /** Natural language query */\n  query: string,\n): string[]\n\n" +
    "Input: {{input}}\nReply with JSON of type { value: string[] }",
  outputTypes: "",
  params: [{ name: "query", role: "input" }],
  thisFields: ["customers"],
  input: {
    type: "object",
    properties: { this: { type: "object", properties: { customers: { type: "array", items: { $ref: "#/definitions/Customer" } } } }, query: { type: "string" } },
  },
  output: { type: "array", items: { type: "string" } },
  wrapper: "value",
  definitions: { Customer: CustomerSchema },
  hash: "find000000000001",
};

export class Customer {
  key = "";
  firstName = "";
  lastName = "";
  birthdate = "";
  address = "";
  nickname?: string;
  get age(): Promise<number> {
    return invoke(customerAgeSpec, this, []);
  }
  get fullName(): string {
    return `${this.firstName} ${this.lastName}`;
  }
}

export class CustomerDatabase {
  constructor(public customers: Customer[] = []) {}
  findCustomerKey(query: string): Promise<string[]> {
    return invoke(findCustomerKeySpec, this, [query]);
  }
}

export class MockCustomerDatabase extends CustomerDatabase {
  async load(): Promise<void> {
    this.customers = await MockCustomerDatabase.createMockCustomers(3);
  }
  static createMockCustomers(numCustomers = 1): Promise<Customer[]> {
    return invoke(createMockCustomersSpec, this, [numCustomers]);
  }
}

/** A believable customer as a model would make it. */
export function customerJson(index: number, birthYear = 1980 + index): Record<string, string> {
  return {
    key: `c${index}`,
    firstName: ["Ada", "Bao", "Chidi", "Dara", "Emil"][index % 5]!,
    lastName: ["Okafor", "Lindqvist", "Tanaka", "Moreau", "Silva"][index % 5]!,
    birthdate: `${birthYear}-0${(index % 9) + 1}-15`,
    address: `${index + 1} Harbour Road, Lisbon`,
  };
}

/** The `{{input}}` JSON of a rendered prompt (the template puts it after "Input: "). */
export function inputOf(prompt: string): Record<string, unknown> {
  const line = prompt.split("\n").find((text) => text.startsWith("Input: "));
  if (!line) throw new Error(`no "Input: " line in the prompt:\n${prompt}`);
  return JSON.parse(line.slice("Input: ".length)) as Record<string, unknown>;
}

/**
 * A "model" for the local server that does the customer example's tasks from what the prompt
 * carries (the inputs JSON after "Input: "), in whatever mode the request asks for.
 */
export function customerModel(request: ReceivedRequest): Reply {
  const prompt = request.body.messages[0]!.content;
  const input = inputOf(prompt) as { this?: { birthdate?: string; customers?: { key: string; birthdate: string }[] }; numCustomers?: number; query?: string };
  if (prompt.startsWith("Create mock customers")) {
    // Strict structured output must send every property; null stands for an absent optional one.
    const strictWithNickname = request.body.response_format?.json_schema?.strict && JSON.stringify(request.body.response_format).includes('"nickname"');
    const customers = Array.from({ length: input.numCustomers ?? 1 }, (_, index) => ({
      ...customerJson(index),
      ...(strictWithNickname ? { nickname: null } : {}),
    }));
    return replyJson(request, { value: customers });
  }
  if (prompt.startsWith("Return the current age")) return replyJson(request, { value: 2022 - Number(input.this!.birthdate!.slice(0, 4)) });
  if (prompt.startsWith("Find the keys")) {
    const year = /born in (\d{4})/.exec(input.query ?? "")?.[1];
    return replyJson(request, { value: input.this!.customers!.filter((customer) => customer.birthdate.startsWith(year ?? "none")).map((customer) => customer.key) });
  }
  return { status: 400, body: { error: { message: `unknown prompt: ${prompt.slice(0, 40)}` } } };
}
