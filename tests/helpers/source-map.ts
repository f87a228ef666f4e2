/** Reads a source map's `mappings` (base64 VLQ) so tests can check where generated code points. */

export interface Mapping {
  generatedLine: number; // 0-based
  generatedColumn: number; // 0-based
  sourceLine: number; // 0-based
  sourceColumn: number; // 0-based
}

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

export function decodeMappings(mappings: string): Mapping[] {
  const result: Mapping[] = [];
  let sourceLine = 0;
  let sourceColumn = 0;
  mappings.split(";").forEach((line, generatedLine) => {
    let generatedColumn = 0;
    for (const segment of line.split(",")) {
      if (!segment) continue;
      const fields = decodeVlq(segment);
      generatedColumn += fields[0]!;
      if (fields.length >= 4) {
        sourceLine += fields[2]!;
        sourceColumn += fields[3]!;
        result.push({ generatedLine, generatedColumn, sourceLine, sourceColumn });
      }
    }
  });
  return result;
}

function decodeVlq(segment: string): number[] {
  const values: number[] = [];
  let value = 0;
  let shift = 0;
  for (const char of segment) {
    const digit = BASE64.indexOf(char);
    value += (digit & 31) << shift;
    if (digit & 32) {
      shift += 5;
    } else {
      values.push(value & 1 ? -(value >>> 1) : value >>> 1);
      value = 0;
      shift = 0;
    }
  }
  return values;
}

/** The source position (0-based line and column) the generated text `needle` maps to: the mapping at or just before its start. */
export function originalPositionOf(generated: string, map: { mappings: string }, needle: string): { line: number; column: number } {
  const offset = generated.indexOf(needle);
  if (offset < 0) throw new Error(`"${needle}" is not in the generated code`);
  const before = generated.slice(0, offset).split("\n");
  const line = before.length - 1;
  const column = before[before.length - 1]!.length;
  const candidates = decodeMappings(map.mappings).filter((m) => m.generatedLine === line && m.generatedColumn <= column);
  const best = candidates[candidates.length - 1];
  if (!best) throw new Error(`no mapping for "${needle}" at ${line}:${column}`);
  return { line: best.sourceLine, column: best.sourceColumn };
}
