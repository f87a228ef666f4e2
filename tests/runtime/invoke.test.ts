import {
  callSpecialized,
  configure,
  ConfigurationError,
  implementInterface,
  invoke,
  llmStrategy,
  LLMOutputError,
  scriptedModel,
  SPEC_VERSION,
  withCallOptions,
  type CallInfo,
  type CallSpec,
  type CompletionRequest,
  type InterfaceSpec,
  type LanguageModel,
} from "../../runtime";
import {
  Customer,
  CustomerDatabase,
  customerAgeSpec,
  customerJson,
  createMockCustomersSpec,
  inputOf,
  MockCustomerDatabase,
} from "./customer-specs";

/** Answers `Customer.age` from the birthdate the prompt carries, as a model would. */
function ageFromPrompt(request: CompletionRequest) {
  const input = inputOf(request.messages[0]!.content) as { this: { birthdate: string } };
  return { value: 2022 - Number(input.this.birthdate.slice(0, 4)) };
}

let before: ReturnType<typeof configure>;
beforeEach(() => {
  before = configure({ model: undefined, maxRepairs: 2, onCall: undefined });
});
afterEach(() => {
  configure(before);
});

describe("invoke", () => {
  test("sends the receiver's data fields and the arguments, and returns the validated value", async () => {
    const model = scriptedModel(ageFromPrompt);
    configure({ model });
    const customer = Object.assign(new Customer(), customerJson(0, 1990));
    await expect(customer.age).resolves.toBe(32);

    const [request] = model.requests;
    expect(request!.input).toEqual({ this: customerJson(0, 1990) });
    expect(request!.attempt).toBe(1);
    expect(request!.messages).toHaveLength(1);
    expect(request!.messages[0]!.role).toBe("user");
    // The getter `fullName` and the unlisted `nickname` are not data fields of the spec.
    expect(request!.messages[0]!.content).not.toContain("fullName");
    expect(request!.messages[0]!.content).not.toContain("{{");
  });

  test("Dates in the inputs are sent as ISO strings; $-patterns in inputs stay literal", async () => {
    const dateSpec: CallSpec = {
      ...customerAgeSpec,
      id: "src/x.ts:3 when",
      kind: "function",
      thisFields: undefined,
      template: "When?\nInput: {{input}}",
      params: [{ name: "at", role: "input" }, { name: "note", role: "input" }],
    } as CallSpec;
    const model = scriptedModel([{ value: 1 }]);
    configure({ model });
    await invoke(dateSpec, undefined, [new Date("2024-05-06T07:08:09Z"), "costs $& and $1"]);
    expect(model.requests[0]!.messages[0]!.content).toBe('When?\nInput: {"at":"2024-05-06T07:08:09.000Z","note":"costs $& and $1"}');
  });

  test("a template without {{input}} gets no input; placeholders inside input data stay as they are", async () => {
    const model = scriptedModel([{ value: 1 }, { value: 2 }]);
    configure({ model });
    const bare: CallSpec = { ...customerAgeSpec, id: "src/x.ts:4 bare", kind: "function", thisFields: undefined, params: [], template: "Pick a number.\n{{outputTypes}}\nReply with JSON of type { value: number }" } as CallSpec;
    await invoke(bare, undefined, []);
    expect(model.requests[0]!.messages[0]!.content).toBe("Pick a number.\nReply with JSON of type { value: number }");
    const echo: CallSpec = { ...bare, id: "src/x.ts:5 echo", params: [{ name: "text", role: "input" }], template: "Echo.\nInput: {{input}}\n{{outputTypes}}", outputTypes: "type T = 1;" } as CallSpec;
    await invoke(echo, undefined, ["{{outputTypes}} and {{input}}"]);
    expect(model.requests[1]!.messages[0]!.content).toBe('Echo.\nInput: {"text":"{{outputTypes}} and {{input}}"}\ntype T = 1;');
  });

  test("fills {{outputTypes}} only in the rendering for models that do not send the schema", async () => {
    const model = scriptedModel([{ value: [customerJson(0)] }]);
    configure({ model });
    await MockCustomerDatabase.createMockCustomers(1);
    const [request] = model.requests;
    expect(request!.messages[0]!.content).toContain("interface Customer {");
    expect(request!.messagesIfSchemaSent[0]!.content).not.toContain("interface Customer {");
    expect(request!.messagesIfSchemaSent[0]!.content).not.toContain("\n\n\n");
    expect(request!.input).toEqual({ numCustomers: 1 });
    expect(request!.replySchema).toMatchObject({ type: "object", required: ["value"], definitions: { Customer: expect.any(Object) } });
  });

  test("a spec's templateIfSchemaSent is the prompt of models that send the schema", async () => {
    const model = scriptedModel([{ value: [customerJson(0)] }]);
    configure({ model });
    const spec = { ...createMockCustomersSpec, id: "src/x.ts:6 make", templateIfSchemaSent: { shared: 0, rest: "Create mock customers.\n\nInput: {{input}}" } } as CallSpec;
    await invoke(spec, undefined, [1]);
    const [request] = model.requests;
    expect(request!.messagesIfSchemaSent[0]!.content).toBe('Create mock customers.\n\nInput: {"numCustomers":1}');
    expect(request!.messages[0]!.content).toContain("interface Customer {");
    expect(request!.messages[0]!.content).toContain("Reply with JSON of type { value: Customer[] }");
  });

  test("revives class instances whose own stubs then run", async () => {
    const model = scriptedModel((request) =>
      request.spec === createMockCustomersSpec ? { value: [customerJson(0, 1990), customerJson(1, 1985)] } : ageFromPrompt(request),
    );
    configure({ model });
    const customers = await MockCustomerDatabase.createMockCustomers(2);
    expect(customers[0]).toBeInstanceOf(Customer);
    expect(customers[1]!.fullName).toBe("Bao Lindqvist");
    await expect(customers[0]!.age).resolves.toBe(32);
    await expect(customers[1]!.age).resolves.toBe(37);
  });

  test("reports each call through onCall hooks with usage and attempts", async () => {
    const seen: CallInfo[] = [];
    const scoped: CallInfo[] = [];
    configure({ model: scriptedModel([{ value: 40 }]), onCall: (info) => seen.push(info) });
    const customer = Object.assign(new Customer(), customerJson(0));
    await withCallOptions({ onCall: (info) => scoped.push(info) }, () => customer.age);
    expect(seen).toHaveLength(1);
    expect(scoped).toEqual(seen);
    expect(seen[0]).toMatchObject({ stub: customerAgeSpec.id, hash: customerAgeSpec.hash, model: "scripted", value: 40, parseRepaired: false });
    expect(seen[0]!.attempts).toEqual([{ reply: '{"value":40}', errors: [], parseRepairs: [], finishReason: "stop", mode: "scripted" }]);
    expect(seen[0]!.durationMs).toBeGreaterThanOrEqual(0);
  });
});

