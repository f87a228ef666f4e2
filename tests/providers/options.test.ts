/** Client options each model documents: a custom `fetch` (and headers) for openAI(); with a client it is refused. */
import OpenAI from "openai";
import { ConfigurationError, openAI, withCallOptions } from "../../runtime";
import { useOpenAIServer } from "../helpers/use-openai-server";
import { customerModel, MockCustomerDatabase } from "../runtime/customer-specs";

const server = useOpenAIServer(customerModel);

test("openAI({ fetch, headers }): every request goes through the given fetch, with the headers", async () => {
  const seen: string[] = [];
  const fetching: typeof fetch = (input, init) => {
    seen.push(String(input));
    return fetch(input, init);
  };
  const model = openAI({ baseURL: server.baseURL, model: "m", fetch: fetching, headers: { "x-team": "search" } });
  await withCallOptions({ model }, () => new MockCustomerDatabase().load());
  expect(seen).toEqual([`${server.baseURL}/chat/completions`]);
  expect(server.requests[0]!.headers["x-team"]).toBe("search");
});

test("openAI({ client, fetch }) is refused: the client's requests would not use it", () => {
  const client = new OpenAI({ baseURL: server.baseURL, apiKey: "k" });
  expect(() => openAI({ client, fetch })).toThrow(ConfigurationError);
  expect(() => openAI({ client, fetch })).toThrow(/fetch cannot be combined with client/);
});
