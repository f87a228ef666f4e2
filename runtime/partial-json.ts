/**
 * An incremental JSON parser for replies that arrive in pieces. Each character is looked at
 * once, whatever the number of pieces: the value is built in place as the text arrives (never
 * re-parsing what came before), so the total work is linear in the reply's length.
 *
 * The value so far is always a valid prefix of the final one: strings grow, arrays gain items
 * (an item appears once it has started; a number or literal once it is complete), objects hold
 * the keys seen so far. It is ONE value that grows: containers are the same objects from piece
 * to piece. Leading text before the first `{` or `[` (a code fence, prose) is skipped; text
 * after the value closes is ignored. A text that is not JSON stops the parser (`failed`): the
 * runtime's lenient parse of the whole reply decides what the reply was.
 */

const enum State {
  /** Before the root value: skipping until `{` or `[`. */
  Start,
  /** Expecting a value (after `:` or `,` in an array). */
  Value,
  /** After `[`: a value or `]`. */
  ArrayFirst,
  /** After `{`: a key or `}`. */
  ObjectFirst,
  /** After `,` in an object: a key. */
  Key,
  /** After a key: `:`. */
  Colon,
  /** After a value: `,` or the closing bracket. */
  After,
  String,
  /** After a backslash in a string. */
  Escape,
  /** In the 4 hex digits of `\uXXXX`. */
  Unicode,
  Number,
  Literal,
  Done,
  Failed,
}

const ESCAPES: Record<string, string> = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };

export class PartialJsonParser {
  /** The value so far; undefined until the root `{` or `[` arrived. */
  value: unknown = undefined;
  private state = State.Start;
  /** Open containers, innermost last. */
  private readonly stack: (Record<string, unknown> | unknown[])[] = [];
  /** Per open object, the key whose value comes next. */
  private readonly keys: (string | undefined)[] = [];
  /** The string or number being read, and whether the string is a key. */
  private token = "";
  private tokenIsKey = false;
  /** Where the value string being read lives (so the partial shows it growing). */
  private stringHolder: Record<string, unknown> | unknown[] | undefined;
  private stringSlot: string | number = 0;
  /** Length of the value string as last shown; -1 before it showed at all. */
  private shownLength = -1;
  private hex = "";
  private readonly keyNames = new Map<string, string>();

  /** True once the root value closed. */
  get done(): boolean {
    return this.state === State.Done;
  }

  /** True once the text proved not to be JSON; the parser then ignores the rest. */
  get failed(): boolean {
    return this.state === State.Failed;
  }

  /** Reads the next piece of text; true when the value changed. */
  feed(chunk: string): boolean {
    let changed = false;
    const length = chunk.length;
    let index = 0;
    // Locals, written back at the end: field access per character costs more than the parsing.
    let state = this.state;
    let token = this.token;
    /** The next backslash at or after `index` (-1: none left); -2 until first searched. */
    let backslash = -2;
    while (index < length) {
      if (state === State.String) {
        // The fast path: most of a reply is string content without escapes, found by native
        // searches. The next backslash is searched once per piece and again only once passed.
        if (backslash < index && backslash !== -1) backslash = chunk.indexOf("\\", index);
        let end = chunk.indexOf('"', index);
        if (end === -1) end = length;
        const escaped = backslash !== -1 && backslash < end;
        if (escaped) end = backslash;
        if (end > index) token = token === "" ? chunk.slice(index, end) : token + chunk.slice(index, end);
        if (end === length) break;
        index = end + 1;
        if (escaped) {
          state = State.Escape;
          continue;
        }
        if (this.tokenIsKey) {
          // The same few keys repeat through a reply: one string per key name makes each
          // store a fast one (a fresh slice would be looked up in V8's string table every time).
          let key = this.keyNames.get(token);
          if (key === undefined && this.keyNames.size < MAX_KEY_NAMES) this.keyNames.set(token, (key = token));
          this.keys[this.keys.length - 1] = key ?? token;
          state = State.Colon;
        } else {
          // Shown whole already at the end of the last piece: the closing quote changes nothing.
          if (this.shownLength !== token.length) changed = true;
          this.putString(token);
          this.stringHolder = undefined;
          state = State.After;
        }
        continue;
      }
      const code = chunk.charCodeAt(index);
      if (code === 32 || code === 10 || code === 13 || code === 9) {
        if (state === State.Number || state === State.Literal) {
          state = this.endToken(state === State.Number, token);
          if (state !== State.Failed) changed = true;
        } else if (state === State.Escape || state === State.Unicode) state = State.Failed;
        index++;
        continue;
      }
      switch (state) {
        case State.Value:
        case State.ArrayFirst:
          index++;
          if (code === 93 && state === State.ArrayFirst) state = this.close(false);
          else if (code === 34) {
            token = "";
            state = this.startString();
          } else if (code === 123 || code === 91) {
            state = this.open(code === 123);
            changed = true;
          } else if (code === 45 || (code >= 48 && code <= 57)) {
            token = chunk[index - 1]!;
            state = State.Number;
          } else if (code === 116 || code === 102 || code === 110) {
            token = chunk[index - 1]!;
            state = State.Literal;
          } else state = State.Failed;
          break;
        case State.After:
          index++;
          if (code === 44) state = Array.isArray(this.stack[this.stack.length - 1]) ? State.Value : State.Key;
          else if (code === 93) state = this.close(false);
          else if (code === 125) state = this.close(true);
          else state = State.Failed;
          break;
        case State.ObjectFirst:
        case State.Key:
          index++;
          if (code === 34) {
            token = "";
            this.tokenIsKey = true;
            state = State.String;
          } else if (code === 125 && state === State.ObjectFirst) state = this.close(true);
          else state = State.Failed;
          break;
        case State.Colon:
          index++;
          state = code === 58 ? State.Value : State.Failed;
          break;
        case State.Number:
        case State.Literal: {
          let end = index;
          if (state === State.Number) while (end < length && isNumberChar(chunk.charCodeAt(end))) end++;
          else while (end < length && isLetter(chunk.charCodeAt(end))) end++;
          token += chunk.slice(index, end);
          index = end;
          if (end === length) break;
          // The token ended: it is complete now, and only now does it appear in the value.
          state = this.endToken(state === State.Number, token);
          if (state !== State.Failed) changed = true;
          break;
        }
        case State.Escape: {
          index++;
          if (code === 117) {
            this.hex = "";
            state = State.Unicode;
          } else {
            const escaped = ESCAPES[String.fromCharCode(code)];
            if (escaped === undefined) state = State.Failed;
            else {
              token += escaped;
              state = State.String;
            }
          }
          break;
        }
        case State.Unicode:
          this.hex += chunk[index++];
          if (this.hex.length === 4) {
            if (!/^[0-9a-fA-F]{4}$/.test(this.hex)) state = State.Failed;
            else {
              token += String.fromCharCode(Number.parseInt(this.hex, 16));
              state = State.String;
            }
          }
          break;
        case State.Start: {
          const open = firstOpening(chunk, index);
          if (open < 0) index = length;
          else {
            index = open;
            state = State.Value;
          }
          break;
        }
        default:
          // Done or failed: the rest is ignored.
          index = length;
      }
    }
    this.state = state;
    this.token = token;
    // A value string cut by the piece's end shows as far as it arrived.
    if ((state === State.String || state === State.Escape || state === State.Unicode) && !this.tokenIsKey && this.stringHolder) {
      if (this.shownLength !== token.length) {
        this.putString(token);
        this.shownLength = token.length;
        changed = true;
      }
    }
    return changed;
  }

