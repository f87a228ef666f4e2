/**
 * Whether a request carried the reply schema is the completion's to say (`Completion.schemaSent`),
 * not read from its mode's name: a custom LanguageModel names its modes as it likes, and the chat
 * history and traces must still show the conversation it actually sent.
 */
import { chatChain, traceSpans, withTrace, type Completion, type CompletionRequest, type LanguageModel } from "../../runtime";
import { customerJson, MockCustomerDatabase } from "../runtime/customer-specs";

/** A custom model that sends the schema its own way (mode "native-json") or asks with the types in the prompt while calling its mode "structured". */
function customModel(mode: string, schemaSent: boolean): LanguageModel & { requests: CompletionRequest[] } {
  const requests: CompletionRequest[] = [];
  return {
    id: `custom:${mode}`,
    options: {},
    requests,
    async complete(request): Promise<Completion> {
      requests.push(request);
      const completion: Completion = { text: JSON.stringify({ value: [customerJson(0)] }), mode, finishReason: "stop" };
      if (schemaSent) completion.schemaSent = true;
      return completion;
    },
  };
}

test.each([
  ["native-json", true, "without"],
  ["structured", false, "with"],
] as const)("a model with mode %s and schemaSent %s: chat history and trace show the prompt %s output types", async (mode, schemaSent, types) => {
  const model = customModel(mode, schemaSent);
  const chain = chatChain(model);
  const { result, trace } = await withTrace(() => chain.continueWith(() => MockCustomerDatabase.createMockCustomers(1)));
  const [customers, next] = result;
  expect(customers).toHaveLength(1);

  const request = model.requests[0]!;
  // The spec's outputTypes (interface Customer) are in `messages` only.
  expect(request.messages[0]!.content).toContain("interface Customer");
  expect(request.messagesIfSchemaSent[0]!.content).not.toContain("interface Customer");
  const sent = schemaSent ? request.messagesIfSchemaSent : request.messages;

  expect(next.messages[0]!.content).toBe(sent[0]!.content);
  expect(next.messages[0]!.content.includes("interface Customer")).toBe(types === "with");
  const span = traceSpans(trace).find((candidate) => candidate.kind === "stub")!;
  expect(span.messages![0]!.content).toBe(sent[0]!.content);
  expect(span.mode).toBe(mode);
});
