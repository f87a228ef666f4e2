import { parseReply } from "../../runtime/parse";

describe("parseReply", () => {
  test.each([
    ["plain JSON", '{"value": 1}', { value: 1 }, []],
    ["surrounding whitespace", '  \n{"value": 1}\n', { value: 1 }, []],
    ["a json code fence", '```json\n{"value": [1, 2]}\n```', { value: [1, 2] }, ["code fence"]],
    ["a bare fence with prose", 'Here you go:\n```\n{"value": "a"}\n```\nHope it helps', { value: "a" }, ["code fence"]],
    ["prose around the JSON", 'The answer is {"value": {"x": "}"}} as requested.', { value: { x: "}" } }, ["text around the JSON"]],
    ["trailing commas", '{"value": [1, 2,],}', { value: [1, 2] }, ["jsonrepair"]],
    ["single quotes", "{'value': 'it\\'s'}", { value: "it's" }, ["jsonrepair"]],
    ["fence, prose and a trailing comma", 'ok\n```json\n{"value": 3,}\n```', { value: 3 }, ["code fence", "jsonrepair"]],
    ["an array root (validation decides)", "[1, 2]", [1, 2], []],
  ])("%s", (_name, text, value, repairs) => {
    expect(parseReply(text)).toEqual({ ok: true, value, repairs });
  });

  test("a reply cut off mid-JSON is a failure, never completed into made-up data", () => {
    const result = parseReply('{"value": [{"name": "Ada"}, {"name": "Bao');
    expect(result).toEqual({ ok: false, failure: expect.stringContaining("ends before its JSON is complete") });
    // Even where an earlier `}` would close a valid-looking prefix.
    expect(parseReply('{"value": [{"a": 1}, {"a": 2').ok).toBe(false);
  });

  test("a reply without JSON says so", () => {
    expect(parseReply("I cannot do that.")).toEqual({ ok: false, failure: expect.stringContaining("holds no JSON object") });
  });

  test("an unclosed fence with complete JSON inside still parses", () => {
    expect(parseReply('```json\n{"value": true}')).toEqual({ ok: true, value: { value: true }, repairs: ["code fence"] });
  });

  test("no coercion: numbers in strings stay strings", () => {
    expect(parseReply('{"value": "42"}')).toEqual({ ok: true, value: { value: "42" }, repairs: [] });
  });
});