  /**
   * Reads the end of the text: a number at the very end (`{"a":1` cannot end so, but a bare
   * root could) has no delimiter after it. Returns true when the value changed.
   */
  end(): boolean {
    if (this.state !== State.Number && this.state !== State.Literal) return false;
    return this.feed(" ");
  }

  /** A value string begins: it shows (empty at first) from the end of this piece on. */
  private startString(): State {
    const top = this.stack[this.stack.length - 1];
    if (top === undefined) return State.Failed;
    this.tokenIsKey = false;
    this.shownLength = -1;
    this.stringHolder = top;
    this.stringSlot = Array.isArray(top) ? top.length : this.keys[this.keys.length - 1]!;
    return State.String;
  }

  private putString(text: string): void {
    const holder = this.stringHolder!;
    if (Array.isArray(holder)) holder[this.stringSlot as number] = text;
    else setOwn(holder, this.stringSlot as string, text);
  }

  private endToken(number: boolean, token: string): State {
    const value = number ? numberOf(token) : LITERALS.get(token);
    if (value === undefined) return State.Failed;
    this.add(value === NULL ? null : value);
    return State.After;
  }

  private open(object: boolean): State {
    const container: Record<string, unknown> | unknown[] = object ? {} : [];
    this.add(container);
    this.stack.push(container);
    this.keys.push(undefined);
    return object ? State.ObjectFirst : State.ArrayFirst;
  }

  private close(object: boolean): State {
    const top = this.stack[this.stack.length - 1];
    if (top === undefined || Array.isArray(top) === object) return State.Failed;
    this.stack.pop();
    this.keys.pop();
    // A closed container changes nothing visible (its contents already show).
    return this.stack.length ? State.After : State.Done;
  }

  /** Puts a value where the grammar says: the root, the next array item, or the pending key. */
  private add(value: unknown): void {
    const top = this.stack[this.stack.length - 1];
    if (top === undefined) this.value = value;
    else if (Array.isArray(top)) top.push(value);
    else setOwn(top, this.keys[this.keys.length - 1]!, value);
  }

}

/** `"__proto__"` as an own data property, as `JSON.parse` makes it (never the prototype setter). */
function setOwn(object: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
  else object[key] = value;
}

/** Distinct key names remembered per reply (records with generated keys stop there). */
const MAX_KEY_NAMES = 1024;

const NULL = Symbol("null");
const LITERALS = new Map<string, unknown>([
  ["true", true],
  ["false", false],
  ["null", NULL],
]);

/** JSON's number grammar, checked once per number (not per character). */
const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

function numberOf(text: string): number | undefined {
  // Most numbers are small whole ones: digits only, no leading zero.
  const first = text.charCodeAt(0);
  if (first >= 49 && first <= 57 && text.length < 16) {
    let index = 1;
    while (index < text.length && text.charCodeAt(index) >= 48 && text.charCodeAt(index) <= 57) index++;
    if (index === text.length) return Number(text);
  }
  return NUMBER.test(text) ? Number(text) : undefined;
}

function isNumberChar(code: number): boolean {
  return (code >= 48 && code <= 57) || code === 45 || code === 43 || code === 46 || code === 101 || code === 69;
}

function isLetter(code: number): boolean {
  return code >= 97 && code <= 122;
}

function firstOpening(text: string, from: number): number {
  const brace = text.indexOf("{", from);
  const bracket = text.indexOf("[", from);
  if (brace < 0) return bracket;
  if (bracket < 0) return brace;
  return Math.min(brace, bracket);
}
