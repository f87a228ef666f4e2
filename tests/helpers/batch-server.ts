/**
 * The OpenAI Files and Batches endpoints, in their real shapes, on top of the local chat
 * completions server (openai-server.ts): upload (multipart), content download, file delete,
 * batch create, retrieve, list (newest first, `after`/`limit` pages), cancel. Each line of a batch is answered by the same handler as a chat completion,
 * from what the line's request carries. A batch advances as it is polled: `validating`, then
 * `in_progress` for `pollsInProgress` retrieves, then its plan's outcome.
 */
import type { ServerResponse } from "node:http";
import { chatCompletion, sendJson, startOpenAIServer, type ChatBody, type Handler, type OpenAIServer, type ReceivedRequest } from "./openai-server";

/** What happens to one batch. */
export interface BatchPlan {
  /** Default `"completed"`; `"hold"` stays `in_progress` until cancelled. */
  outcome?: "completed" | "expired" | "failed" | "hold";
  /** `expired`: how many lines ran before the window closed (the rest are `batch_expired` in the error file). Default 0. */
  linesBeforeExpiry?: number;
  /** Retrieves that still see `in_progress` before the outcome. Default 1. */
  pollsInProgress?: number;
  /** Lines answered with an error status go to the output file (as some compatible servers do), not the error file. */
  errorsInOutput?: boolean;
}

export interface ServerFile {
  id: string;
  filename: string;
  purpose: string;
  content: string;
}

export interface ServerBatch {
  id: string;
  inputFileId: string;
  endpoint: string;
  metadata: Record<string, string>;
  status: string;
  polls: number;
  plan: BatchPlan;
  /** The parsed lines of its input file. */
  lines: { custom_id: string; method: string; url: string; body: ChatBody }[];
  outputFileId?: string;
  errorFileId?: string;
  counts: { total: number; completed: number; failed: number };
  /** Seconds since 1970, as OpenAI's `created_at`. */
  createdAt: number;
}

export interface BatchServerOptions {
  /** Decides each batch's fate when it is created. Default: completed after one poll in progress. */
  plan?: (batch: ServerBatch) => BatchPlan;
  /** The Files and Batches endpoints answer 404, as on a server without the Batch API. */
  noBatchApi?: boolean;
  /**
   * Called when a batch was made, before the create is answered; the answer waits for it.
   * `"refuse"`: the batch is taken back and the answer is a 500; `"lose"`: the batch stays and
   * the answer is a 500 anyway (a reply lost on its way).
   */
  onCreate?: (batch: ServerBatch) => void | "refuse" | "lose" | Promise<void | "refuse" | "lose">;
  /** `GET /v1/batches` answers 404, as on a compatible server without the list (read at each request: a test may change it). */
  noBatchList?: boolean;
  /** Most batches per page of `GET /v1/batches` whatever `limit` asks. Default: `limit` (20 if absent, as OpenAI). */
  listPageSize?: number;
}

export interface BatchServer extends OpenAIServer {
  files: Map<string, ServerFile>;
  batches: Map<string, ServerBatch>;
  /** Requests to `method path` (path without query), e.g. `count("POST", "/v1/batches")`. */
  count(method: string, path: string): number;
}

