/**
 * Privacy of fields: `private`, `protected`, `#private` and `@llmHidden` fields of `this`, of
 * class-typed parameters and of returned classes are in no schema, no prompt and no input sent.
 * Fixtures go through the real compiler and the whole transformer; the emitted code then runs
 * against a scripted model that records every request.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as ts from "typescript";
import { configure, scriptedModel, type CallInfo, type CompletionRequest } from "../../runtime";
import { compile } from "../helpers/compile";

// Each test builds a Program with the runtime's types: seconds on a loaded machine.
jest.setTimeout(60_000);

/** Names and values that must never reach the model; each is distinctive, so a search for it cannot hit anything else. */
const HIDDEN_NAMES = ["pinCode", "ledgerBalance", "sessionToken", "staffNote", "apiKey", "lookupCache", "walletSecret", "auditTrail", "courierNote"];
const SECRETS = ["PIN-9f3a-SECRET", "TOKEN-77c1-SECRET", "STAFF-51d2-SECRET", "APIKEY-c0de-SECRET", "WALLET-e4b8-SECRET", "AUDIT-a11e-SECRET", "COURIER-3b9d-SECRET"];

const source = `import { stub } from "llm-strategy";

/** A bank account. */
export class Account {
  owner = "";
  iban = "";
  private pinCode = "PIN-9f3a-SECRET";
  protected ledgerBalance = 0;
  #sessionToken = "TOKEN-77c1-SECRET";
  /** Notes for staff only. @llmHidden */
  staffNote = "STAFF-51d2-SECRET";
  // Not JSON (a Map), but private: neither sent nor an error.
  private lookupCache = new Map<string, string>();
  constructor(private readonly apiKey = "APIKEY-c0de-SECRET") {}
  /** The token, so the test can see it was set. */
  token(): string { return this.#sessionToken; }
}

/** A delivery address. */
export interface Address {
  street: string;
  /**
   * For the courier only.
   * @llmHidden
   */
  courierNote?: string;
}

/** A wallet. */
export class Wallet {
  holder = "";
  account = new Account();
  private walletSecret = "WALLET-e4b8-SECRET";
  protected auditTrail: string[] = ["AUDIT-a11e-SECRET"];

  /** Describe the wallet in one sentence. */
  describe(): Promise<string> { return stub(); }

  /** Summarise the account for its owner. */
  summarise(account: Account, accounts: Account[], address: Address): Promise<string> { return stub(); }

  /** Open an account for the owner. */
  static open(owner: string): Promise<Account> { return stub(); }
}
`;

interface Entry {
  id: string;
  template: string;
  outputTypes: string;
  templateIfSchemaSent: string;
  schemaSent: unknown;
  input: unknown;
  output: unknown;
  definitions: Record<string, { properties?: Record<string, unknown> }>;
  hiddenFields?: Record<string, Record<string, string>>;
}

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "llm-strategy-privacy-"));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

let restore: ReturnType<typeof configure> | undefined;
afterEach(() => {
  if (restore) configure(restore);
  restore = undefined;
});

/** The module-scope consts the transformer hoisted (definitions and specs): everything before the first class of the fixture. */
function hoistedSpecs(js: string): string {
  const start = js.indexOf("const __llmStrategyDef_");
  const end = js.indexOf("\nclass ");
  expect(start).toBeGreaterThan(0);
  expect(end).toBeGreaterThan(start);
  return js.slice(start, end);
}

function mentions(text: string, name: string): boolean {
  return new RegExp(`(^|[^\\w$])#?${name}(?![\\w$])`).test(text);
}

