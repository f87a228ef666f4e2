/** The request key shared by recordings and caches. */
import type { CompletionRequest, LanguageModel } from "../../runtime";
import { identify, keyOf, requestKey, stubName } from "../../runtime/offline/key";
import { customerAgeSpec } from "../runtime/customer-specs";

function request(input: Record<string, unknown>, overrides: Partial<CompletionRequest> = {}): CompletionRequest {
  const messages = overrides.messages ?? [{ role: "user" as const, content: `Input: ${JSON.stringify(input)}` }];
  return { spec: customerAgeSpec, input, messages, messagesIfSchemaSent: messages, replySchema: {}, attempt: 1, ...overrides };
}

const model = (options: Record<string, unknown> = {}, id = "openai:m"): LanguageModel => ({ id, options, complete: () => Promise.reject(new Error("unused")) });

test("the fast key equals the key of the stored identity, whatever the input holds", () => {
  const inputs: Record<string, unknown>[] = [
    {},
    { this: { b: 1, a: [1, { z: 2, y: null }] }, when: new Date("2024-01-31T09:30:00Z") },
    { text: "quotes \" and \\ and unicode é ✓", missing: undefined, nested: { deeper: { list: [undefined, 1] } } },
  ];
  const repair = [
    { role: "user" as const, content: "prompt" },
    { role: "assistant" as const, content: '{"value":"x"}' },
    { role: "user" as const, content: "That reply is not valid" },
  ];
  for (const input of inputs) {
    for (const options of [{}, { temperature: 0, apiKey: "sk-secret" }]) {
      for (const overrides of [{}, { messages: repair, attempt: 2 }, { spec: { ...customerAgeSpec, typeArguments: "<A>" } }]) {
        const asked = request(input, overrides);
        expect(requestKey(model(options), asked)).toBe(keyOf(identify(model(options), asked)));
      }
    }
  }
});

test("the key changes with the hash, inputs, model id, options and turns; not with key order, line or secrets", () => {
  const base = requestKey(model({ temperature: 0 }), request({ this: { a: 1, b: 2 } }));
  expect(requestKey(model({ temperature: 0 }), request({ this: { b: 2, a: 1 } }))).toBe(base);
  expect(requestKey(model({ temperature: 0 }), request({ this: { a: 1, b: 2 } }, { spec: { ...customerAgeSpec, id: "src/customer.ts:99 Customer.age" } }))).toBe(base);
  expect(requestKey(model({ temperature: 0, apiKey: "one" }), request({ this: { a: 1, b: 2 } }))).toBe(requestKey(model({ temperature: 0, apiKey: "two" }), request({ this: { a: 1, b: 2 } })));

  const changed = [
    requestKey(model({ temperature: 0 }), request({ this: { a: 1, b: 2 } }, { spec: { ...customerAgeSpec, hash: "another" } })),
    requestKey(model({ temperature: 0 }), request({ this: { a: 1, b: 3 } })),
    requestKey(model({ temperature: 0 }, "openai:other"), request({ this: { a: 1, b: 2 } })),
    requestKey(model({ temperature: 1 }), request({ this: { a: 1, b: 2 } })),
    requestKey(model({ temperature: 0 }), request({ this: { a: 1, b: 2 } }, { messages: [{ role: "user", content: "p" }, { role: "user", content: "fix it" }] })),
  ];
  expect(new Set([base, ...changed]).size).toBe(changed.length + 1);
});

test("the identity stores canonical JSON and no secret", () => {
  const identity = identify(model({ apiKey: "sk-secret", Authorization: "Bearer x", maxTokens: 5 }), request({ z: 1, a: new Date(0), gone: undefined }));
  expect(identity.modelOptions).toEqual({ Authorization: "[redacted]", apiKey: "[redacted]", maxTokens: 5 });
  expect(Object.keys(identity.input)).toEqual(["a", "z"]);
  expect(identity.input.a).toBe("1970-01-01T00:00:00.000Z");
  expect(identity.turns).toEqual([]);
});

test("a model's frozen options are walked for secrets at the first lookup only; options that can change, at every one", () => {
  let reads = 0;
  const counted = () => ({
    get temperature() {
      reads++;
      return 0;
    },
  });
  /** How often one more lookup reads the options. */
  const readsOf = (lookup: () => unknown): number => {
    const before = reads;
    lookup();
    return reads - before;
  };
  const frozen = model(Object.freeze(counted()));
  const first = requestKey(frozen, request({ n: 1 }));
  // Afterwards only serialised into the key (or the identity's copy): read once.
  expect(readsOf(() => expect(requestKey(frozen, request({ n: 1 }))).toBe(first))).toBe(1);
  expect(readsOf(() => requestKey(frozen, request({ n: 2 })))).toBe(1);
  expect(readsOf(() => identify(frozen, request({ n: 3 })))).toBe(1);

  const mutable = model(counted());
  requestKey(mutable, request({ n: 1 }));
  expect(readsOf(() => requestKey(mutable, request({ n: 1 })))).toBeGreaterThan(1);
});

test("stubName drops the line number only", () => {
  expect(stubName("src/customer.ts:12 Customer.age")).toBe("src/customer.ts Customer.age");
  expect(stubName("src/a b/c.ts:7 implement<Store>")).toBe("src/a b/c.ts implement<Store>");
  expect(stubName("no line here")).toBe("no line here");
});
