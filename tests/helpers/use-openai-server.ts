/**
 * The hooks most suites put around one local OpenAI server (openai-server.ts): started before
 * the file's tests with `handler`, closed after them, and before each test its request log
 * emptied and `handler` put back. Jest hooks, so this lives apart from openai-server.ts, which
 * the benchmarks import too.
 */
import { startOpenAIServer, type Handler, type OpenAIServer } from "./openai-server";

/**
 * Registers the hooks (call it at the top of a test file, before the file's own `beforeEach`,
 * which then runs after the reset) and returns a view of the running server: its fields read
 * the live server's, so they are valid inside tests and hooks, not at module load.
 */
export function useOpenAIServer(handler: Handler): OpenAIServer {
  let server: OpenAIServer | undefined;
  const running = (): OpenAIServer => {
    if (!server) throw new Error("the local OpenAI server is not running (read outside a test or hook?)");
    return server;
  };
  beforeAll(async () => {
    server = await startOpenAIServer(handler);
  });
  afterAll(async () => {
    await server?.close();
  });
  beforeEach(() => {
    running().requests.length = 0;
    running().setHandler(handler);
  });
  return {
    get baseURL() {
      return running().baseURL;
    },
    get requests() {
      return running().requests;
    },
    get inFlight() {
      return running().inFlight;
    },
    setHandler: (next) => running().setHandler(next),
    close: () => running().close(),
  };
}
