/**
 * A stand-in for a real model: a local OpenAI-compatible chat completions server that does the
 * example's three tasks by rules, from what each request carries (the inputs after "Input: " in
 * the prompt). It exists only to make the committed offline recording on a machine without a
 * model (`record-offline-session.ts`); re-record against a real model for real answers.
 */
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** The model name the stand-in answers to; it ends up in the recording as `openai:local-stand-in`. */
export const STAND_IN_MODEL = "local-stand-in";

interface CustomerData {
  key: string;
  firstName: string;
  lastName: string;
  birthdate: string;
  address: string;
}

/** Believable world citizens, handed out in this order. */
const PEOPLE: Omit<CustomerData, "key">[] = [
  { firstName: "Aiko", lastName: "Tanaka", birthdate: "1990-03-14", address: "2-11-3 Jingumae, Shibuya-ku, Tokyo, Japan" },
  { firstName: "Lars", lastName: "Johansson", birthdate: "1975-11-02", address: "Storgatan 12, 114 51 Stockholm, Sweden" },
  { firstName: "Amara", lastName: "Okafor", birthdate: "1988-07-21", address: "14 Admiralty Way, Lekki, Lagos, Nigeria" },
  { firstName: "Mateo", lastName: "García", birthdate: "1962-01-30", address: "Calle de Alcalá 85, 28009 Madrid, Spain" },
  { firstName: "Priya", lastName: "Sharma", birthdate: "1995-09-09", address: "42 MG Road, Bengaluru 560001, India" },
  { firstName: "Chloé", lastName: "Dubois", birthdate: "1983-05-17", address: "18 Rue Oberkampf, 75011 Paris, France" },
  { firstName: "Lucas", lastName: "Oliveira", birthdate: "2001-12-05", address: "Rua Augusta 1500, São Paulo, Brazil" },
  { firstName: "Fatima", lastName: "Al-Sayed", birthdate: "1970-04-26", address: "Villa 7, Al Wasl Road, Dubai, United Arab Emirates" },
  { firstName: "Ethan", lastName: "Walker", birthdate: "1990-10-08", address: "55 King Street West, Toronto, Canada" },
  { firstName: "Hana", lastName: "Novák", birthdate: "1957-08-19", address: "Vinohradská 48, 120 00 Prague, Czech Republic" },
  { firstName: "Kwame", lastName: "Mensah", birthdate: "1979-02-11", address: "7 Independence Avenue, Accra, Ghana" },
  { firstName: "Sofia", lastName: "Rossi", birthdate: "1993-06-28", address: "Via dei Coronari 21, 00186 Rome, Italy" },
];

const CONTINENTS: Record<string, string[]> = {
  europe: ["Sweden", "Spain", "France", "Czech Republic", "Italy"],
  asia: ["Japan", "India", "United Arab Emirates"],
  africa: ["Nigeria", "Ghana"],
  america: ["Brazil", "Canada"],
};

const CURRENT_YEAR = 2022;

function ageOf(customer: Pick<CustomerData, "birthdate">): number {
  return CURRENT_YEAR - Number(customer.birthdate.slice(0, 4));
}

function createCustomers(count: number): CustomerData[] {
  return Array.from({ length: count }, (_, index) => ({ key: `CUST-${String(index + 1).padStart(3, "0")}`, ...PEOPLE[index % PEOPLE.length]! }));
}

/** Accents off, lower case: "São Paulo" matches "sao paulo". */
function fold(text: string): string {
  return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
}

/** Keys of the customers the query describes, best first (the rules a stand-in can manage). */
function search(query: string, customers: CustomerData[]): string[] {
  const q = fold(query);
  const byAge = [...customers].sort((a, b) => ageOf(b) - ageOf(a));
  if (/\boldest\b/.test(q)) return byAge.slice(0, 1).map((customer) => customer.key);
  if (/\byoungest\b/.test(q)) return byAge.slice(-1).map((customer) => customer.key);

  const scored = customers.map((customer) => ({ customer, score: score(q, customer) }));
  return scored
    .filter((entry) => entry.score > 0)
    .sort((a, b) => b.score - a.score || a.customer.birthdate.localeCompare(b.customer.birthdate))
    .map((entry) => entry.customer.key);
}

function score(q: string, customer: CustomerData): number {
  const age = ageOf(customer);
  let score = 0;
  let constrained = false;
  const year = /\b(19|20)\d\d\b/.exec(q)?.[0];
  if (year) {
    constrained = true;
    if (customer.birthdate.startsWith(year)) score += 3;
    else return 0;
  }
  const older = /\b(?:older than|over)\s+(\d+)/.exec(q);
  if (older) {
    constrained = true;
    if (age > Number(older[1])) score += 2;
    else return 0;
  }
  const younger = /\b(?:younger than|under)\s+(\d+)/.exec(q);
  if (younger) {
    constrained = true;
    if (age < Number(younger[1])) score += 2;
    else return 0;
  }
  for (const [continent, countries] of Object.entries(CONTINENTS)) {
    if (!q.includes(continent)) continue;
    constrained = true;
    if (countries.some((country) => customer.address.endsWith(country))) score += 2;
    else return 0;
  }
  // Places and names: any query word of 4+ letters found in the address or the name.
  const words = q.match(/[a-z][a-z-]{3,}/g) ?? [];
  const haystack = fold(`${customer.firstName} ${customer.lastName} ${customer.address}`);
  const placeWords = words.filter((word) => !STOP_WORDS.has(word));
  if (placeWords.length) {
    const hits = placeWords.filter((word) => new RegExp(`\\b${word}\\b`).test(haystack)).length;
    if (hits) score += hits;
    else if (!constrained) return 0;
  }
  return score;
}