describe("settings, hooks and the scripted model", () => {
  test("a failed call's info carries the error; a throwing hook becomes a warning, not a failure", async () => {
    const emitWarning = jest.spyOn(process, "emitWarning").mockImplementation(() => {});
    try {
      const seen: CallInfo[] = [];
      configure({ model: scriptedModel(["nope"]), maxRepairs: 0, onCall: (info) => seen.push(info) });
      const failed = await Object.assign(new Customer(), customerJson(0)).age.catch((caught: unknown) => caught);
      expect(failed).toBeInstanceOf(LLMOutputError);
      expect(seen[0]!.error).toBe(failed);
      expect(seen[0]!.attempts).toHaveLength(1);

      configure({ model: scriptedModel([{ value: 7 }]), onCall: () => { throw new Error("hook bug"); } });
      await expect(Object.assign(new Customer(), customerJson(0)).age).resolves.toBe(7);
      expect(emitWarning).toHaveBeenCalledWith(expect.stringContaining("hook bug"), expect.objectContaining({ code: "LLM_STRATEGY_HOOK_FAILED" }));
    } finally {
      emitWarning.mockRestore();
    }
  });

  test("bad settings are refused with a message", () => {
    expect(() => configure({ maxRepairs: -1 })).toThrow(/maxRepairs must be a whole number >= 0, got -1/);
    expect(() => withCallOptions({ timeoutMs: 0 }, () => 1)).toThrow(/timeoutMs must be a positive number/);
  });

  test("a script that runs out says which stub asked and shows the prompt", async () => {
    configure({ model: scriptedModel([]) });
    const error = await Object.assign(new Customer(), customerJson(0, 1977)).age.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toContain("scriptedModel has no reply left for src/customer.ts:8 Customer.age (attempt 1): it was given 0 replies");
    expect((error as Error).message).toContain('"birthdate":"1977-01-15"');
  });

  test("a parameter of role signal cancels the call and is not sent to the model", async () => {
    const signalSpec: CallSpec = {
      ...customerAgeSpec,
      id: "src/x.ts:2 slowAnswer",
      kind: "function",
      thisFields: undefined,
      params: [{ name: "question", role: "input" }, { name: "signal", role: "signal" }],
    } as CallSpec;
    let asked: CompletionRequest | undefined;
    configure({ model: scriptedModel((request) => { asked = request; return new Promise(() => {}); }) });
    const controller = new AbortController();
    const pending = invoke(signalSpec, undefined, ["why?", controller.signal]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(asked!.input).toEqual({ question: "why?" });
    expect(asked!.signal!.aborted).toBe(false);
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: "LLMAbortError", stub: "src/x.ts:2 slowAnswer" });
    expect(asked!.signal!.aborted).toBe(true);
  });
});

