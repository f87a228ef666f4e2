import * as fs from "node:fs";
import * as path from "node:path";
import type { TraceJson } from "../runtime/tracing/format";

/** Where the viewer is: `viewer/` next to `cli/` in the repository, `dist/viewer/` next to `dist/cli/` once built. */
function viewerPath(): string {
  return path.resolve(__dirname, "..", "viewer", "trace-viewer.html");
}

/** The empty data element of the viewer, which a written page fills with the trace. */
const DATA_ELEMENT = '<script type="application/json" id="trace-data"></script>';

/**
 * The viewer as one self-contained page with `trace` inside it (opens without a server, offline).
 * @param source Shown as the page's title when the trace has no name (e.g. the file name).
 */
export function tracePage(trace: TraceJson, source: string, viewer = fs.readFileSync(viewerPath(), "utf8")): string {
  const at = viewer.indexOf(DATA_ELEMENT);
  if (at < 0) throw new Error(`${viewerPath()} has no ${DATA_ELEMENT}; the viewer file is not the one this package ships.`);
  // `<` escaped: no `</script>` (or `<!--`) inside the data can end the element early.
  const json = JSON.stringify(trace).replace(/</g, "\\u003c");
  const element = `<script type="application/json" id="trace-data" data-source="${escapeAttribute(source)}">${json}</script>`;
  return viewer.slice(0, at) + element + viewer.slice(at + DATA_ELEMENT.length);
}

function escapeAttribute(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
