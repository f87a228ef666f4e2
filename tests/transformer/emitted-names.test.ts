import { EmittedNames, UniqueNames } from "../../transformer/emitted-names";

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

test("unique names within one scope: a helper's table keys, numbered on a repeat", () => {
  const keys = new UniqueNames();
  expect([keys.take("reflect"), keys.take("reflect"), keys.take("reflect_2"), keys.take("summarise")]).toEqual(["reflect", "reflect_2", "reflect_2_2", "summarise"]);
});
