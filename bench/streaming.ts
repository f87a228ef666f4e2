/**
 * Streaming benchmark, all in the same run:
 *
 * 1. A stub call streamed (`streamed()`, server-sent events through the openai SDK) against the
 *    same call without streaming, on the local OpenAI-compatible server. Two servers: an
 *    instant one (the whole reply at once; the worst case for streaming, which then only adds
 *    work) and one paced like a model writing (a pause per piece; the unstreamed reply comes
 *    after the same total pause). Interleaved rounds, medians; target <= 1.1x total time.
 * 2. Parser work: a 1 MB reply fed in 10,000 pieces to the incremental parser (and through the
 *    runtime's whole per-piece path: size count, parse, partial hook) against one `JSON.parse`
 *    of the whole text. Medians; target <= 2x.
 * 3. Time to first partial: from the first piece reaching the runtime (`request.onText`) to the
 *    partial hook, and from the request to the first partial against the request to the result.
 *
 * Run: `npm run bench:streaming` (`--quick` runs fewer rounds).
 */
import { cpus, loadavg } from "node:os";
import { openAI, streamed, withCallOptions, type CompletionRequest, type LanguageModel, type OpenAIMode } from "../runtime";
import { PartialJsonParser } from "../runtime/partial-json";
import { AttemptStream } from "../runtime/streaming";
import { startOpenAIServer, type OpenAIServer, type Reply } from "../tests/helpers/openai-server";
import { createMockCustomersSpec, customerJson, MockCustomerDatabase } from "../tests/runtime/customer-specs";

const QUICK = process.argv.includes("--quick");
const ROUNDS = QUICK ? 5 : 15;
const CALLS_PER_ROUND = QUICK ? 10 : 30;
const CUSTOMERS = 20;
/** Characters per server-sent piece: about 4 tokens of a model's output. */
const PIECE_CHARS = 16;
/** The paced server's pause per piece, in milliseconds (a fast model: ~250 pieces/s). */
const PACE_MS = 4;
const PACED_CUSTOMERS = 3;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const fmt = (value: number, digits = 2) => value.toFixed(digits);

function replyOf(count: number): string {
  return JSON.stringify({ value: Array.from({ length: count }, (_, index) => customerJson(index)) });
}

async function timeCalls(model: LanguageModel, count: number, stream: boolean, calls: number): Promise<number> {
  const started = performance.now();
  for (let call = 0; call < calls; call++) {
    if (stream) {
      const { partials, result } = streamed(() => MockCustomerDatabase.createMockCustomers(count), { model });
      for await (const partial of partials) if (partial === undefined) throw new Error("no partial");
      await result;
    } else await withCallOptions({ model }, () => MockCustomerDatabase.createMockCustomers(count));
  }
  return (performance.now() - started) / calls;
}

/** Streamed vs not, interleaved round by round on one server; medians in ms per call. */
async function compare(server: OpenAIServer, count: number, calls: number, mode: OpenAIMode): Promise<{ plain: number; stream: number }> {
  const model = openAI({ baseURL: server.baseURL, apiKey: "k", model: "bench", mode, maxRetries: 0 });
  await timeCalls(model, count, false, 3);
  await timeCalls(model, count, true, 3);
  const plain: number[] = [];
  const stream: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    plain.push(await timeCalls(model, count, false, calls));
    stream.push(await timeCalls(model, count, true, calls));
  }
  return { plain: median(plain), stream: median(stream) };
}

function parserCost(): { size: number; pieces: number; parse: number; parser: number; runtime: number } {
  const items: unknown[] = [];
  let text = "";
  for (let index = 0; text.length < 1024 * 1024; index++) {
    items.push({ ...customerJson(index), notes: `Customer ${index} prefers e-mail; "VIP" since ${1990 + (index % 30)}.`, score: index * 0.25, active: index % 3 !== 0 });
    if (index % 500 === 0) text = JSON.stringify({ value: items });
  }
  text = JSON.stringify({ value: items });
  const pieceChars = Math.ceil(text.length / 10_000);
  const pieces: string[] = [];
  for (let index = 0; index < text.length; index += pieceChars) pieces.push(text.slice(index, index + pieceChars));
  const expected = JSON.stringify(JSON.parse(text));
  const parse: number[] = [];
  const parser: number[] = [];
  const runtime: number[] = [];
  const rounds = QUICK ? 11 : 31;
  for (let round = 0; round < rounds; round++) {
    let started = performance.now();
    JSON.parse(text);
    parse.push(performance.now() - started);

    started = performance.now();
    const incremental = new PartialJsonParser();
    for (const piece of pieces) incremental.feed(piece);
    parser.push(performance.now() - started);
    if (round === 0 && JSON.stringify(incremental.value) !== expected) throw new Error("the incremental parser's value differs from JSON.parse's");

    let partials = 0;
    const stream = new AttemptStream(createMockCustomersSpec, 1, [() => partials++], 4 * 1024 * 1024, undefined);
    started = performance.now();
    for (const piece of pieces) stream.onText(piece);
    runtime.push(performance.now() - started);
    stream.close();
    if (partials < pieces.length / 2) throw new Error(`only ${partials} partials for ${pieces.length} pieces`);
  }
  return { size: text.length, pieces: pieces.length, parse: median(parse), parser: median(parser), runtime: median(runtime) };
}

