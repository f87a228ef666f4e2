/**
 * A real local server speaking Anthropic's Messages API (`POST /v1/messages`), for tests that run
 * the real `@anthropic-ai/sdk` against it. A handler decides each reply from what the request
 * carries. A request with `stream: true` gets the API's server-sent events (`message_start`,
 * `content_block_start`, `content_block_delta`s, `content_block_stop`, `message_delta`, `message_stop`).
 */
import type { IncomingHttpHeaders, ServerResponse } from "node:http";
import { delay, sendJson, startLocalServer } from "./local-http";

export interface MessagesBody {
  model: string;
  max_tokens: number;
  system?: string;
  messages: { role: "user" | "assistant"; content: string }[];
  tools?: { name: string; description?: string; input_schema: Record<string, unknown> }[];
  tool_choice?: { type: string; name?: string };
  output_config?: { format?: { type: string; schema: Record<string, unknown> } };
  stream?: boolean;
  stop_sequences?: string[];
  [key: string]: unknown;
}

export interface MessagesRequest {
  headers: IncomingHttpHeaders;
  raw: string;
  body: MessagesBody;
  /** The client closed the connection before the reply was sent. */
  aborted: boolean;
}

export interface MessagesReply {
  status?: number;
  headers?: Record<string, string>;
  /** A JSON body sent as is (errors). */
  body?: unknown;
  /** A text block. */
  text?: string;
  /** A `tool_use` block of the forced tool with this input (JSON text). */
  toolInput?: string;
  /** Default: `tool_use` with a tool input, else `end_turn`. */
  stopReason?: string;
  delayMs?: number;
  hang?: boolean;
  /** Streaming: characters per delta. Default 16. */
  chunkChars?: number;
  /** Streaming: send this many events, then nothing more (the connection stays open). */
  hangAfterEvents?: number;
}

export type MessagesHandler = (request: MessagesRequest, index: number) => MessagesReply | Promise<MessagesReply>;

export interface MessagesServer {
  /** Base URL for the SDK (it appends `/v1/messages`). */
  baseURL: string;
  requests: MessagesRequest[];
  inFlight: { now: number; max: number };
  setHandler(handler: MessagesHandler): void;
  close(): Promise<void>;
}

export async function startMessagesServer(handler: MessagesHandler): Promise<MessagesServer> {
  let current = handler;
  const requests: MessagesRequest[] = [];
  const server = await startLocalServer((incoming, response, bytes, answering) => {
    const raw = bytes.toString("utf8");
    const request: MessagesRequest = { headers: incoming.headers, raw, body: (raw ? JSON.parse(raw) : {}) as MessagesBody, aborted: false };
    response.on("close", () => {
      if (!response.writableFinished) request.aborted = true;
    });
    if (incoming.method !== "POST" || incoming.url !== "/v1/messages") {
      sendJson(response, 404, { type: "error", error: { type: "not_found_error", message: `No route ${incoming.method} ${incoming.url}` } });
      return;
    }
    const index = requests.push(request) - 1;
    answering();
    Promise.resolve()
      .then(() => current(request, index))
      .then((reply) => answer(request, response, reply))
      .catch((error: unknown) => sendJson(response, 500, { type: "error", error: { type: "api_error", message: `test handler failed: ${String(error)}` } }));
  });
  return { baseURL: `http://127.0.0.1:${server.port}`, requests, inFlight: server.inFlight, setHandler: (next) => (current = next), close: server.close };
}

async function answer(request: MessagesRequest, response: ServerResponse, reply: MessagesReply): Promise<void> {
  if (reply.delayMs) await delay(response, reply.delayMs);
  if (reply.hang || response.destroyed) return;
  if (reply.status !== undefined && reply.status !== 200) {
    sendJson(response, reply.status, reply.body ?? { type: "error", error: { type: "api_error", message: `status ${reply.status}` } }, reply.headers);
    return;
  }
  const message = messageOf(request, reply);
  if (!request.body.stream) {
    sendJson(response, 200, message, reply.headers);
    return;
  }
  response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", ...reply.headers });
  const events: string[] = [];
  const send = (type: string, data: Record<string, unknown>) => events.push(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
  send("message_start", { message: { ...message, content: [], stop_reason: null, usage: { ...message.usage, output_tokens: 1 } } });
  message.content.forEach((block, index) => {
    const text = block.type === "text" ? block.text! : JSON.stringify(block.input);
    send("content_block_start", { index, content_block: block.type === "text" ? { type: "text", text: "" } : { ...block, input: {} } });
    const size = reply.chunkChars ?? 16;
    for (let at = 0; at < text.length; at += size) {
      const piece = text.slice(at, at + size);
      send("content_block_delta", { index, delta: block.type === "text" ? { type: "text_delta", text: piece } : { type: "input_json_delta", partial_json: piece } });
    }
    send("content_block_stop", { index });
  });
  send("message_delta", { delta: { stop_reason: message.stop_reason, stop_sequence: null }, usage: { output_tokens: message.usage.output_tokens } });
  send("message_stop", {});
  if (reply.hangAfterEvents !== undefined) response.write(events.slice(0, reply.hangAfterEvents).join(""));
  else response.end(events.join(""));
}

interface Block {
  type: "text" | "tool_use";
  text?: string;
  id?: string;
  name?: string;
  input?: unknown;
}

/** A Message as the API sends it, with made-up but consistent token counts. */
function messageOf(request: MessagesRequest, reply: MessagesReply): { content: Block[]; stop_reason: string; usage: { input_tokens: number; output_tokens: number } } & Record<string, unknown> {
  const content: Block[] = [];
  if (reply.text !== undefined) content.push({ type: "text", text: reply.text });
  if (reply.toolInput !== undefined) content.push({ type: "tool_use", id: "toolu_test", name: request.body.tool_choice?.name ?? "reply", input: JSON.parse(reply.toolInput) });
  const output = (reply.text ?? "").length + (reply.toolInput ?? "").length;
  return {
    id: "msg_test",
    type: "message",
    role: "assistant",
    model: request.body.model,
    content,
    stop_reason: reply.stopReason ?? (reply.toolInput !== undefined ? "tool_use" : "end_turn"),
    stop_sequence: null,
    usage: { input_tokens: Math.ceil(request.raw.length / 4), output_tokens: Math.ceil(output / 4) },
  };
}