const STOP_WORDS = new Set([
  "customer", "customers", "born", "living", "lives", "live", "with", "that", "they", "their", "from", "older", "younger",
  "than", "over", "under", "years", "year", "who's", "whose", "which", "there", "anyone", "someone", "people", "person",
  "europe", "asia", "africa", "america", "americas", "in", "the", "who",
]);

/** The inputs the prompt carries after "Input: ". */
function inputOf(prompt: string): Record<string, unknown> {
  const line = prompt.split("\n").find((text) => text.startsWith("Input: "));
  if (!line) throw new Error(`no "Input: " line in the prompt`);
  return JSON.parse(line.slice("Input: ".length)) as Record<string, unknown>;
}

/** The reply value for one request, from its prompt. */
function answer(prompt: string): unknown {
  const input = inputOf(prompt);
  if (prompt.startsWith("Create mock customers")) return createCustomers(Number(input.numCustomers ?? 1));
  if (prompt.startsWith("Return the current age")) return ageOf(input.this as CustomerData);
  if (prompt.startsWith("Find the keys of the customers")) {
    return search(String(input.query), (input.this as { customers: CustomerData[] }).customers);
  }
  throw new Error(`the stand-in does not know this task: ${prompt.split("\n")[0]}`);
}

interface ChatRequest {
  model: string;
  messages: { role: string; content: string }[];
  tools?: { function: { name: string } }[];
  stream?: boolean;
}

interface Completion {
  id: string;
  created: number;
  model: string;
  choices: { message: { content: string | null; tool_calls?: { function: { name: string; arguments: string } }[] }; finish_reason: string }[];
  usage: unknown;
}

/** Characters per streamed piece (about three tokens), and the pause before each, in milliseconds (a model writing). */
const PIECE_CHARS = 12;
const PIECE_MS = 15;

/** The completion as server-sent events, piece by piece, as OpenAI streams a reply (usage last). */
async function streamCompletion(response: ServerResponse, whole: Completion): Promise<void> {
  const message = whole.choices[0]!.message;
  const call = message.tool_calls?.[0];
  const text = call ? call.function.arguments : (message.content ?? "");
  const event = (choices: unknown[], extra: Record<string, unknown> = {}) =>
    `data: ${JSON.stringify({ id: whole.id, object: "chat.completion.chunk", created: whole.created, model: whole.model, choices, ...extra })}\n\n`;
  const delta = (content: Record<string, unknown>, finish: string | null = null) => [{ index: 0, delta: content, finish_reason: finish }];
  response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  response.write(event(delta(call ? { role: "assistant", tool_calls: [{ index: 0, id: "call_1", type: "function", function: { name: call.function.name, arguments: "" } }] } : { role: "assistant", content: "" })));
  for (let index = 0; index < text.length && !response.destroyed; index += PIECE_CHARS) {
    await new Promise((resolve) => setTimeout(resolve, PIECE_MS));
    const piece = text.slice(index, index + PIECE_CHARS);
    response.write(event(delta(call ? { tool_calls: [{ index: 0, function: { arguments: piece } }] } : { content: piece })));
  }
  if (response.destroyed) return;
  response.write(event(delta({}, whole.choices[0]!.finish_reason)));
  response.end(`${event([], { usage: whole.usage })}data: [DONE]\n\n`);
}

/** Starts the stand-in on 127.0.0.1 (a free port). `baseURL` ends in `/v1`, as OPENAI_BASE_URL wants. */
export async function startStandInModel(): Promise<{ baseURL: string; requests: number; close(): Promise<void> }> {
  const state = { requests: 0 };
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      let status = 200;
      let body: unknown;
      try {
        if (request.method !== "POST" || request.url !== "/v1/chat/completions") throw Object.assign(new Error(`no route ${request.method} ${request.url}`), { status: 404 });
        const chat = JSON.parse(Buffer.concat(chunks).toString("utf8")) as ChatRequest;
        state.requests++;
        body = completion(chat, JSON.stringify({ value: answer(chat.messages[0]!.content) }));
        if (chat.stream) {
          void streamCompletion(response, body as Completion);
          return;
        }
      } catch (error) {
        status = (error as { status?: number }).status ?? 400;
        body = { error: { message: (error as Error).message, type: "invalid_request_error" } };
      }
      const text = JSON.stringify(body);
      response.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
      response.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    get requests() {
      return state.requests;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/** A chat completion as OpenAI sends it; a tool call when the request offered tools. Token counts are estimates (4 characters a token). */
function completion(chat: ChatRequest, text: string): Record<string, unknown> {
  const tool = chat.tools?.[0]?.function.name;
  const message = tool
    ? { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: tool, arguments: text } }] }
    : { role: "assistant", content: text, refusal: null };
  const promptTokens = Math.ceil(chat.messages.reduce((sum, message) => sum + message.content.length, 0) / 4);
  const completionTokens = Math.ceil(text.length / 4);
  return {
    id: `chatcmpl-stand-in-${Date.now()}`,
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model: chat.model,
    choices: [{ index: 0, message, finish_reason: tool ? "tool_calls" : "stop", logprobs: null }],
    usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
  };
}