export async function startBatchServer(handler: Handler, options: BatchServerOptions = {}): Promise<BatchServer> {
  const files = new Map<string, ServerFile>();
  const batches = new Map<string, ServerBatch>();
  let current = handler;
  let ids = 0;
  const route = (request: ReceivedRequest, body: Buffer, response: ServerResponse): boolean => {
    const path = request.path.split("?")[0]!;
    if (!path.startsWith("/v1/files") && !path.startsWith("/v1/batches")) return false;
    if (options.noBatchApi) {
      sendJson(response, 404, { error: { message: `Invalid URL (${request.method} ${path})`, type: "invalid_request_error" } });
      return true;
    }
    void handle(request.method, path, request, body, response).catch((error: unknown) =>
      sendJson(response, 500, { error: { message: `test batch server failed: ${String(error)}` } }),
    );
    return true;
  };

  async function handle(method: string, path: string, request: ReceivedRequest, body: Buffer, response: ServerResponse): Promise<void> {
    let match: RegExpExecArray | null;
    if (method === "POST" && path === "/v1/files") {
      const parts = multipart(body, String(request.headers["content-type"]));
      const file = parts.find((part) => part.name === "file");
      if (!file) return sendJson(response, 400, { error: { message: "no file part" } });
      const stored: ServerFile = { id: `file-${++ids}`, filename: file.filename ?? "upload", purpose: parts.find((part) => part.name === "purpose")?.data.toString() ?? "", content: file.data.toString("utf8") };
      files.set(stored.id, stored);
      return sendJson(response, 200, fileObject(stored));
    }
    if (method === "GET" && (match = /^\/v1\/files\/([^/]+)\/content$/.exec(path))) {
      const file = files.get(match[1]!);
      if (!file) return sendJson(response, 404, { error: { message: `No such File object: ${match[1]}` } });
      response.writeHead(200, { "content-type": "application/octet-stream", "content-length": Buffer.byteLength(file.content) });
      response.end(file.content);
      return;
    }
    if (method === "POST" && path === "/v1/batches") {
      const params = request.body as unknown as { input_file_id: string; endpoint: string; completion_window: string; metadata?: Record<string, string> };
      const input = files.get(params.input_file_id);
      if (!input) return sendJson(response, 400, { error: { message: `Input file ${params.input_file_id} not found` } });
      const lines = input.content.split("\n").filter((line) => line.trim()).map((line) => JSON.parse(line) as ServerBatch["lines"][number]);
      const batch: ServerBatch = {
        id: `batch_${++ids}`,
        inputFileId: input.id,
        endpoint: params.endpoint,
        metadata: params.metadata ?? {},
        status: "validating",
        polls: 0,
        plan: {},
        lines,
        counts: { total: lines.length, completed: 0, failed: 0 },
        createdAt: Math.floor(Date.now() / 1000),
      };
      batch.plan = options.plan?.(batch) ?? {};
      batches.set(batch.id, batch);
      const fate = await options.onCreate?.(batch);
      if (fate === "refuse") batches.delete(batch.id);
      if (fate) return sendJson(response, 500, { error: { message: "The server had an error while processing your request.", type: "server_error" } });
      return sendJson(response, 200, batchObject(batch));
    }
    if (method === "GET" && path === "/v1/batches" && !options.noBatchList) {
      const query = new URL(request.path, "http://localhost").searchParams;
      const newestFirst = [...batches.values()].reverse();
      const after = query.get("after");
      const start = after ? newestFirst.findIndex((batch) => batch.id === after) + 1 : 0;
      const limit = Math.min(Number(query.get("limit") ?? 20), options.listPageSize ?? Infinity);
      const page = newestFirst.slice(start, start + limit);
      return sendJson(response, 200, {
        object: "list",
        data: page.map(batchObject),
        first_id: page[0]?.id ?? null,
        last_id: page.at(-1)?.id ?? null,
        has_more: start + limit < newestFirst.length,
      });
    }
    if (method === "DELETE" && (match = /^\/v1\/files\/([^/]+)$/.exec(path))) {
      if (!files.delete(match[1]!)) return sendJson(response, 404, { error: { message: `No such File object: ${match[1]}` } });
      return sendJson(response, 200, { id: match[1], object: "file", deleted: true });
    }
    if ((match = /^\/v1\/batches\/([^/]+)(\/cancel)?$/.exec(path))) {
      const batch = batches.get(match[1]!);
      if (!batch) return sendJson(response, 404, { error: { message: `No batch ${match[1]}` } });
      if (method === "POST" && match[2]) {
        if (batch.status === "validating" || batch.status === "in_progress") batch.status = "cancelling";
        return sendJson(response, 200, batchObject(batch));
      }
      if (method === "GET" && !match[2]) {
        await advance(batch);
        return sendJson(response, 200, batchObject(batch));
      }
    }
    sendJson(response, 404, { error: { message: `No route ${method} ${path}` } });
  }

  async function advance(batch: ServerBatch): Promise<void> {
    if (batch.status === "cancelling") {
      batch.status = "cancelled";
      return;
    }
    if (batch.status === "validating") {
      batch.status = "in_progress";
      return;
    }
    if (batch.status !== "in_progress") return;
    const plan = batch.plan;
    if (plan.outcome === "hold" || ++batch.polls < (plan.pollsInProgress ?? 1)) return;
    if (plan.outcome === "failed") {
      batch.status = "failed";
      return;
    }
    const output: string[] = [];
    const errors: string[] = [];
    const runs = plan.outcome === "expired" ? (plan.linesBeforeExpiry ?? 0) : batch.lines.length;
    for (const [index, line] of batch.lines.entries()) {
      const id = `batch_req_${batch.id}_${index}`;
      if (index >= runs) {
        errors.push(JSON.stringify({ id, custom_id: line.custom_id, response: null, error: { code: "batch_expired", message: "This request could not be executed before the completion window expired." } }));
        batch.counts.failed++;
        continue;
      }
      const raw = JSON.stringify(line.body);
      const lineRequest: ReceivedRequest = { method: line.method, path: line.url, headers: {}, raw, body: line.body, aborted: false, events: 0 };
      const reply = await current(lineRequest, index);
      if (reply.status !== undefined && reply.status !== 200) {
        const body = reply.body ?? { error: { message: `status ${reply.status}`, type: "invalid_request_error", code: null } };
        (plan.errorsInOutput ? output : errors).push(JSON.stringify({ id, custom_id: line.custom_id, response: { status_code: reply.status, request_id: `req_${index}`, body }, error: null }));
        batch.counts.failed++;
      } else {
        output.push(JSON.stringify({ id, custom_id: line.custom_id, response: { status_code: 200, request_id: `req_${index}`, body: reply.body ?? chatCompletion(lineRequest, reply) }, error: null }));
        batch.counts.completed++;
      }
    }
    const store = (content: string[], kind: string) => {
      const file: ServerFile = { id: `file-${++ids}`, filename: `${batch.id}_${kind}.jsonl`, purpose: "batch_output", content: content.map((line) => `${line}\n`).join("") };
      files.set(file.id, file);
      return file.id;
    };
    if (output.length) batch.outputFileId = store(output, "output");
    if (errors.length) batch.errorFileId = store(errors, "error");
    batch.status = plan.outcome === "expired" ? "expired" : "completed";
  }

  const server = await startOpenAIServer(handler, route);
  return {
    ...server,
    files,
    batches,
    setHandler: (next) => {
      current = next;
      server.setHandler(next);
    },
    count: (method, path) => server.requests.filter((request) => request.method === method && request.path.split("?")[0] === path).length,
  };
}

