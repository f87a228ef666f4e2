/**
 * A stand-in for a real model: a local OpenAI-compatible chat completions server that answers
 * the example's stubs by rules and small word lists, from what each request carries (the inputs
 * after "Input: ", and for the generic stub the JSON Schema the call sends). It exists only to
 * make the committed offline recording on a machine without a model (`record-offline-session.ts`).
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/** The model name the stand-in answers to; it ends up in the recording as `openai:local-stand-in`. */
export const STAND_IN_MODEL = "local-stand-in";

interface ChatRequest {
  model: string;
  messages: { role: string; content: string }[];
  response_format?: { type: string; json_schema?: { schema: JsonObject } };
  tools?: { function: { name: string; parameters: JsonObject } }[];
}

type JsonObject = { [key: string]: unknown };

const TRANSLATIONS: Record<string, Record<string, string>> = {
  "The library opens at nine on Saturdays.": {
    Spanish: "La biblioteca abre a las nueve los sábados.",
    French: "La bibliothèque ouvre à neuf heures le samedi.",
    German: "Die Bibliothek öffnet samstags um neun.",
  },
};

const RHYMES: Record<string, string[]> = {
  light: ["night", "bright", "flight", "sight", "kite"],
  cake: ["lake", "make", "bake", "snake", "wake"],
};

const ANAGRAMS: Record<string, string | null> = { listen: "silent", earth: "heart", rhythm: null };

const POSITIVE = ["fast", "lovely", "happy", "great", "love", "excellent", "good"];
const NEGATIVE = ["stiff", "slow", "broken", "bad", "poor", "disappointed", "leaks"];

/** What the reply schema asks for: the `value` wrapper's or the root's properties. */
function replyProperties(chat: ChatRequest): string[] {
  const schema = chat.response_format?.json_schema?.schema ?? chat.tools?.[0]?.function.parameters ?? {};
  return Object.keys((schema.properties as JsonObject | undefined) ?? {});
}

function inputOf(prompt: string): Record<string, string | number> {
  const line = prompt.split("\n").find((text) => text.startsWith("Input: "));
  if (!line) throw new Error(`no "Input: " line in the prompt`);
  return JSON.parse(line.slice("Input: ".length)) as Record<string, string | number>;
}

function sentences(text: string): string[] {
  return text.match(/[^.!?]+[.!?]/g)?.map((sentence) => sentence.trim()) ?? [text];
}

function summarize(text: string, maxWords: number): string {
  // The first sentence without its appositions, cut to the word limit.
  const first = sentences(text)[0]!.replace(/,[^,]*,/g, "").replace(/ what is widely seen as/, "");
  const words = first.split(/\s+/);
  return words.length <= maxWords ? first : `${words.slice(0, maxWords).join(" ").replace(/[,;]$/, "")}.`;
}

function judge(review: string): { label: string; confidence: number; evidence: string[] } {
  const parts = review.split(/[.,!?]+/).map((part) => part.trim()).filter(Boolean);
  const carries = (words: string[]) => parts.filter((part) => words.some((word) => new RegExp(`\\b${word}\\b`, "i").test(part)));
  const good = carries(POSITIVE);
  const bad = carries(NEGATIVE);
  const label = good.length && bad.length && Math.abs(good.length - bad.length) < 1 ? "mixed" : good.length >= bad.length ? "positive" : "negative";
  const confidence = Math.round((Math.max(good.length, bad.length) / (good.length + bad.length || 1)) * 100) / 100;
  const evidence = label === "mixed" ? [...good, ...bad] : label === "positive" ? good : bad;
  return { label, confidence, evidence: evidence.slice(0, 3) };
}

function contactFrom(email: string): JsonObject {
  const from = /^From:\s*(.+?)\s*<([^>]+)>/m.exec(email);
  const lines = email.trim().split("\n");
  const phone = lines.find((line) => /^\+?[\d ()-]{7,}$/.test(line.trim()));
  const signature = lines.slice(lines.findIndex((line) => line.trim() === from?.[1]) + 1);
  const company = signature.find((line) => line.trim() && line !== phone);
  return { name: from?.[1] ?? "", email: from?.[2] ?? "", ...(phone ? { phone: phone.trim() } : {}), ...(company ? { company: company.trim() } : {}) };
}

function meetingFrom(email: string): JsonObject {
  const subject = /^Subject:\s*(.+)$/m.exec(email)?.[1] ?? "";
  const title = /for the (.+?)\?/.exec(email)?.[1] ?? subject;
  const date = /\b(\d{4}-\d{2}-\d{2})\b/.exec(email)?.[1] ?? "";
  const startTime = /\bat (\d{1,2}:\d{2})\b/.exec(email)?.[1]?.padStart(5, "0") ?? "";
  const greeting = /^(?:Hi|Hello|Dear) ([A-Z][a-z]+)/m.exec(email)?.[1];
  const from = /^From:\s*(.+?)\s*</m.exec(email)?.[1];
  const invited = [...email.matchAll(/\b([A-Z][a-z]+ [A-Z][a-z]+) and ([A-Z][a-z]+ [A-Z][a-z]+)\b/g)].flatMap((match) => [match[1]!, match[2]!]);
  const attendees = [...new Set([from, greeting, ...invited].filter((name): name is string => Boolean(name)))];
  return { title: title.charAt(0).toUpperCase() + title.slice(1), date, startTime, attendees };
}

/** The reply value for one request. */
function answer(chat: ChatRequest): unknown {
  const prompt = chat.messages[0]!.content;
  const input = inputOf(prompt);
  const wrap = (value: unknown) => ({ value });
  if (prompt.startsWith("Summarize the text")) return wrap(summarize(String(input.text), Number(input.maxWords ?? 20)));
  if (prompt.startsWith("Translate the text")) {
    return wrap(TRANSLATIONS[String(input.text)]?.[String(input.language)] ?? `[${input.language}] ${input.text}`);
  }
  if (prompt.startsWith("Judge the sentiment")) return judge(String(input.review));
  if (prompt.startsWith("Words that rhyme")) return wrap(RHYMES[String(input.word)] ?? []);
  if (prompt.startsWith("A real English word made of")) return wrap(ANAGRAMS[String(input.word)] ?? null);
  if (prompt.startsWith("Extract the details")) {
    // The generic stub: which details depends on the schema this call site sent.
    const wanted = replyProperties(chat);
    if (wanted.includes("attendees")) return meetingFrom(String(input.email));
    if (wanted.includes("email")) return contactFrom(String(input.email));
    throw new Error(`the stand-in cannot extract ${wanted.join(", ")}`);
  }
  throw new Error(`the stand-in does not know this task: ${prompt.split("\n")[0]}`);
}

/** Starts the stand-in on 127.0.0.1 (a free port). `baseURL` ends in `/v1`, as OPENAI_BASE_URL wants. */
export async function startStandInModel(): Promise<{ baseURL: string; requests: number; close(): Promise<void> }> {
  const state = { requests: 0 };
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      let status = 200;
      let body: unknown;
      try {
        if (request.method !== "POST" || request.url !== "/v1/chat/completions") throw Object.assign(new Error(`no route ${request.method} ${request.url}`), { status: 404 });
        const chat = JSON.parse(Buffer.concat(chunks).toString("utf8")) as ChatRequest;
        state.requests++;
        body = completion(chat, JSON.stringify(answer(chat)));
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
function completion(chat: ChatRequest, text: string): JsonObject {
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
