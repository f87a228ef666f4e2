import { EmittedNames } from "../../transformer/emitted-names";
import { isEmptyPlan, type FilePlan } from "../../transformer/plan";

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
