/**
 * Maps a position in a compiled JavaScript file back to its source through the file's source map
 * (`//# sourceMappingURL=` as a file or a data URL, else `<file>.map` beside it), read with
 * `@jridgewell/trace-mapping`, an optional dependency loaded only when a map is needed. A map that
 * leads to JavaScript with a map of its own (a bundle of tsc's output) is followed on to the source.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { errorMessage } from "../runtime/util";

/** A 1-based line and column in a file, as editors and `file:line:column` show them. */
export interface Place {
  file: string;
  line: number;
  column: number;
}

type TraceMapping = typeof import("@jridgewell/trace-mapping");

/** How many source maps one position is followed through (bundle -> tsc's JavaScript -> TypeScript is two). */
const MAX_MAPS = 4;
const JAVASCRIPT = /\.[cm]?js$/;

/** Original places of positions in compiled JavaScript, each file's source map read once. */
export class SourcePlaces {
  private readonly mappers = new Map<string, PositionMapper>();

  /** `cwd`: the folder that bundlers' project-relative source names (webpack's) are relative to. */
  constructor(private readonly cwd: string) {}

  /**
   * The original place of 0-based `line` and `column` in `jsFile` (absolute; `text` its content),
   * or the JavaScript's own place and why, when the file has no usable source map. `key` names
   * `text` when it is not the file's own (code a bundle runs with eval, named by its module).
   */
  original(jsFile: string, text: string, line: number, column: number, key = jsFile): { place: Place; unmapped?: string } {
    const own = { file: jsFile, line: line + 1, column: column + 1 };
    const first = this.mapper(jsFile, () => text, key);
    if (first.unmapped) return { place: own, unmapped: first.unmapped };
    let place = first.place(line, column) ?? own;
    for (let maps = 1; maps < MAX_MAPS && place !== own && JAVASCRIPT.test(place.file) && fs.existsSync(place.file); maps++) {
      const next = this.mapper(place.file, () => fs.readFileSync(place.file, "utf8"));
      const further = next.unmapped ? undefined : next.place(place.line - 1, place.column - 1);
      if (!further) break;
      place = further;
    }
    return { place };
  }

  private mapper(file: string, read: () => string, key = file): PositionMapper {
    let mapper = this.mappers.get(key);
    if (!mapper) {
      mapper = positionMapper(file, read(), this.cwd);
      this.mappers.set(key, mapper);
    }
    return mapper;
  }
}

/** Maps positions of one JavaScript file through its own source map. */
interface PositionMapper {
  /** `line` and `column` are 0-based; undefined when the map has nothing there. */
  place(line: number, column: number): Place | undefined;
  /** Why positions stay in the JavaScript file, when they do (no map, unreadable map, trace-mapping missing). */
  unmapped?: string;
}

/** A mapper for `jsFile` (absolute), whose text is `text`. */
function positionMapper(jsFile: string, text: string, cwd: string): PositionMapper {
  const none = (): undefined => undefined;
  const found = readSourceMap(jsFile, text);
  if (!found) return { place: none, unmapped: "no source map" };
  if ("problem" in found) return { place: none, unmapped: found.problem };
  const tracing = loadTraceMapping();
  if (!tracing) return { place: none, unmapped: "@jridgewell/trace-mapping (an optional dependency of llm-strategy) is not installed" };
  let map: InstanceType<TraceMapping["TraceMap"]>;
  try {
    map = new tracing.TraceMap(found.json, found.url);
  } catch (error) {
    return { place: none, unmapped: `its source map ${found.url} is invalid (${errorMessage(error)})` };
  }
  return {
    place(line, column) {
      // Nothing at or before the column (a map that starts the line after its indentation, as tsc's
      // do, asked at column 0 by a coarser map before it): the first mapping after it on the line.
      let original = tracing.originalPositionFor(map, { line: line + 1, column });
      if (original.source === null) original = tracing.originalPositionFor(map, { line: line + 1, column, bias: tracing.LEAST_UPPER_BOUND });
      if (original.source === null || original.line === null || original.column === null) return undefined;
      return { file: sourcePath(original.source, cwd), line: original.line, column: original.column + 1 };
    },
  };
}

/** The source map's text and the path or URL its `sources` are relative to. */
function readSourceMap(jsFile: string, text: string): { json: string; url: string } | { problem: string } | undefined {
  const url = sourceMappingUrl(text);
  if (url?.startsWith("data:")) {
    const comma = url.indexOf(",");
    const isBase64 = url.slice(0, comma).endsWith(";base64");
    const data = url.slice(comma + 1);
    return { json: isBase64 ? Buffer.from(data, "base64").toString("utf8") : decodeURIComponent(data), url: jsFile };
  }
  const mapFile = url !== undefined ? path.resolve(path.dirname(jsFile), decodeURIComponent(url)) : `${jsFile}.map`;
  try {
    return { json: fs.readFileSync(mapFile, "utf8"), url: mapFile };
  } catch {
    return url !== undefined ? { problem: `its source map ${mapFile} cannot be read` } : undefined;
  }
}

/** Whether `text` carries its source map in a `data:` URL (as webpack's `eval-source-map` modules do). */
export function hasInlineSourceMap(text: string): boolean {
  return sourceMappingUrl(text)?.startsWith("data:") ?? false;
}

/** The last `//# sourceMappingURL=` comment's value (a comment at the end of the file, by the source map spec). */
function sourceMappingUrl(text: string): string | undefined {
  const at = text.lastIndexOf("sourceMappingURL=");
  if (at < 0) return undefined;
  const before = text.slice(Math.max(0, at - 4), at);
  if (!/\/[/*][#@]\s?$/.test(before)) return undefined;
  const value = /^[^\s*]+/.exec(text.slice(at + "sourceMappingURL=".length));
  return value?.[0];
}

/** A map's source as a path: webpack names sources `webpack://<name>/./src/a.ts` (with a `?hash` in eval'd modules), relative to the project. */
function sourcePath(source: string, cwd: string): string {
  const webpack = /^webpack:\/\/[^/]*\/(.*?)(?:\?.*)?$/.exec(source);
  if (webpack) return path.resolve(cwd, webpack[1]!);
  return source.startsWith("file://") ? new URL(source).pathname : source;
}

let traceMapping: TraceMapping | null | undefined;

function loadTraceMapping(): TraceMapping | undefined {
  if (traceMapping === undefined) {
    try {
      traceMapping = require("@jridgewell/trace-mapping") as TraceMapping;
    } catch {
      traceMapping = null;
    }
  }
  return traceMapping ?? undefined;
}
