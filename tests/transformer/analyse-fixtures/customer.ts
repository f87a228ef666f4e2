/**
 * The seed's customer database as the README declares it, with the same JSDoc as the TypeChat,
 * raw-openai and Python requests whose token counts `bench/prompts.ts` compares against. Used by
 * the analysis tests and by `bench/prompts.ts`; never run.
 */
import { stub } from "../../../runtime";

/** A customer of ours. */
export class Customer {
  key = "";
  firstName = "";
  lastName = "";
  /** Date of birth, ISO 8601 (YYYY-MM-DD). */
  birthdate = "";
  address = "";
  /** Return the current age of the customer, from `birthdate` and the current year (2022). */
  get age(): Promise<number> {
    return stub();
  }
}

export class CustomerDatabase {
  constructor(public customers: Customer[] = []) {}
  /**
   * Find the keys of the customers that match a natural language query best
   * (sorted by closeness to the match). Semantic queries such as
   * "the customer that was born in 1990" are supported.
   * @param query Natural language query
   */
  findCustomerKey(query: string): Promise<string[]> {
    return stub();
  }
}

export class MockCustomerDatabase extends CustomerDatabase {
  async load(): Promise<void> {
    this.customers = await MockCustomerDatabase.createMockCustomers(10);
  }
  /** Create mock customers with believable data (our customers are world citizens). */
  static createMockCustomers(numCustomers = 1): Promise<Customer[]> {
    return stub();
  }
}

/** Add two numbers. */
export function add(a: number, b: number): Promise<number> {
  return stub();
}
