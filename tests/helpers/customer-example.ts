/**
 * The customer example (the seed's customer database) as source text, for the tests that
 * compile it with the transformer and run it against a model.
 */
export interface CustomerExampleOptions {
  /** `Customer.age`'s doc text (tests change it to make a recording stale). */
  ageDoc?: string;
  /**
   * A TypeScript expression for the `mode` of the `openAI()` models bound with `@llmStrategy`
   * (e.g. `process.env.CUSTOMER_MODE as OpenAIMode | undefined`). Absent: no decorators, so the
   * model comes from `configure` or `withCallOptions`.
   */
  mode?: string;
  /** How many customers `load()` creates. Default 4. */
  customers?: number;
}

export const AGE_DOC = "Return the current age of the customer, from `birthdate` and the current year (2022).";

export function customerExampleSource({ ageDoc = AGE_DOC, mode, customers = 4 }: CustomerExampleOptions = {}): string {
  const decorate = (maxTokens: number) => (mode === undefined ? "" : `@llmStrategy(openAI({ maxTokens: ${maxTokens}, mode }))\n`);
  const imports = mode === undefined ? `import { stub } from "llm-strategy";` : `import { llmStrategy, openAI, stub, type OpenAIMode } from "llm-strategy";\n\nconst mode = ${mode};`;
  return `${imports}

${decorate(256)}export class Customer {
  key = ""; firstName = ""; lastName = ""; birthdate = ""; address = "";
  /** ${ageDoc} */
  get age(): Promise<number> { return stub(); }
}

export class CustomerDatabase {
  constructor(public customers: Customer[] = []) {}
  /**
   * Find the keys of the customers that match a natural language query best
   * (sorted by closeness to the match). Semantic queries such as
   * "the customer that was born in 1990" are supported.
   * @param query Natural language query
   */
  findCustomerKey(query: string): Promise<string[]> { return stub(); }
}

${decorate(1024)}export class MockCustomerDatabase extends CustomerDatabase {
  async load() { this.customers = await MockCustomerDatabase.createMockCustomers(${customers}); }
  /** Create mock customers with believable data (our customers are world citizens). */
  static createMockCustomers(numCustomers = 1): Promise<Customer[]> { return stub(); }
}
`;
}
