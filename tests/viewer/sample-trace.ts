import {
  cached,
  chatChain,
  hyperparameter,
  TraceRecorder,
  traced,
  withCallOptions,
  withHyperparameters,
  type CompletionRequest,
  type TraceJson,
  type TraceOptions,
} from "../../runtime";
import { Customer, customerJson, MockCustomerDatabase } from "../runtime/customer-specs";
import { completionModel, usage } from "../tracing/helpers";

const patience = hyperparameter("viewer-sample.patience", 2, { description: "How many ages to ask for at once" });

/**
 * A real trace of a small run through the runtime, with what the viewer must show: nested
 * traced functions, a repaired reply (fenced, then missing fields), concurrent stub calls under
 * hyperparameters, a cache hit, a chat chain, and a failed call.
 */
export async function sampleTrace(options: TraceOptions = { name: "customers" }): Promise<TraceJson> {
  let customersAsked = 0;
  const model = completionModel(
    (request: CompletionRequest) => {
      // The first user message is the prompt (repair requests come after it).
      const prompt = request.messages.find((message) => message.role === "user")!.content;
      if (request.spec.id.endsWith("createMockCustomers")) {
        // First a reply missing fields, then the full customers once told.
        if (customersAsked++ === 0) return { text: '```json\n{"value": [{"key": "c0", "firstName": "Ada"}]}\n```', usage: usage(412, 30), mode: "json" };
        return { text: JSON.stringify({ value: [0, 1, 2].map((index) => customerJson(index)) }), usage: usage(505, 160), mode: "json" };
      }
      if (request.spec.id.endsWith("Customer.age")) {
        const birthdate = /"birthdate":"(\d{4})/.exec(prompt)![1]!;
        // Emil (c4) gets an age the schema refuses, every time.
        if (prompt.includes('"key":"c4"')) return { text: '{"value": -1}', usage: usage(300, 5), mode: "json" };
        return { text: JSON.stringify({ value: 2022 - Number(birthdate) }), usage: usage(298, 6), mode: "json" };
      }
      return { text: '{"value": "Lisbon: the customers live there."}', usage: usage(120, 12), mode: "json" };
    },
    { id: "openai:gpt-4o-mini", model: "gpt-4o-mini" },
  );
  const ages = cached(model);
  const recorder = new TraceRecorder(options);
  const load = traced("load customers", () => MockCustomerDatabase.createMockCustomers(3));
  const ageAll = traced("ages", (customers: Customer[]) =>
    withHyperparameters({ "viewer-sample.patience": 3 }, () => Promise.all(customers.slice(0, patience.value).map((customer) => customer.age))),
  );
  const run = traced("customer run", () =>
    withCallOptions({ model }, async () => {
      const customers = await load();
      await withCallOptions({ model: ages }, async () => {
        await ageAll(customers);
        // Asked again: answered from the cache.
        await customers[0]!.age;
      });
      await chatChain(model, { system: "You know our customers." }).query("Where do most customers live?");
      const failing = traced("emil", () => Object.assign(new Customer(), customerJson(4)).age);
      await withCallOptions({ maxRepairs: 1 }, failing).catch(() => undefined);
    }),
  );
  await recorder.run(run);
  return recorder.toJSON();
}
