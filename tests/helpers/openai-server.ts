/**
 * A real OpenAI-compatible chat completions server on 127.0.0.1 (random port), for tests and
 * benchmarks that run the real `openai` SDK against it (ky's create-http-test-server is the
 * model). A handler decides each reply from what the request carries. A request with
 * `stream: true` gets server-sent events (`chat.completion.chunk`s, then `data: [DONE]`), as
 * OpenAI sends them, unless the reply says `noStream`.
 */
import type { IncomingHttpHeaders, ServerResponse } from "node:http";
import { delay, sendJson, startLocalServer } from "./local-http";

// Other test servers (batch-server.ts) answer with it too.
export { sendJson };

/** One request the server received. */
export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The raw body text (its length is the request size). */
  raw: string;
  /** The parsed body. */
  body: ChatBody;
  /** True once the client closed the connection before the reply was sent (abort, timeout). */
  aborted: boolean;
  /** Streamed replies: the server-sent events written so far (without `[DONE]`). */
  events: number;
}

/** The parts of a chat completions request body the tests look at. */
export interface ChatBody {
  model: string;
  messages: { role: string; content: string }[];
  response_format?: { type: string; json_schema?: { name: string; schema: Record<string, unknown>; strict?: boolean } };
  tools?: { type: string; function: { name: string; parameters: Record<string, unknown>; strict?: boolean } }[];
  tool_choice?: unknown;
  temperature?: number;
  max_tokens?: number;
  max_completion_tokens?: number;
  [key: string]: unknown;
}

/** What to answer. Without `status`, a 200 chat completion built from `content` / `toolArguments`. */
export interface Reply {
  status?: number;
  headers?: Record<string, string>;
  /** A JSON body sent as is (error bodies, or a hand-made completion). */
  body?: unknown;
  /** Assistant message text of a 200 completion. */
  content?: string;
  /** Sends a tool call with these arguments instead of `content` (answering `tools` mode). */
  toolArguments?: string;
  finishReason?: string;
  refusal?: string;
  /** Wait this long before answering, in milliseconds. */
  delayMs?: number;
  /** Never answer (the client must time out or abort). */
  hang?: boolean;
  /** Cut the connection without a reply. */
  destroy?: boolean;
  /** Streaming: the pieces the text is sent in. Default: pieces of `chunkChars` characters. */
  chunks?: string[];
  /** Streaming: characters per piece when `chunks` is not given. Default 16. */
  chunkChars?: number;
  /**
   * Streaming: piece i goes out (i + 1) times this many milliseconds after the first event (a
   * steady pace, no drift); pieces behind that schedule go out one per turn of the event loop.
   * Default 0.
   */
  chunkDelayMs?: number;
  /** Streaming: send only this many pieces, then keep the connection open without a word (abort tests). */
  hangAfterChunks?: number;
  /** Answer a `stream: true` request with one JSON completion, as an endpoint that cannot stream. */
  noStream?: boolean;
}

export type Handler = (request: ReceivedRequest, index: number) => Reply | Promise<Reply>;

/**
 * Answers a request other than POST /v1/chat/completions (say the Files and Batches endpoints,
 * see batch-server.ts); returns false to leave it to the default 404. `body` holds the raw bytes
 * (multipart uploads are not UTF-8 text).
 */
export type Route = (request: ReceivedRequest, body: Buffer, response: ServerResponse) => boolean;

export interface OpenAIServer {
  /** Base URL for the SDK, ending in `/v1`. */
  baseURL: string;
  /** Every request received, in arrival order. */
  requests: ReceivedRequest[];
  /** Requests being handled right now, and the most ever at once. */
  inFlight: { now: number; max: number };
  /** Replaces the handler. */
  setHandler(handler: Handler): void;
  close(): Promise<void>;
}

export async function startOpenAIServer(handler: Handler, route?: Route): Promise<OpenAIServer> {
  let current = handler;
  const requests: ReceivedRequest[] = [];
  const server = await startLocalServer((incoming, response, bytes, answering) => {
    const raw = bytes.toString("utf8");
    // Uploads (multipart) are raw bytes for a route; every other body is JSON, as before.
    const json = !incoming.headers["content-type"]?.startsWith("multipart/");
    const request: ReceivedRequest = {
      method: incoming.method ?? "",
      path: incoming.url ?? "",
      headers: incoming.headers,
      raw,
      body: (raw && json ? JSON.parse(raw) : {}) as ChatBody,
      aborted: false,
      events: 0,
    };
    response.on("close", () => {
      if (!response.writableFinished) request.aborted = true;
    });
    const index = requests.push(request) - 1;
    if (route?.(request, bytes, response)) return;
    // The query string is the endpoint's business (keys in `?api-key=`), not the route's.
    if (request.method !== "POST" || request.path.split("?")[0] !== "/v1/chat/completions") {
      sendJson(response, 404, { error: { message: `No route ${request.method} ${request.path}`, type: "invalid_request_error" } });
      return;
    }
    answering();
    Promise.resolve()
      .then(() => current(request, index))
      .then((reply) => answer(request, response, reply))
      .catch((error: unknown) => sendJson(response, 500, { error: { message: `test handler failed: ${String(error)}` } }));
  });
  return {
    baseURL: `http://127.0.0.1:${server.port}/v1`,
    requests,
    inFlight: server.inFlight,
    setHandler: (next) => (current = next),
    close: server.close,
  };
}

