/**
 * Local imitations of OpenAI-compatible endpoints that each treat the JSON features differently,
 * on top of the local server (`openai-server.ts`): real HTTP, the real `openai` SDK as client.
 * Each imitation follows what its documentation says (the test file cites it) about
 * `response_format` (`json_schema`, `json_object`), `tools` with a forced `tool_choice`, `strict`
 * and the token-limit fields. The "model" behind them does the customer example's tasks from
 * what the request carries, and it knows the reply's shape only from what reaches it: an
 * enforced schema (structured output, a forced tool) or the output types written in the prompt.
 * Without either, it guesses the shape of `createMockCustomers` as a model would: a bare array
 * of customers with fields of its own choosing (no `{ value: ... }` wrapper).
 */
import { customerJson, inputOf } from "../runtime/customer-specs";
import { startOpenAIServer, type OpenAIServer, type ReceivedRequest, type Reply } from "./openai-server";

/** What an endpoint does with one request feature. */
export type Treatment =
  /** Honoured: the reply follows it (constrained decoding, a forced tool call). */
  | "enforce"
  /** Accepted and ignored: the model never sees the schema. */
  | "ignore"
  /** Refused with an HTTP error, as the endpoint documents it. */
  | { status: number; message: string };

export interface EndpointBehaviour {
  name: string;
  /** `response_format: { type: "json_schema" }`. */
  jsonSchema: Treatment;
  /** `response_format: { type: "json_object" }` (JSON mode). */
  jsonObject: Treatment;
  /** `tools` with `tool_choice` naming one function. */
  tools: Treatment;
  /** Token-limit fields the endpoint reads (others are ignored). */
  tokenLimitFields: ("max_tokens" | "max_completion_tokens")[];
}

export interface Imitation {
  server: OpenAIServer;
  /** The token limit each request carried in a field the endpoint reads (undefined: none it reads). */
  limits: (number | undefined)[];
}

export async function startImitation(behaviour: EndpointBehaviour): Promise<Imitation> {
  const limits: (number | undefined)[] = [];
  const server = await startOpenAIServer((request) => {
    const limitField = behaviour.tokenLimitFields.find((field) => typeof request.body[field] === "number");
    limits.push(limitField ? (request.body[limitField] as number) : undefined);
    return imitatedReply(behaviour, request);
  });
  return { server, limits };
}

/** The endpoint's answer to one chat completions request (also for a server of another kind, such as the batch server). */
export function imitatedReply(behaviour: EndpointBehaviour, request: ReceivedRequest): Reply {
  const format = request.body.response_format?.type;
  const treatment = request.body.tools?.length ? behaviour.tools : format === "json_schema" ? behaviour.jsonSchema : format === "json_object" ? behaviour.jsonObject : "ignore";
  if (typeof treatment === "object") return { status: treatment.status, body: { error: { message: treatment.message, type: "invalid_request_error" } } };
  const enforced = treatment === "enforce" && (format === "json_schema" || Boolean(request.body.tools?.length));
  const value = customerTask(request.body.messages, enforced ? (request.body.response_format?.json_schema?.schema ?? request.body.tools?.[0]?.function.parameters) : undefined);
  const text = JSON.stringify(value);
  return enforced && request.body.tools?.length ? { toolArguments: text } : { content: text };
}

/**
 * The customer example's three tasks, from the first user message's inputs; the reply's shape
 * from the enforced schema, else from the prompt's types, else guessed.
 * @param enforcedSchema The schema the endpoint enforces on this reply; undefined when none.
 */
export function customerTask(messages: readonly { role: string; content: string }[], enforcedSchema: unknown): unknown {
  const schemaEnforced = enforcedSchema !== undefined;
  const prompt = messages.find((message) => message.role === "user")!.content;
  const everything = messages.map((message) => message.content).join("\n");
  const input = inputOf(prompt) as { this?: { birthdate?: string; customers?: { key: string; birthdate: string }[] }; numCustomers?: number; query?: string };
  if (prompt.startsWith("Create mock customers")) {
    const count = input.numCustomers ?? 1;
    if (!schemaEnforced && !everything.includes("interface Customer")) {
      // Blind: nothing said what a Customer is, nor (enforced) that the reply is wrapped.
      return Array.from({ length: count }, (_, index) => ({ name: `Customer ${index}`, born: 1980 + index }));
    }
    // A strict-ready schema requires every property, the optional ones as nullable: an enforcing endpoint sends null for them.
    const nicknameRequired = schemaEnforced && /"required":\[[^\]]*"nickname"/.test(JSON.stringify(enforcedSchema));
    return { value: Array.from({ length: count }, (_, index) => ({ ...customerJson(index), ...(nicknameRequired ? { nickname: null } : {}) })) };
  }
  if (prompt.startsWith("Return the current age")) return { value: 2022 - Number(input.this!.birthdate!.slice(0, 4)) };
  const year = /born in (\d{4})/.exec(input.query ?? "")?.[1];
  return { value: input.this!.customers!.filter((customer) => customer.birthdate.startsWith(year ?? "none")).map((customer) => customer.key) };
}
