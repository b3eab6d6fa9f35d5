/**
 * Help text laid out exactly as commander's `Help.formatHelp` lays it out (commander 14: usage,
 * description wrapped to the width, then titled lists of term and description, descriptions
 * aligned and wrapped at whitespace, no wrapping below 40 columns). `main.ts` prints `rkl --help`
 * with it without loading commander; `main_test.ts` checks that both texts are equal at several
 * widths.
 *
 * @module
 */

/** A help text: what `formatHelp` lays out. */
export interface HelpText {
  /** After `Usage: `, e.g. `rkl [options] [command]`. */
  usage: string;
  /** One paragraph under the usage line (may be empty). */
  description: string;
  /** Titled lists, e.g. `Options:` and `Commands:`, each `[term, description]`; empty ones are left out. */
  sections: readonly { title: string; items: readonly (readonly [string, string])[] }[];
}

/** Commander's `Help.minWidthToWrap`: narrower text is not wrapped. */
const MIN_WIDTH_TO_WRAP = 40;

/** Wraps `text` at whitespace to `width` columns, keeping its line breaks (commander's `boxWrap`). */
function boxWrap(text: string, width: number): string {
  if (width < MIN_WIDTH_TO_WRAP) return text;
  const wrapped: string[] = [];
  for (const line of text.split(/\r\n|\n/)) {
    const chunks = line.match(/[\s]*[^\s]+/g);
    if (chunks === null) {
      wrapped.push("");
      continue;
    }
    let current = chunks[0]!;
    for (const chunk of chunks.slice(1)) {
      if (current.length + chunk.length <= width) current += chunk;
      else {
        wrapped.push(current);
        current = chunk.trimStart();
      }
    }
    wrapped.push(current);
  }
  return wrapped.join("\n");
}

/** One item: the term padded to `termWidth`, the description wrapped and indented beside it. */
function formatItem(term: string, termWidth: number, description: string, width: number): string {
  if (!description) return `  ${term}`;
  const remaining = width - termWidth - 2 - 2;
  const text = remaining < MIN_WIDTH_TO_WRAP || /\n[^\S\r\n]/.test(description)
    ? description
    : boxWrap(description, remaining).replace(/\n/g, `\n${" ".repeat(termWidth + 2)}`);
  return `  ${term.padEnd(termWidth)}  ${text.replace(/\n/g, "\n  ")}`;
}

/**
 * Lays out `help` for a terminal `width` columns wide (commander uses 80 when output is not a
 * terminal). The result ends with a newline, as commander prints it.
 *
 * @example
 * ```ts
 * import { formatHelp } from "./help_text.ts";
 * import assert from "node:assert/strict";
 * const text = formatHelp({
 *   usage: "tool [options]",
 *   description: "does things",
 *   sections: [{ title: "Options:", items: [["-h, --help", "display help for command"]] }],
 * }, 80);
 * assert.equal(
 *   text,
 *   "Usage: tool [options]\n\ndoes things\n\nOptions:\n  -h, --help  display help for command\n",
 * );
 * ```
 */
export function formatHelp(help: HelpText, width: number): string {
  const termWidth = Math.max(0, ...help.sections.flatMap((s) => s.items.map(([t]) => t.length)));
  const out = [`Usage: ${help.usage}`, ""];
  if (help.description) out.push(boxWrap(help.description, width), "");
  for (const section of help.sections) {
    if (section.items.length === 0) continue;
    out.push(section.title);
    for (const [term, description] of section.items) {
      out.push(formatItem(term, termWidth, description, width));
    }
    out.push("");
  }
  return out.join("\n");
}