function fileObject(file: ServerFile): Record<string, unknown> {
  return { id: file.id, object: "file", bytes: Buffer.byteLength(file.content), created_at: 1_700_000_000, filename: file.filename, purpose: file.purpose, status: "processed" };
}

function batchObject(batch: ServerBatch): Record<string, unknown> {
  return {
    id: batch.id,
    object: "batch",
    endpoint: batch.endpoint,
    errors: batch.status === "failed" ? { object: "list", data: [{ code: "invalid_request", message: "The input file could not be validated.", param: null, line: 1 }] } : null,
    input_file_id: batch.inputFileId,
    completion_window: "24h",
    status: batch.status,
    output_file_id: batch.outputFileId ?? null,
    error_file_id: batch.errorFileId ?? null,
    created_at: batch.createdAt,
    in_progress_at: null,
    expires_at: batch.createdAt + 86_400,
    finalizing_at: null,
    completed_at: null,
    failed_at: null,
    expired_at: null,
    cancelling_at: null,
    cancelled_at: null,
    request_counts: batch.counts,
    metadata: batch.metadata,
  };
}

/** The parts of a multipart/form-data body. */
function multipart(body: Buffer, contentType: string): { name: string; filename?: string; data: Buffer }[] {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(contentType);
  if (!boundary) return [];
  const delimiter = Buffer.from(`--${boundary[1] ?? boundary[2]}`);
  const parts: { name: string; filename?: string; data: Buffer }[] = [];
  let start = body.indexOf(delimiter);
  while (start >= 0) {
    const next = body.indexOf(delimiter, start + delimiter.length);
    if (next < 0) break;
    const part = body.subarray(start + delimiter.length + 2, next - 2);
    const headerEnd = part.indexOf("\r\n\r\n");
    const headers = part.subarray(0, headerEnd).toString("utf8");
    const name = /name="([^"]*)"/.exec(headers)?.[1] ?? "";
    const filename = /filename="([^"]*)"/.exec(headers)?.[1];
    const entry: { name: string; filename?: string; data: Buffer } = { name, data: part.subarray(headerEnd + 4) };
    if (filename !== undefined) entry.filename = filename;
    parts.push(entry);
    start = next;
  }
  return parts;
}