describe("model resolution", () => {
  const replyFrom = (name: string): LanguageModel => scriptedModel(() => ({ value: [name] }), { id: name });

  test("says which stub has no model and the three ways to give it one", async () => {
    const error = await new CustomerDatabase().findCustomerKey("anyone").catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigurationError);
    const message = (error as Error).message;
    expect(message).toContain("CustomerDatabase.findCustomerKey");
    expect(message).toContain("first argument");
    expect(message).toContain("@llmStrategy(");
    expect(message).toContain("configure({ model");
  });

  test("explicit argument, then scope, then decorated class up the prototype chain, then configure", async () => {
    const explicitSpec: CallSpec = {
      ...createMockCustomersSpec,
      id: "src/x.ts:1 pick",
      kind: "function",
      params: [{ name: "model", role: "model" }, { name: "query", role: "input" }],
      output: { type: "array", items: { type: "string" } },
      revive: undefined,
      outputTypes: "",
    } as CallSpec;
    class Base {
      pick(model: LanguageModel | undefined, query: string): Promise<string[]> {
        return invoke(explicitSpec, this, [model, query]);
      }
    }
    class Middle extends Base {}
    class Leaf extends Middle {}
    llmStrategy(replyFrom("middle"))(Middle);
    configure({ model: replyFrom("default") });

    await expect(new Base().pick(undefined, "q")).resolves.toEqual(["default"]);
    await expect(new Leaf().pick(undefined, "q")).resolves.toEqual(["middle"]);
    await expect(new Leaf().pick(replyFrom("explicit"), "q")).resolves.toEqual(["explicit"]);
    await expect(withCallOptions({ model: replyFrom("scope") }, () => new Leaf().pick(undefined, "q"))).resolves.toEqual(["scope"]);
    await expect(withCallOptions({ model: replyFrom("scope") }, () => new Leaf().pick(replyFrom("explicit"), "q"))).resolves.toEqual(["explicit"]);
    // The explicit parameter must hold a model when given.
    await expect(new Leaf().pick("gpt" as unknown as LanguageModel, "q")).rejects.toThrow(/parameter "model" must be a LanguageModel/);
    // The query is input; the model is not.
    const recorder = scriptedModel([{ value: [] }]);
    await new Leaf().pick(recorder, "born in 1990");
    expect(recorder.requests[0]!.input).toEqual({ query: "born in 1990" });
  });

  test("a static stub's receiver is the class: the subclass's binding wins", async () => {
    class Decorated extends MockCustomerDatabase {}
    llmStrategy(scriptedModel([{ value: [customerJson(4)] }]))(Decorated);
    const customers = await Decorated.createMockCustomers(1);
    expect(customers[0]!.key).toBe("c4");
    await expect(MockCustomerDatabase.createMockCustomers(1)).rejects.toBeInstanceOf(ConfigurationError);
  });
});

