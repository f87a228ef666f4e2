/**
 * Writes the projects `bench/build.ts` compiles: `stubs` stubs over nested, generic and shared
 * types (with JSDoc, and call sites of generic stubs), plus a few hundred ordinary declarations;
 * or one stub over a chain of `depth` nested types.
 */
import * as fs from "node:fs";
import * as path from "node:path";

/** Ordinary (non-stub) declarations in every project. */
export const ORDINARY_DECLARATIONS = 300;
const STUBS_PER_FILE = 25;
const ORDINARY_PER_FILE = 30;

export interface GeneratedProject {
  dir: string;
  stubs: number;
}

const SHARED_TYPES = `/** A postal address. */
export interface Address {
  /** Street and number. */
  street: string;
  city: string;
  /** ISO 3166 country code. */
  country: string;
}

/** One order line. */
export class Order {
  /** What was ordered. */
  item = "";
  /** How many, at least 1. */
  quantity = 1;
  placedAt = new Date(0);
}

/** A customer with nested data. */
export class Customer {
  key = "";
  name = "";
  address: Address = { street: "", city: "", country: "" };
  orders: Order[] = [];
  tags: string[] = [];
  /** Loyalty tier. */
  tier: "bronze" | "silver" | "gold" = "bronze";
}

/** One page of results. */
export interface Page<T> {
  items: T[];
  total: number;
  next?: string;
}

export interface Pair<A, B> {
  first: A;
  second: B;
}
`;

function stubFile(fileIndex: number, count: number): string {
  const lines = [
    `import { stub } from "llm-strategy";`,
    `import { Customer, Order, type Address, type Page, type Pair } from "./types";`,
    ``,
    `/** Generated service ${fileIndex}. */`,
    `export class Service${fileIndex} {`,
    `  region = "eu";`,
    `  customers: Customer[] = [];`,
  ];
  const functions: string[] = [];
  for (let i = 0; i < count; i++) {
    const n = `${fileIndex}_${i}`;
    switch (i % 5) {
      case 0:
        lines.push(`  /**`, `   * Create believable customers for test ${n}.`, `   * @param count How many, at most 20.`, `   */`);
        lines.push(`  static createCustomers${i}(count = 3): Promise<Customer[]> { return stub(); }`);
        break;
      case 1:
        lines.push(`  /** Find the customers of page ${n} that match a query. */`);
        lines.push(`  findPage${i}(query: string, page: Page<Customer>): Promise<Page<Customer>> { return stub(); }`);
        break;
      case 2:
        lines.push(`  /** Total quantity of the orders, variant ${n}. */`);
        lines.push(`  get total${i}(): Promise<number> { return stub(); }`);
        break;
      case 3:
        lines.push(`  /** Pair an order with a shipping address, variant ${n}. */`);
        lines.push(`  ship${i}(order: Order, candidates: Address[]): Promise<Pair<Order, Address>> { return stub(); }`);
        break;
      case 4:
        functions.push(
          `/** Pick the best item for a goal, variant ${n}. */`,
          `export function pick${n}<T>(items: T[], goal: string): Promise<T> { return stub(); }`,
          `export const usePick${n} = (customers: Customer[], orders: Order[]) => [pick${n}<Customer>(customers, "loyal"), pick${n}<Order>(orders, "big")];`,
        );
        break;
    }
  }
  lines.push(`}`, ``, ...functions, ``);
  return lines.join("\n");
}

function ordinaryFile(fileIndex: number, count: number): string {
  const lines = [`import type { Customer, Page } from "./types";`, ``];
  for (let i = 0; i < count; i++) {
    const n = `${fileIndex}_${i}`;
    switch (i % 3) {
      case 0:
        lines.push(`export interface Record${n} { id: number; label: string; values: number[]; owner?: Customer }`);
        break;
      case 1:
        lines.push(
          `export function summarise${n}(page: Page<Customer>, limit = 10): string {`,
          `  const names = page.items.slice(0, limit).map((customer) => customer.name.trim());`,
          `  return names.length > 0 ? names.join(", ") + " (" + page.total + ")" : "none";`,
          `}`,
        );
        break;
      case 2:
        lines.push(
          `export class Counter${n} {`,
          `  private counts = new Map<string, number>();`,
          `  add(key: string, by = 1): number { const next = (this.counts.get(key) ?? 0) + by; this.counts.set(key, next); return next; }`,
          `  get size(): number { return this.counts.size; }`,
          `}`,
        );
        break;
    }
  }
  return lines.join("\n") + "\n";
}

function deepChainFile(depth: number): string {
  const lines = [`import { stub } from "llm-strategy";`, ``];
  for (let level = 0; level < depth; level++) {
    const next = level + 1 < depth ? `\n  /** The next level down. */\n  next?: Level${level + 1};` : "";
    lines.push(`/** Level ${level} of the chain. */`, `export interface Level${level} {`, `  /** Label of level ${level}. */`, `  label: string;${next}`, `}`);
  }
  lines.push(``, `/** Walk the whole chain and describe each level. */`, `export function explore(start: string): Promise<Level0> { return stub(); }`, ``);
  return lines.join("\n");
}

