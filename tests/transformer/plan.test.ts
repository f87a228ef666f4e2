import { EmittedNames, isEmptyPlan, type FilePlan } from "../../transformer/plan";

const emptyPlan = (): FilePlan => ({ names: EmittedNames.create(), definitions: new Map(), specs: [], interfaces: [], helperTables: [], rewrites: [] });

// The bundler plugins hand a file to the transformer only when its plan is not empty, and emit
// writes a plan only when it is not: one test, so the two cannot disagree on a field again.
test("a plan is empty only when it adds and replaces nothing; helper tables alone are work", () => {
  expect(isEmptyPlan(emptyPlan())).toBe(true);
  const withTable = emptyPlan();
  withTable.helperTables.push({ constName: "__llmStrategyHelper_optimise", id: "src/loop.ts#optimise", typeArguments: "<A>", calls: [] });
  expect(isEmptyPlan(withTable)).toBe(false);
  const withDefinitionOnly = emptyPlan();
  withDefinitionOnly.definitions.set("Customer", { type: "object" });
  // Definitions are written only for the specs that use them, so without specs there is nothing to write.
  expect(isEmptyPlan(withDefinitionOnly)).toBe(true);
});

test("emitted names: prefixed by kind, what an identifier cannot hold replaced, numbered on a repeat; a copy takes further names without changing the original", () => {
  const names = EmittedNames.create();
  expect(names.take("Spec", 'Odd.["ask:3 me"]')).toBe("__llmStrategySpec_Odd___ask_3_me__");
  expect(names.take("Spec", "Customer.age")).toBe("__llmStrategySpec_Customer_age");
  // `Customer-age` sanitises to the same name as `Customer.age`.
  expect(names.take("Spec", "Customer-age")).toBe("__llmStrategySpec_Customer_age_2");
  expect(names.take("", "customer")).toBe("__llmStrategy_customer");
  const copy = names.copy();
  expect(copy.take("Def", "Customer")).toBe("__llmStrategyDef_Customer");
  expect(copy.take("Spec", "Customer.age")).toBe("__llmStrategySpec_Customer_age_3");
  // Emitting again from another copy writes the same names.
  expect(names.copy().take("Def", "Customer")).toBe("__llmStrategyDef_Customer");
});
