/**
 * The plumbing of the local test servers (ky's create-http-test-server is the model): `node:http`
 * on 127.0.0.1 at a random port, each request's body read whole, the requests being answered
 * counted, and every connection closed on `close()` (hanging replies and keep-alive sockets must
 * not hold the test run open).
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** The accept queue asked for; the kernel caps it at net.core.somaxconn (4096 on current Linux). */
const LISTEN_BACKLOG = 4096;

export interface LocalServer {
  port: number;
  /** Requests being answered right now (those passed to `answering`), and the most ever at once. */
  inFlight: { now: number; max: number };
  close(): Promise<void>;
}

/**
 * @param onRequest Gets each request with its body's bytes; calls `answering()` once it answers it
 * (so it counts as in flight until the response closes).
 */
export async function startLocalServer(onRequest: (incoming: IncomingMessage, response: ServerResponse, body: Buffer, answering: () => void) => void): Promise<LocalServer> {
  const inFlight = { now: 0, max: 0 };
  const server = createServer((incoming, response) => {
    const chunks: Buffer[] = [];
    incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
    incoming.on("end", () =>
      onRequest(incoming, response, Buffer.concat(chunks), () => {
        inFlight.now++;
        inFlight.max = Math.max(inFlight.max, inFlight.now);
        response.on("close", () => inFlight.now--);
      }),
    );
  });
  // A deep accept queue: under load the test's client opens connections faster than this
  // process accepts them (every aborted request closes its connection), and a full queue (Node's
  // default 511) makes the kernel drop handshakes, so abandoned requests arrive seconds later.
  await new Promise<void>((resolve) => server.listen({ port: 0, host: "127.0.0.1", backlog: LISTEN_BACKLOG }, resolve));
  return {
    port: (server.address() as AddressInfo).port,
    inFlight,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/** A JSON response with its length. */
export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (response.destroyed) return;
  const text = JSON.stringify(body);
  response.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers });
  response.end(text);
}

/** Waits `ms`, or less when the client goes away (so no timer outlives the test). */
export function delay(response: ServerResponse, ms: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    response.once("close", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
