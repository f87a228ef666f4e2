/**
 * Parameters that are not inputs: the explicit model (a `LanguageModel`, the seed's
 * `llm_explicit_function`) and an `AbortSignal` passed through to the request. Recognised by
 * declaration, never by the name written at the use site, so aliases and re-exports work and
 * a user's own `LanguageModel` type is an ordinary input.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type * as ts from "typescript";
import type { ParamSpec } from "../../runtime/spec";
import type { TypeClassifier } from "./classify";

const PACKAGE_NAME = "llm-strategy";

export class ParameterRoles {
  private readonly bySymbol = new Map<ts.Symbol, ParamSpec["role"]>();

  constructor(private readonly classify: TypeClassifier) {}

  roleOf(type: ts.Type): ParamSpec["role"] {
    const { TypeFlags } = this.classify.tools.ts;
    // `model?: LanguageModel` is still the model.
    const members = type.flags & TypeFlags.Union ? (type as ts.UnionType).types : [type];
    const present = members.filter((member) => !(member.flags & (TypeFlags.Undefined | TypeFlags.Null)));
    if (present.length !== 1) return "input";
    const symbol = present[0]!.aliasSymbol ?? present[0]!.getSymbol();
    if (!symbol) return "input";
    let role = this.bySymbol.get(symbol);
    if (!role) {
      role = this.classifySymbol(symbol);
      this.bySymbol.set(symbol, role);
    }
    return role;
  }

  private classifySymbol(symbol: ts.Symbol): ParamSpec["role"] {
    if (symbol.name === "AbortSignal" && this.classify.isPlatformSymbol(symbol)) return "signal";
    if (symbol.name === "LanguageModel" && (symbol.declarations ?? []).some((d) => isPackageRuntimeFile(d.getSourceFile().fileName))) return "model";
    return "input";
  }
}

const packageNameByDir = new Map<string, string | undefined>();

/**
 * A file under the `runtime/` folder of the package named `llm-strategy` (the nearest
 * package.json decides): `runtime/model.ts` in its repository, `dist/runtime/*.d.ts` installed.
 */
function isPackageRuntimeFile(fileName: string): boolean {
  const normalized = fileName.replace(/\\/g, "/");
  if (!/\/runtime\/(?:[^/]+\/)*[^/]+\.(?:d\.)?[cm]?ts$/.test(normalized)) return false;
  return nearestPackageName(path.dirname(normalized)) === PACKAGE_NAME;
}

function nearestPackageName(dir: string): string | undefined {
  if (packageNameByDir.has(dir)) return packageNameByDir.get(dir);
  let name: string | undefined;
  const manifest = path.join(dir, "package.json");
  if (fs.existsSync(manifest)) {
    try {
      const parsed = JSON.parse(fs.readFileSync(manifest, "utf8")) as { name?: unknown };
      name = typeof parsed.name === "string" ? parsed.name : undefined;
    } catch {
      name = undefined;
    }
  } else {
    const parent = path.dirname(dir);
    name = parent === dir ? undefined : nearestPackageName(parent);
  }
  packageNameByDir.set(dir, name);
  return name;
}
