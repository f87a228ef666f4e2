/**
 * The seed's customer flow as the provider tests run it: the customer example compiled by the
 * real transformer (without decorators, so the model comes from `withCallOptions`), then create
 * customers, ask each one's age, and search in natural language, checking every answer.
 */
import { withCallOptions, type CallInfo, type LanguageModel } from "../../runtime";
import { compile } from "./compile";
import { customerExampleSource } from "./customer-example";

export interface CustomerDatabaseClass {
  new (): { customers: { key: string; birthdate: string; age: Promise<number> }[]; load(): Promise<void>; findCustomerKey(query: string): Promise<string[]> };
  createMockCustomers(count: number): Promise<{ key: string; birthdate: string }[]>;
}

/** `MockCustomerDatabase` of the compiled example, whose `load()` creates `customers` customers. */
export function compiledCustomerDatabase(project: string, customers: number): CustomerDatabaseClass {
  return compile({ files: { "src/customer.ts": customerExampleSource({ customers }) }, project }).load<{ MockCustomerDatabase: CustomerDatabaseClass }>("src/customer.ts").MockCustomerDatabase;
}

/** Runs the flow with `model`; every answer is checked. Returns the calls' info, in the order they finished. */
export async function customerFlow(Database: CustomerDatabaseClass, model: LanguageModel): Promise<CallInfo[]> {
  const calls: CallInfo[] = [];
  await withCallOptions({ model, onCall: (info) => calls.push(info) }, async () => {
    const database = new Database();
    await database.load();
    const ages = await Promise.all(database.customers.map((customer) => customer.age));
    expect(ages).toEqual(database.customers.map((customer) => 2022 - Number(customer.birthdate.slice(0, 4))));
    const born1981 = database.customers.filter((customer) => customer.birthdate.startsWith("1981")).map((customer) => customer.key);
    expect(born1981).toHaveLength(1);
    await expect(database.findCustomerKey("the customer that was born in 1981")).resolves.toEqual(born1981);
  });
  return calls;
}