async function answer(request: ReceivedRequest, response: ServerResponse, reply: Reply): Promise<void> {
  if (reply.delayMs) await delay(response, reply.delayMs);
  if (reply.hang || response.destroyed) return;
  if (reply.destroy) {
    response.socket?.destroy();
    return;
  }
  if (reply.status !== undefined && reply.status !== 200) {
    sendJson(response, reply.status, reply.body ?? { error: { message: `status ${reply.status}` } }, reply.headers);
    return;
  }
  if (request.body.stream === true && !reply.noStream && reply.body === undefined) {
    await sendEvents(request, response, reply);
    return;
  }
  sendJson(response, 200, reply.body ?? chatCompletion(request, reply), reply.headers);
}

/** A streamed chat completion: role first, then the text piece by piece, the finish reason, usage if asked, `[DONE]`. */
async function sendEvents(request: ReceivedRequest, response: ServerResponse, reply: Reply): Promise<void> {
  const whole = chatCompletion(request, reply) as { choices: { finish_reason: string }[]; usage: unknown };
  const text = reply.toolArguments ?? reply.content ?? "";
  const pieces = reply.chunks ?? piecesOf(text, reply.chunkChars ?? 16);
  const tools = reply.toolArguments !== undefined;
  const name = request.body.tools?.[0]?.function.name ?? "reply";
  response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive", ...reply.headers });
  // Unpaced, the events go out in one write (as a fast server's would arrive): the benchmark
  // then measures the client's work per event, not this process writing to a socket per event.
  const batched: string[] | undefined = reply.chunkDelayMs || reply.hangAfterChunks !== undefined ? undefined : [];
  const send = (choices: unknown[], extra: Record<string, unknown> = {}) => {
    if (response.destroyed) return;
    const event = `data: ${JSON.stringify({ id: "chatcmpl-test", object: "chat.completion.chunk", created: 1_700_000_000, model: request.body.model, choices, ...extra })}\n\n`;
    if (batched) batched.push(event);
    else response.write(event);
    request.events++;
  };
  const delta = (content: Record<string, unknown>, finish: string | null = null) => [{ index: 0, delta: content, finish_reason: finish, logprobs: null }];
  send(delta(tools ? { role: "assistant", content: null, tool_calls: [{ index: 0, id: "call_1", type: "function", function: { name, arguments: "" } }] } : { role: "assistant", content: "" }));
  const start = performance.now();
  for (let index = 0; index < pieces.length; index++) {
    if (reply.hangAfterChunks !== undefined && index >= reply.hangAfterChunks) return;
    if (reply.chunkDelayMs) await pause(response, start + (index + 1) * reply.chunkDelayMs - performance.now());
    if (response.destroyed) return;
    const piece = pieces[index]!;
    send(delta(tools ? { tool_calls: [{ index: 0, function: { arguments: piece } }] } : { content: piece }));
  }
  if (reply.hangAfterChunks !== undefined && reply.hangAfterChunks >= pieces.length) return;
  if (reply.refusal) send(delta({ refusal: reply.refusal }));
  send(delta({}, whole.choices[0]!.finish_reason));
  const options = request.body.stream_options as { include_usage?: boolean } | undefined;
  if (options?.include_usage) send([], { usage: whole.usage });
  if (!response.destroyed) response.end(`${batched ? batched.join("") : ""}data: [DONE]\n\n`);
}

function piecesOf(text: string, size: number): string[] {
  const pieces: string[] = [];
  for (let index = 0; index < text.length; index += size) pieces.push(text.slice(index, index + size));
  return pieces;
}

/**
 * Waits `ms`, or less when the client goes away (no timer outlives the test). A piece already
 * due still waits one turn of the event loop: after a stall (a loaded machine) the pieces behind
 * schedule would otherwise go out all at once, before a client in this process could read one
 * and close the connection.
 */
function pause(response: ServerResponse, ms: number): Promise<void> {
  if (ms <= 0) return new Promise<void>((resolve) => setImmediate(resolve));
  return new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      response.off("close", done);
      resolve();
    }
    response.once("close", done);
  });
}

/** A chat completion as OpenAI sends it, with made-up but consistent token counts. */
export function chatCompletion(request: ReceivedRequest, reply: Reply): Record<string, unknown> {
  const text = reply.toolArguments ?? reply.content ?? "";
  const message: Record<string, unknown> = { role: "assistant", content: reply.toolArguments === undefined ? text : null, refusal: reply.refusal ?? null };
  if (reply.toolArguments !== undefined) {
    const name = request.body.tools?.[0]?.function.name ?? "reply";
    message.tool_calls = [{ id: "call_1", type: "function", function: { name, arguments: reply.toolArguments } }];
  }
  const promptTokens = Math.ceil(request.raw.length / 4);
  const completionTokens = Math.ceil(text.length / 4);
  return {
    id: "chatcmpl-test",
    object: "chat.completion",
    created: 1_700_000_000,
    model: request.body.model,
    choices: [{ index: 0, message, finish_reason: reply.finishReason ?? (reply.toolArguments !== undefined ? "tool_calls" : "stop"), logprobs: null }],
    usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
  };
}


/** The text of the request's last user message (the prompt, or the latest repair instruction). */
export function lastUserText(request: ReceivedRequest): string {
  const users = request.body.messages.filter((message) => message.role === "user");
  return users[users.length - 1]?.content ?? "";
}

/** Answers in whatever mode the request asks: a tool call when it offers tools, else message content. */
export function replyJson(request: ReceivedRequest, value: unknown, extra: Partial<Reply> = {}): Reply {
  const text = JSON.stringify(value);
  return request.body.tools ? { toolArguments: text, ...extra } : { content: text, ...extra };
}