function writeConfigs(dir: string): void {
  const compilerOptions = {
    target: "es2022",
    module: "commonjs",
    moduleResolution: "node10",
    lib: ["es2022"],
    types: [],
    strict: true,
    skipLibCheck: true,
    rootDir: "src",
  };
  const write = (name: string, options: object) => fs.writeFileSync(path.join(dir, name), JSON.stringify({ compilerOptions: { ...compilerOptions, ...options }, include: ["src"] }, null, 2));
  write("tsconfig.plain.json", { outDir: "dist-plain" });
  write("tsconfig.json", { outDir: "dist-plugin", plugins: [{ transform: "llm-strategy/transformer" }] });
}

/** A project with `stubs` stubs (every fifth one generic, with two call sites) and the ordinary declarations. */
export function generateProject(parent: string, stubs: number): GeneratedProject {
  const dir = path.join(parent, `stubs-${stubs}`);
  fs.mkdirSync(path.join(dir, "src"), { recursive: true });
  fs.writeFileSync(path.join(dir, "src", "types.ts"), SHARED_TYPES);
  for (let file = 0, written = 0; written < stubs; file++, written += STUBS_PER_FILE) {
    fs.writeFileSync(path.join(dir, "src", `service-${file}.ts`), stubFile(file, Math.min(STUBS_PER_FILE, stubs - written)));
  }
  for (let file = 0, written = 0; written < ORDINARY_DECLARATIONS; file++, written += ORDINARY_PER_FILE) {
    fs.writeFileSync(path.join(dir, "src", `ordinary-${file}.ts`), ordinaryFile(file, Math.min(ORDINARY_PER_FILE, ORDINARY_DECLARATIONS - written)));
  }
  writeConfigs(dir);
  return { dir, stubs };
}

/**
 * Generic helpers over the shared types: `rank<T>` calls the generic stubs `choose`/`explain`
 * with its own type parameter, `rankTwice<T>` calls `rank<T>` (two levels), the method
 * `Ranker<T>.best` calls them through `this`.
 */
const HELPERS = `import { stub } from "llm-strategy";
/** Choose the best item for a goal. */
export function choose<T>(items: T[], goal: string): Promise<T> { return stub(); }
/** Explain why an item fits a goal. */
export function explain<T>(item: T, goal: string): Promise<string> { return stub(); }
export async function rank<T>(items: T[], goal: string): Promise<{ best: T; why: string }> {
  const best = await choose<T>(items, goal);
  return { best, why: await explain(best, goal) };
}
export async function rankTwice<T>(items: T[], goals: [string, string]): Promise<T> {
  const first = await rank(items, goals[0]);
  return (await rank([first.best, ...items], goals[1])).best;
}
export class Ranker<T> {
  constructor(public items: T[]) {}
  /** Choose from this ranker's items. */
  pickFor(goal: string): Promise<T> { return stub(); }
  async best(goals: string[]): Promise<T[]> {
    return Promise.all(goals.map((goal) => this.pickFor(goal)));
  }
}
`;

const HELPER_CALL_TYPES = ["Customer", "Order", "Address", "Page<Customer>", "Pair<Order, Address>"];
const HELPER_CALLS_PER_FILE = 25;

function helperCallFile(fileIndex: number, count: number): string {
  const lines = [
    `import { rank, rankTwice, Ranker } from "./helpers";`,
    `import { Customer, Order, type Address, type Page, type Pair } from "./types";`,
    ``,
  ];
  for (let i = 0; i < count; i++) {
    const type = HELPER_CALL_TYPES[(fileIndex + i) % HELPER_CALL_TYPES.length]!;
    const n = `${fileIndex}_${i}`;
    switch (i % 3) {
      case 0:
        lines.push(`export const rank${n} = (items: ${type}[]) => rank(items, "goal ${n}");`);
        break;
      case 1:
        lines.push(`export const rankTwice${n} = (items: ${type}[]) => rankTwice<${type}>(items, ["a", "b"]);`);
        break;
      case 2:
        lines.push(`export const best${n} = (ranker: Ranker<${type}>) => ranker.best(["goal ${n}"]);`);
        break;
    }
  }
  return lines.join("\n") + "\n";
}

/** The `stubs`-stub project plus `helperCalls` call sites of generic helpers (each specialised for one of five types). */
export function generateHelperProject(parent: string, stubs: number, helperCalls: number): GeneratedProject {
  const base = generateProject(parent, stubs);
  const dir = path.join(parent, `stubs-${stubs}-helpers-${helperCalls}`);
  fs.cpSync(base.dir, dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "src", "helpers.ts"), HELPERS);
  for (let file = 0, written = 0; written < helperCalls; file++, written += HELPER_CALLS_PER_FILE) {
    fs.writeFileSync(path.join(dir, "src", `helper-calls-${file}.ts`), helperCallFile(file, Math.min(HELPER_CALLS_PER_FILE, helperCalls - written)));
  }
  return { dir, stubs: stubs + 3 };
}

/** One stub whose return type is a chain of `depth` nested interfaces. */
export function generateDeepChain(parent: string, depth: number): GeneratedProject {
  const dir = path.join(parent, `deep-${depth}`);
  fs.mkdirSync(path.join(dir, "src"), { recursive: true });
  fs.writeFileSync(path.join(dir, "src", "deep.ts"), deepChainFile(depth));
  writeConfigs(dir);
  return { dir, stubs: 1 };
}
