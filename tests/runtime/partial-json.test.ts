/**
 * The incremental JSON parser: every way of cutting a reply into pieces ends in the value
 * `JSON.parse` gives, and every value on the way is a prefix of the next.
 */
import { PartialJsonParser } from "../../runtime/partial-json";
import { isPrefix } from "../helpers/partial-prefix";

const SAMPLE = JSON.stringify({
  value: [
    { key: "c0", name: 'A "quoted" \\ name\nwith é, \u2603 and \ud83d\ude00', age: 42, ratio: -1.5e-3, ok: true, gone: false, nick: null, tags: [] },
    { key: "c1", nested: { deep: [[1, 2], [3]], empty: {} }, text: "\t\u0001" },
    "plain",
    0,
  ],
  __proto__: { own: "property" },
});

function feedInPieces(text: string, size: number): { parser: PartialJsonParser; states: string[] } {
  const parser = new PartialJsonParser();
  const states: string[] = [];
  for (let index = 0; index < text.length; index += size) {
    if (parser.feed(text.slice(index, index + size))) states.push(JSON.stringify(parser.value));
  }
  parser.end();
  return { parser, states };
}

test("every piece size ends in JSON.parse's value, through prefixes only", () => {
  const expected = JSON.parse(SAMPLE) as unknown;
  for (let size = 1; size <= SAMPLE.length; size++) {
    const { parser, states } = feedInPieces(SAMPLE, size);
    expect(parser.done).toBe(true);
    expect(parser.failed).toBe(false);
    expect(parser.value).toEqual(expected);
    for (let index = 1; index < states.length; index++) expect(isPrefix(JSON.parse(states[index - 1]!), JSON.parse(states[index]!))).toBe(true);
  }
});

test("one character at a time: strings grow, items appear once started, numbers once complete", () => {
  const parser = new PartialJsonParser();
  const seen: string[] = [];
  for (const char of '{"a":"xy","b":[12,"z"],"c":true}') if (parser.feed(char)) seen.push(JSON.stringify(parser.value));
  expect(seen).toEqual([
    "{}",
    '{"a":""}',
    '{"a":"x"}',
    '{"a":"xy"}',
    '{"a":"xy","b":[]}',
    '{"a":"xy","b":[12]}',
    '{"a":"xy","b":[12,""]}',
    '{"a":"xy","b":[12,"z"]}',
    '{"a":"xy","b":[12,"z"],"c":true}',
  ]);
});

test("the same containers grow: a partial is one value, not a copy per piece", () => {
  const parser = new PartialJsonParser();
  parser.feed('{"value":[{"a":1},');
  const array = (parser.value as { value: unknown[] }).value;
  parser.feed('{"a":2}]}');
  expect((parser.value as { value: unknown[] }).value).toBe(array);
  expect(array).toEqual([{ a: 1 }, { a: 2 }]);
});

test("a key __proto__ is an own property, never the prototype", () => {
  const parser = new PartialJsonParser();
  parser.feed('{"__proto__":{"polluted":true}}');
  const value = parser.value as Record<string, unknown>;
  expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
  expect(Object.prototype.hasOwnProperty.call(value, "__proto__")).toBe(true);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
});

test("text before the JSON is skipped, text after it ignored", () => {
  const { parser } = feedInPieces('Here it is:\n```json\n{"value": [1, 2]}\n```\nAnything [else]', 3);
  expect(parser.done).toBe(true);
  expect(parser.value).toEqual({ value: [1, 2] });
});

test.each([
  ['{"a":01}', "a number with a leading zero"],
  ['{"a":tru}', "a cut literal"],
  ['{"a" 1}', "a missing colon"],
  ['{"a":1]', "a mismatched bracket"],
  ['{"a":"\\x"}', "an unknown escape"],
  ['{"a":"\\u12G4"}', "a bad unicode escape"],
  ['{"a":"\\ n"}', "a space after a backslash"],
  ['{"a":"\\u12 4"}', "a space in a unicode escape"],
  ["{'a':1}", "single quotes"],
])("%s fails (%s) and keeps what it had", (text) => {
  const { parser } = feedInPieces(text, 2);
  expect(parser.failed).toBe(true);
  expect(parser.done).toBe(false);
  expect(typeof parser.value).toBe("object");
});

test("a cut reply leaves its prefix: an open string shows, an unfinished number does not", () => {
  const parser = new PartialJsonParser();
  parser.feed('{"value":[{"name":"Ad');
  expect(parser.value).toEqual({ value: [{ name: "Ad" }] });
  parser.feed('a","age":4');
  expect(parser.value).toEqual({ value: [{ name: "Ada" }] });
  expect(parser.done).toBe(false);
});