/** From the first piece reaching the runtime to the partial hook; and request -> first partial vs request -> result. */
async function firstPartial(server: OpenAIServer): Promise<{ hookUs: number; firstMs: number; resultMs: number }> {
  const inner = openAI({ baseURL: server.baseURL, apiKey: "k", model: "bench-first", mode: "json", maxRetries: 0 });
  const hook: number[] = [];
  const first: number[] = [];
  const total: number[] = [];
  for (let round = 0; round < (QUICK ? 11 : 31); round++) {
    let pieceAt = 0;
    let partialAt = 0;
    // Wraps the model to see when the first piece reaches the runtime.
    const timed: LanguageModel = {
      id: inner.id,
      options: inner.options,
      complete: (request: CompletionRequest) => {
        const onText = request.onText!;
        return inner.complete({
          ...request,
          onText: (delta) => {
            if (!pieceAt) pieceAt = performance.now();
            onText(delta);
          },
        });
      },
    };
    const started = performance.now();
    const { result } = streamed(() => MockCustomerDatabase.createMockCustomers(PACED_CUSTOMERS), {
      model: timed,
      onPartial: () => {
        if (!partialAt) partialAt = performance.now();
      },
    });
    await result;
    const ended = performance.now();
    if (round === 0) continue;
    hook.push((partialAt - pieceAt) * 1000);
    first.push(partialAt - started);
    total.push(ended - started);
  }
  return { hookUs: median(hook), firstMs: median(first), resultMs: median(total) };
}

async function main(): Promise<void> {
  console.log(`llm-strategy streaming benchmark (${QUICK ? "quick" : "full"}): Node ${process.version}, ${cpus().length} CPUs, load ${loadavg().map((value) => fmt(value)).join(" ")}`);
  const instantReply = replyOf(CUSTOMERS);
  const pacedReply = replyOf(PACED_CUSTOMERS);
  const pacedPieces = Math.ceil(pacedReply.length / PIECE_CHARS);
  const instant = await startOpenAIServer((): Reply => ({ content: instantReply, chunkChars: PIECE_CHARS }));
  // The same model speed both ways: the unstreamed reply waits as long as the pieces take.
  const paced = await startOpenAIServer((request): Reply =>
    request.body.stream ? { content: pacedReply, chunkChars: PIECE_CHARS, chunkDelayMs: PACE_MS } : { content: pacedReply, delayMs: PACE_MS * pacedPieces },
  );
  try {
    console.log(`\n1. Streamed vs the same call without streaming (openAI through the SDK, local server), medians of ${ROUNDS} interleaved rounds`);
    const rows: string[][] = [];
    for (const mode of ["json", "tools"] as const) {
      const { plain, stream } = await compare(instant, CUSTOMERS, CALLS_PER_ROUND, mode);
      rows.push([`instant server, ${CUSTOMERS} customers (${instantReply.length} chars, ${Math.ceil(instantReply.length / PIECE_CHARS)} pieces), ${mode}`, fmt(plain), fmt(stream), `${fmt(stream / plain)}x`]);
    }
    const { plain, stream } = await compare(paced, PACED_CUSTOMERS, QUICK ? 2 : 3, "json");
    rows.push([`paced ${PACE_MS} ms/piece, ${PACED_CUSTOMERS} customers (${pacedPieces} pieces), json`, fmt(plain), fmt(stream), `${fmt(stream / plain)}x`]);
    printTable(["call", "whole ms", "streamed ms", "ratio (target <= 1.1x)"], rows);

    const cost = parserCost();
    console.log(`\n2. Parser work: a ${fmt(cost.size / 1024 / 1024)} MB reply in ${cost.pieces} pieces vs one JSON.parse of the whole text (medians)`);
    printTable(
      ["work", "ms", "vs JSON.parse (target <= 2x)"],
      [
        ["JSON.parse, whole text once", fmt(cost.parse), "1.00x"],
        ["incremental parser, all pieces", fmt(cost.parser), `${fmt(cost.parser / cost.parse)}x`],
        ["runtime per-piece path (size count, parse, partial hook)", fmt(cost.runtime), `${fmt(cost.runtime / cost.parse)}x`],
      ],
    );

    const timing = await firstPartial(paced);
    console.log(`\n3. Time to first partial (paced server, ${PACED_CUSTOMERS} customers, ${pacedPieces} pieces of ${PIECE_CHARS} chars at ${PACE_MS} ms)`);
    printTable(
      ["measure", "median"],
      [
        ["first piece reaches the runtime -> first partial", `${fmt(timing.hookUs, 1)} us`],
        ["request -> first partial", `${fmt(timing.firstMs, 1)} ms`],
        ["request -> validated result", `${fmt(timing.resultMs, 1)} ms`],
      ],
    );
  } finally {
    await instant.close();
    await paced.close();
  }
}

function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]) => cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join("  ");
  console.log(line(header));
  for (const row of rows) console.log(line(row));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
