/**
 * Same source, same bytes: analysing twice, in another root order, or with an unrelated file
 * added gives identical specs, names and hashes; a file disambiguates its own name collisions.
 */
import * as ts from "typescript";
import { createAnalyser } from "../../../transformer/analyse";
import type { Analyser } from "../../../transformer/analyse/types";
import { createTestProgram, ok, PROJECT_DIR, type TestProgram } from "./program";
import { findStubs } from "./stub-walker";

const SHOP = `
import { stub } from "llm-strategy";
import type { Customer as CrmCustomer } from "./crm";

/** A customer of the shop. */
export class Customer {
  name = "";
  /** When they joined. */
  since = new Date();
}
export interface Basket { owner: Customer; items: string[]; }

export class Shop {
  customers: Customer[] = [];
  /** Fill a basket for someone. */
  fill(owner: Customer): Promise<Basket> { return stub(); }
  /** Match a shop customer to the CRM's record of them. */
  match(crm: CrmCustomer): Promise<Customer> { return stub(); }
}
`;

const CRM = `
import { stub } from "llm-strategy";

/** A customer as the CRM knows them. */
export interface Customer { id: number; email: string; }

/** Find a CRM customer by email. */
export function lookUp(email: string): Promise<Customer> { return stub(); }
`;

const UNRELATED = `
import { stub } from "llm-strategy";
/** Unrelated types that come first in the Program. */
export interface Customer { loyalty: number; }
export interface Basket { total: number; }
/** Something else. */
export function other(basket: Basket): Promise<Customer> { return stub(); }
`;

/** Every spec of a file plus its definitions, as bytes (class declarations by name). */
function snapshot(test: TestProgram, fileName: string): { bytes: string; analyser: Analyser } {
  const source = test.file(fileName);
  const analyser = createAnalyser({ ts, program: test.program, projectDir: PROJECT_DIR, warnings: false });
  const specs = findStubs(source, PROJECT_DIR).map((site) => ok(analyser.analyseDeclaration(site)));
  const bytes = JSON.stringify({ specs, definitions: [...analyser.definitions] }, (key, value: unknown) =>
    key === "declaration" ? `class ${(value as ts.ClassDeclaration).name?.text}` : value,
  );
  return { bytes, analyser };
}

const first = createTestProgram({ "shop.ts": SHOP, "crm.ts": CRM });
const firstShop = snapshot(first, "shop.ts");

test("one file using two types of the same name gets two stable names", () => {
  expect([...firstShop.analyser.definitions.keys()]).toEqual(["Customer", "Shop", "Basket", "Customer_2"]);
  const crm = firstShop.analyser.definitions.get("Customer_2")!;
  expect(crm.description).toBe("A customer as the CRM knows them.");
  expect(firstShop.analyser.definitions.get("Customer")!.description).toBe("A customer of the shop.");
});

test("the other file names its own Customer without a suffix", () => {
  expect([...snapshot(first, "crm.ts").analyser.definitions.keys()]).toEqual(["Customer"]);
});

test("analysing the same file again gives the same bytes", () => {
  expect(snapshot(first, "shop.ts").bytes).toBe(firstShop.bytes);
});

test("another Program, roots in another order, with an unrelated file declaring the same names: same bytes", () => {
  const second = createTestProgram({ "shop.ts": SHOP, "crm.ts": CRM, "unrelated.ts": UNRELATED }, ["unrelated.ts", "crm.ts", "shop.ts"]);
  // The unrelated file is analysed first, so its types get their ids and names first.
  expect([...snapshot(second, "unrelated.ts").analyser.definitions.keys()]).toEqual(["Basket", "Customer"]);
  expect(snapshot(second, "shop.ts").bytes).toBe(firstShop.bytes);
  expect(snapshot(second, "crm.ts").bytes).toBe(snapshot(first, "crm.ts").bytes);
});

test("the bytes hold what makes a spec: hashes, names and revival of both classes", () => {
  const { specs } = JSON.parse(firstShop.bytes) as { specs: { hash: string; revive?: unknown; definitionNames: string[] }[] };
  expect(specs.map((s) => s.definitionNames)).toEqual([
    ["Shop", "Customer", "Basket"],
    ["Shop", "Customer", "Customer_2"],
  ]);
  expect(specs[0]!.revive).toEqual({
    value: { kind: "object", props: { owner: { kind: "class", class: { declaration: "class Customer" }, props: { since: { kind: "date" } } } } },
  });
  expect(specs[0]!.hash).not.toBe(specs[1]!.hash);
});
