/**
 * Privacy of fields over the wire: a class with `private`, `protected`, `#private` and
 * `@llmHidden` fields, compiled by the real transformer, sent as `this` (nested in another
 * class) and as a class-typed parameter to the local OpenAI-compatible server through the real
 * `openai` SDK, in every mode. No request body may hold a hidden field's name or value.
 */
import { configure, openAI, type CallInfo } from "../../runtime";
import { compile } from "../helpers/compile";
import { replyJson, startOpenAIServer, type OpenAIServer, type ReceivedRequest } from "../helpers/openai-server";
import { inputOf } from "./customer-specs";

// Compiling with the real compiler takes seconds on a loaded machine.
jest.setTimeout(60_000);

const SECRETS = ["PIN-9f3a-SECRET", "TOKEN-77c1-SECRET", "STAFF-51d2-SECRET", "APIKEY-c0de-SECRET", "VAULT-e4b8-SECRET", "AUDIT-a11e-SECRET"];
const HIDDEN_NAMES = ["pinCode", "ledgerBalance", "sessionToken", "staffNote", "apiKey", "vaultCode", "auditTrail"];

const source = `import { stub } from "llm-strategy";
export class Account {
  owner = "";
  iban = "";
  private pinCode = "PIN-9f3a-SECRET";
  protected ledgerBalance = "AUDIT-a11e-SECRET";
  #sessionToken = "TOKEN-77c1-SECRET";
  /** @llmHidden */
  staffNote = "STAFF-51d2-SECRET";
  constructor(private readonly apiKey = "APIKEY-c0de-SECRET") {}
  token(): string { return this.#sessionToken; }
}
export class Bank {
  name = "";
  accounts: Account[] = [];
  private vaultCode = "VAULT-e4b8-SECRET";
  protected auditTrail = ["AUDIT-a11e-SECRET"];
  /** Name the owner of the account with this IBAN. */
  ownerOf(iban: string): Promise<string> { return stub(); }
  /** Say whose account this is. */
  describe(account: Account): Promise<string> { return stub(); }
}
`;

interface BankModule {
  Account: new () => { owner: string; iban: string; token(): string };
  Bank: new () => { name: string; accounts: InstanceType<BankModule["Account"]>[]; ownerOf(iban: string): Promise<string>; describe(account: InstanceType<BankModule["Account"]>): Promise<string> };
}

/** Answers from the input in the prompt only: the owner it can see. */
function bankModel(request: ReceivedRequest) {
  const prompt = request.body.messages[0]!.content;
  const input = inputOf(prompt) as { iban?: string; account?: { owner: string }; this?: { accounts: { owner: string; iban: string }[] } };
  if (prompt.startsWith("Name the owner")) return replyJson(request, { value: input.this!.accounts.find((account) => account.iban === input.iban)?.owner ?? "nobody" });
  if (prompt.startsWith("Say whose account")) return replyJson(request, { value: `${input.account!.owner}'s account` });
  return { status: 400, body: { error: { message: `unknown prompt: ${prompt.slice(0, 40)}` } } };
}

let server: OpenAIServer;
let restore: ReturnType<typeof configure> | undefined;
beforeAll(async () => {
  server = await startOpenAIServer(bankModel);
});
afterAll(() => server.close());
afterEach(() => {
  if (restore) configure(restore);
  restore = undefined;
});

const compiled = compile({ files: { "src/bank.ts": source }, project: "runtime-privacy-e2e" });

test("the fixture compiles through the plugin without diagnostics", () => {
  expect(compiled.compilerErrors).toEqual([]);
  expect(compiled.diagnostics).toEqual([]);
});

describe.each(["structured", "tools", "json", "prompt"] as const)("mode %s", (mode) => {
  test("no request body holds a hidden field's name or value, for this's fields and for a class-typed argument", async () => {
    const calls: CallInfo[] = [];
    restore = configure({ model: openAI({ baseURL: server.baseURL, apiKey: "test-key", model: "local-model", mode, maxRetries: 0 }), onCall: (info) => calls.push(info) });
    const { Account, Bank } = compiled.load<BankModule>("src/bank.ts");
    const bank = new Bank();
    bank.name = "Harbour Bank";
    bank.accounts = [Object.assign(new Account(), { owner: "Ada", iban: "PT50-0001" }), Object.assign(new Account(), { owner: "Bao", iban: "DE89-0002" })];
    expect(bank.accounts[0]!.token()).toBe("TOKEN-77c1-SECRET");
    server.requests.length = 0;

    await expect(bank.ownerOf("DE89-0002")).resolves.toBe("Bao");
    await expect(bank.describe(bank.accounts[0]!)).resolves.toBe("Ada's account");

    expect(server.requests).toHaveLength(2);
    for (const request of server.requests) {
      for (const secret of SECRETS) expect(request.raw).not.toContain(secret);
      for (const name of HIDDEN_NAMES) expect([name, request.raw.includes(name)]).toEqual([name, false]);
    }
    // The public data did travel (so the absence above is not an empty request).
    expect(server.requests[0]!.raw).toContain("PT50-0001");
    expect(server.requests[0]!.raw).toContain("Harbour Bank");
    expect(server.requests[1]!.raw).toContain("Ada");
    const self = { name: "Harbour Bank", accounts: [{ owner: "Ada", iban: "PT50-0001" }, { owner: "Bao", iban: "DE89-0002" }] };
    expect(calls.map((call) => call.input)).toEqual([
      { this: self, iban: "DE89-0002" },
      { this: self, account: { owner: "Ada", iban: "PT50-0001" } },
    ]);
  });
});