describe("compiled with the plugin", () => {
  const manifestPath = () => path.join(dir, "llm-prompts.json");
  let compiled: ReturnType<typeof compile>;
  let manifest: { stubs: Entry[] };
  beforeAll(() => {
    compiled = compile({ files: { "src/wallet.ts": source }, plugin: { manifest: manifestPath() } });
    manifest = JSON.parse(fs.readFileSync(manifestPath(), "utf8")) as { stubs: Entry[] };
  });

  test("builds without diagnostics: a private field JSON cannot carry is no error, it is not sent", () => {
    expect(compiled.compilerErrors).toEqual([]);
    expect(compiled.diagnostics).toEqual([]);
  });

  test("the emitted specs (templates, schemas, definitions) name none of the hidden fields nor their values", () => {
    const hoisted = hoistedSpecs(compiled.js("src/wallet.ts"));
    // The specs are there, with the public fields...
    expect(hoisted).toContain("__llmStrategySpec_Wallet_describe");
    expect(hoisted).toContain('thisFields: ["holder", "account"]');
    for (const visible of ["holder", "owner", "iban", "street"]) expect(mentions(hoisted, visible)).toBe(true);
    // ...and nothing else.
    for (const name of HIDDEN_NAMES) expect([name, mentions(hoisted, name)]).toEqual([name, false]);
    for (const secret of SECRETS) expect(hoisted).not.toContain(secret);
  });

  test("the prompt's types show only public fields, for this, class parameters and returned classes", () => {
    const byName = new Map(manifest.stubs.map((entry) => [entry.id.slice(entry.id.indexOf(" ") + 1), entry]));
    expect(byName.get("Wallet.summarise")!.template).toContain(
      ["interface Wallet {", "  holder: string;", "  account: Account;", "}", "", "/** A bank account. */", "interface Account {", "  owner: string;", "  iban: string;", "}"].join("\n"),
    );
    expect(byName.get("Wallet.summarise")!.template).toContain(["interface Address {", "  street: string;", "}"].join("\n"));
    expect(byName.get("Wallet.open")!.outputTypes).toBe(["/** A bank account. */", "interface Account {", "  owner: string;", "  iban: string;", "}", ""].join("\n"));
    for (const entry of manifest.stubs) {
      // The prompt and the schema of structured and tools mode are checked with the rest.
      expect([entry.id, typeof entry.templateIfSchemaSent, typeof entry.schemaSent]).toEqual([entry.id, "string", "object"]);
      const shown = JSON.stringify([entry.template, entry.outputTypes, entry.templateIfSchemaSent, entry.schemaSent, entry.input, entry.output, entry.definitions]);
      for (const name of HIDDEN_NAMES) expect([entry.id, name, mentions(shown, name)]).toEqual([entry.id, name, false]);
    }
  });

  test("the manifest lists what is never sent, with the reason", () => {
    const summarise = manifest.stubs.find((entry) => entry.id.endsWith("Wallet.summarise"))!;
    expect(Object.keys(summarise.definitions).sort()).toEqual(["Account", "Address", "Wallet"]);
    expect(summarise.definitions.Account!.properties).toEqual({ owner: { type: "string" }, iban: { type: "string" } });
    expect(summarise.hiddenFields).toEqual({
      Account: { pinCode: "private", ledgerBalance: "protected", "#sessionToken": "#private", staffNote: "@llmHidden", lookupCache: "private", apiKey: "private" },
      Address: { courierNote: "@llmHidden" },
      Wallet: { walletSecret: "private", auditTrail: "protected" },
    });
    const open = manifest.stubs.find((entry) => entry.id.endsWith("Wallet.open"))!;
    expect(Object.keys(open.hiddenFields ?? {})).toEqual(["Account"]);
  });

  test("the input sent holds only public fields, at any depth; nothing hidden reaches the prompt", async () => {
    const infos: CallInfo[] = [];
    const model = scriptedModel((request: CompletionRequest) => ({ value: `ok ${request.spec.id}` }));
    restore = configure({ model, onCall: (info) => infos.push(info) });
    type AccountInstance = { owner: string; iban: string; token(): string };
    const { Wallet, Account } = compiled.load<{
      Wallet: new () => { holder: string; account: AccountInstance; describe(): Promise<string>; summarise(a: AccountInstance, all: AccountInstance[], address: object): Promise<string> };
      Account: new () => AccountInstance;
    }>("src/wallet.ts");
    const wallet = new Wallet();
    wallet.holder = "Ada";
    Object.assign(wallet.account, { owner: "Ada", iban: "PT50" });
    const other = Object.assign(new Account(), { owner: "Bao", iban: "DE89" });
    expect(other.token()).toBe("TOKEN-77c1-SECRET"); // the secrets are really there to leak

    await wallet.describe();
    await wallet.summarise(other, [wallet.account, other], { street: "1 Harbour Road", courierNote: "COURIER-3b9d-SECRET" });

    const ada = { owner: "Ada", iban: "PT50" };
    const bao = { owner: "Bao", iban: "DE89" };
    expect(model.requests.map((request) => request.input)).toEqual([
      { this: { holder: "Ada", account: ada } },
      { this: { holder: "Ada", account: ada }, account: bao, accounts: [ada, bao], address: { street: "1 Harbour Road" } },
    ]);
    const sent = JSON.stringify([model.requests.map((request) => [request.messages, request.messagesIfSchemaSent, request.input]), infos.map((info) => [info.input, info.messages])]);
    for (const secret of SECRETS) expect(sent).not.toContain(secret);
    for (const name of HIDDEN_NAMES) expect([name, mentions(sent, name)]).toEqual([name, false]);
    // The caller's objects are untouched.
    expect(other.token()).toBe("TOKEN-77c1-SECRET");
    expect((other as unknown as { pinCode: string }).pinCode).toBe("PIN-9f3a-SECRET");
  });

  test("a returned class is not asked for its private fields: a reply that gives one is repaired, the instance is still an Account", async () => {
    const model = scriptedModel([{ owner: "Chidi", iban: "FR76", pinCode: "1234" }, { owner: "Chidi", iban: "FR76" }]);
    restore = configure({ model });
    const { Wallet, Account } = compiled.load<{ Wallet: { open(owner: string): Promise<object> }; Account: new () => object }>("src/wallet.ts");
    const account = await Wallet.open("Chidi");
    expect(account).toBeInstanceOf(Account);
    expect({ ...account }).toEqual({ owner: "Chidi", iban: "FR76" });
    expect(model.requests).toHaveLength(2);
    expect(model.requests[1]!.messages.at(-1)!.content).toMatch(/pinCode/);
  });
});

test("@llmHidden hides the field even when the build parses no JSDoc (plain tsc since TypeScript 5.3)", () => {
  const compiled = compile({ files: { "src/wallet.ts": source }, jsDocParsingMode: ts.JSDocParsingMode.ParseNone });
  expect(compiled.diagnostics).toEqual([]);
  const hoisted = hoistedSpecs(compiled.js("src/wallet.ts"));
  expect(mentions(hoisted, "street")).toBe(true);
  expect(mentions(hoisted, "staffNote")).toBe(false);
  expect(mentions(hoisted, "courierNote")).toBe(false);
});

test("a class whose fields are all private carries nothing the model may see: LLM1002 says so", () => {
  const compiled = compile({
    files: {
      "src/vault.ts": `import { stub } from "llm-strategy";
export class Vault { private code = ""; #key = ""; }
/** Guess. */
export function guess(vault: Vault): Promise<string> { return stub(); }
`,
    },
  });
  expect(compiled.diagnostics.map((diagnostic) => [diagnostic.code, diagnostic.message])).toEqual([
    ["LLM1002", expect.stringContaining("an instance of a class whose fields are all private, protected or @llmHidden carries no data the model may see")],
  ]);
});