describe("spec version", () => {
  test("a spec of another version asks for a rebuild", async () => {
    const old = { ...customerAgeSpec, version: SPEC_VERSION + 1 };
    configure({ model: scriptedModel([{ value: 1 }]) });
    const error = await invoke(old, new Customer(), []).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toMatch(/spec version .* Rebuild the project with tspc/);
    expect(() => implementInterface({ version: 0, id: "src/a.ts:1 implement<A>", name: "A", methods: {} })).toThrow(ConfigurationError);
  });
});

describe("damaged specs", () => {
  test("a reply schema that does not compile is a ConfigurationError before any model call", async () => {
    const broken: CallSpec = { ...customerAgeSpec, id: "src/x.ts:1 broken", output: { $ref: "#/definitions/Missing" } };
    const model = scriptedModel([{ value: 1 }]);
    configure({ model });
    const error = await invoke(broken, new Customer(), []).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toMatch(/^src\/x.ts:1 broken: its reply schema does not compile .*rebuild with tspc/);
    expect(model.requests).toHaveLength(0);
  });
});

describe("generic stubs", () => {
  const declared: CallSpec = {
    version: SPEC_VERSION,
    id: "src/opt.ts:5 suggest",
    kind: "function",
    template: "Suggest.\nInput: {{input}}\n{{outputTypes}}",
    outputTypes: "",
    params: [{ name: "info", role: "input" }],
    input: { type: "object", properties: { info: {} } },
    output: {},
    wrapper: "value",
    definitions: {},
    hash: "generic000000001",
    typeArguments: "constraints",
  };
  const specialised: CallSpec = { ...declared, output: { type: "integer" }, hash: "generic000000002", typeArguments: "<number>" };
  const suggest = (info: unknown): Promise<unknown> => invoke(declared, undefined, [info]);

  test("a compiled call site's specialisation is used for exactly that call", async () => {
    const model = scriptedModel([{ value: 3 }, { value: "anything" }]);
    configure({ model });
    // Jest's sandboxed `process` does not receive the real process's "warning" events; watch the call instead.
    const emitWarning = jest.spyOn(process, "emitWarning").mockImplementation(() => {});
    try {
      await expect(callSpecialized(specialised, undefined, suggest, [{ a: 1 }])).resolves.toBe(3);
      expect(model.requests[0]!.spec).toBe(specialised);
      expect(model.requests[0]!.replySchema).toMatchObject({ properties: { value: { type: "integer" } } });
      // Not compiled: falls back to the declaration, and says so once.
      await expect(suggest({ a: 1 })).resolves.toBe("anything");
      expect(model.requests[1]!.spec).toBe(declared);
      configure({ model: scriptedModel([{ value: 1 }]) });
      await suggest({ a: 2 });
      const fallbackWarnings = emitWarning.mock.calls.filter(([message]) => String(message).includes("src/opt.ts:5 suggest is generic"));
      expect(fallbackWarnings).toHaveLength(1);
    } finally {
      emitWarning.mockRestore();
    }
  });

  test("a pending specialisation does not leak when the called function is not the stub", () => {
    const notTheStub = () => 42;
    expect(callSpecialized(specialised, undefined, notTheStub, [])).toBe(42);
    const model = scriptedModel([{ value: "x" }]);
    configure({ model });
    return suggest(1).then(() => expect(model.requests[0]!.spec).toBe(declared));
  });
});

