/**
 * `.env` and `env_file` parsing as docker compose reads them: `KEY=VALUE` lines, `#` comments,
 * an optional `export ` prefix, single quotes (literal), double quotes (escapes `\n`, `\t`,
 * `\\`, `\"` and interpolation), unquoted values (interpolated, a ` #` starts a comment), and a
 * bare `KEY` that takes its value from the lookup. Pure.
 *
 * @module
 */
import { interpolate, type VariableLookup } from "./interpolate.ts";

/** A bad line, with its 1-based line number. */
export class EnvFileError extends SyntaxError {
  /** The file. */
  readonly file: string;
  /** 1-based line. */
  readonly line: number;
  /** Creates the error. */
  constructor(file: string, line: number, reason: string) {
    super(`${file}:${line}: ${reason}`);
    this.name = "EnvFileError";
    this.file = file;
    this.line = line;
  }
}

/**
 * Parses an env file. Values may refer to variables of `lookup` and to earlier keys of the same
 * file; a bare `KEY` line takes `lookup(KEY)` and is left out when that is unset.
 *
 * @example
 * ```ts
 * import { parseEnvFile } from "./env_file.ts";
 * import assert from "node:assert/strict";
 * const text = "# c\nA=1\nexport B='x $A'\nC=\"$A\\n\" # n\nD=${A}2 # comment\nHOME\n";
 * assert.deepEqual(parseEnvFile(text, ".env", (k) => k === "HOME" ? "/root" : undefined), {
 *   A: "1", B: "x $A", C: "1\n", D: "12", HOME: "/root",
 * });
 * ```
 */
export function parseEnvFile(
  text: string,
  file: string,
  lookup: VariableLookup,
): Record<string, string> {
  const out: Record<string, string> = {};
  const get: VariableLookup = (k) => Object.hasOwn(out, k) ? out[k] : lookup(k);
  const lines = text.split(/\r?\n/);
  for (let n = 0; n < lines.length; n++) {
    let line = lines[n]!.trim();
    if (line === "" || line.startsWith("#")) continue;
    if (line.startsWith("export ")) line = line.slice(7).trimStart();
    const eq = line.indexOf("=");
    const key = (eq < 0 ? line : line.slice(0, eq)).trim();
    if (!/^[A-Za-z_][A-Za-z0-9_.\-]*$/.test(key)) {
      throw new EnvFileError(file, n + 1, `invalid variable name "${key}"`);
    }
    if (eq < 0) {
      const v = lookup(key);
      if (v !== undefined) out[key] = v;
      continue;
    }
    let raw = line.slice(eq + 1).trimStart();
    const q = raw[0];
    if (q === "'" || q === '"') {
      // A quoted value may span lines.
      let body = raw.slice(1);
      let close = findClose(body, q);
      while (close < 0 && n + 1 < lines.length) {
        body += "\n" + lines[++n]!;
        close = findClose(body, q);
      }
      if (close < 0) throw new EnvFileError(file, n + 1, `unterminated ${q} quote`);
      const inner = body.slice(0, close);
      const rest = body.slice(close + 1).trim();
      if (rest !== "" && !rest.startsWith("#")) {
        throw new EnvFileError(file, n + 1, `unexpected "${rest}" after the closing quote`);
      }
      out[key] = q === "'" ? inner : interpolate(unescape(inner), get);
      continue;
    }
    const hash = raw.search(/\s#/);
    if (hash >= 0) raw = raw.slice(0, hash);
    out[key] = interpolate(raw.trimEnd(), get);
  }
  return out;
}

function findClose(body: string, q: string): number {
  for (let i = 0; i < body.length; i++) {
    if (q === '"' && body[i] === "\\") {
      i++;
      continue;
    }
    if (body[i] === q) return i;
  }
  return -1;
}

function unescape(s: string): string {
  return s.replace(/\\([nrt"\\$])/g, (_, c: string) => {
    switch (c) {
      case "n":
        return "\n";
      case "r":
        return "\r";
      case "t":
        return "\t";
      case "$":
        return "$$";
      default:
        return c;
    }
  });
}
