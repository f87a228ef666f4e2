import { llmStrategy, stub, openAI } from "llm-strategy";

@llmStrategy(openAI({ maxTokens: 256 }))
export class Customer {
  key = ""; firstName = ""; lastName = ""; birthdate = ""; address = "";
  /** Return the current age of the customer, from `birthdate` and the current year (2022). */
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

@llmStrategy(openAI({ maxTokens: 1024 }))
export class MockCustomerDatabase extends CustomerDatabase {
  async load() { this.customers = await MockCustomerDatabase.createMockCustomers(10); }
  /** Create mock customers with believable data (our customers are world citizens). */
  static createMockCustomers(numCustomers = 1): Promise<Customer[]> { return stub(); }
}