describe("implementInterface", () => {
  interface Search {
    find(query: string): Promise<string[]>;
  }
  const spec: InterfaceSpec = {
    version: SPEC_VERSION,
    id: "src/search.ts:3 implement<Search>",
    name: "Search",
    methods: {
      find: {
        version: SPEC_VERSION,
        id: "src/search.ts:1 Search.find",
        kind: "function",
        template: "Find things.\nInput: {{input}}",
        outputTypes: "",
        params: [{ name: "query", role: "input" }],
        input: { type: "object", properties: { query: { type: "string" } } },
        output: { type: "array", items: { type: "string" } },
        wrapper: "value",
        definitions: {},
        hash: "search0000000001",
      },
    },
  };

  test("every method calls the model given to implement, detached or not", async () => {
    const model = scriptedModel((request) => ({ value: [`found ${(request.input as { query: string }).query}`] }));
    const search = implementInterface<Search>(spec, model);
    await expect(search.find("a")).resolves.toEqual(["found a"]);
    const { find } = search;
    await expect(find("b")).resolves.toEqual(["found b"]);
    expect(model.requests.map((request) => request.input)).toEqual([{ query: "a" }, { query: "b" }]);
  });

  test("without a model it uses the configured default", async () => {
    configure({ model: scriptedModel([{ value: ["x"] }]) });
    await expect(implementInterface<Search>(spec).find("q")).resolves.toEqual(["x"]);
  });
});

describe("repairs with a scripted model", () => {
  test("an invalid reply is sent back with its errors; the valid one is returned", async () => {
    const model = scriptedModel([{ value: "forty" }, { value: 40 }]);
    configure({ model });
    const customer = Object.assign(new Customer(), customerJson(0));
    await expect(customer.age).resolves.toBe(40);
    expect(model.requests).toHaveLength(2);
    const repair = model.requests[1]!;
    expect(repair.attempt).toBe(2);
    expect(repair.messages.map((message) => message.role)).toEqual(["user", "assistant", "user"]);
    expect(repair.messages[1]!.content).toBe('{"value":"forty"}');
    expect(repair.messages[2]!.content).toContain('value: must be integer, got string "forty"');
  });

  test("a pretty-printed failed reply goes back compact; one that did not parse goes back as sent", async () => {
    const pretty = JSON.stringify({ value: [{ ...customerJson(0), address: undefined }] }, null, 2);
    const model = scriptedModel([pretty, "```json\n{\"value\": [", { value: [customerJson(0)] }]);
    configure({ model });
    await MockCustomerDatabase.createMockCustomers(1);
    const [, firstRepair, secondRepair] = model.requests;
    expect(firstRepair!.messages[1]!.content).toBe(JSON.stringify(JSON.parse(pretty)));
    expect(firstRepair!.messages[2]!.content).toContain('value[0]: missing required property "address"');
    // Only the latest failed reply: the second repair no longer carries the first one.
    expect(secondRepair!.messages).toHaveLength(3);
    expect(secondRepair!.messages[1]!.content).toBe("```json\n{\"value\": [");
    expect(secondRepair!.messages[2]!.content).toContain("ends before its JSON is complete");
  });

  test("still invalid after maxRepairs: LLMOutputError with every attempt", async () => {
    configure({ model: scriptedModel(() => "I think the customer is about 40."), maxRepairs: 1 });
    const error = await Object.assign(new Customer(), customerJson(0)).age.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LLMOutputError);
    const output = error as LLMOutputError;
    expect(output.attempts).toHaveLength(2);
    expect(output.attempts.every((attempt) => attempt.reply === "I think the customer is about 40.")).toBe(true);
    expect(output.attempts[0]!.errors[0]).toMatch(/no JSON object/);
    expect(output.message).toContain("still invalid after 2 attempts (maxRepairs 1)");
    expect(output.stub).toBe(customerAgeSpec.id);
  });
});
