/**
 * Kubernetes name rules (DNS-1123 labels and subdomains), as reasons for manifest errors; the
 * environment variable name rule and the quantity check live in `../container/fields.ts`.
 *
 * @module
 */
// Deferred: evaluating node:crypto sets up Node compatibility (tens of ms at start-up); only
// names too long for a runtime container name need it.
import defer * as nodeCrypto from "node:crypto";
import { containerNameProblem, DNS1123_LABEL as LABEL } from "../container/config.ts";

/** Returns why `name` is not a DNS-1123 label, or undefined when it is one. */
export function dns1123LabelProblem(name: string): string | undefined {
  if (name.length === 0) return "must not be empty";
  if (name.length > 63) return `"${name}" is longer than 63 characters (DNS-1123 label)`;
  if (!LABEL.test(name)) {
    return `"${name}" is not a DNS-1123 label: lower-case letters, digits and '-', ` +
      "starting and ending with a letter or digit";
  }
  return undefined;
}

/** Returns why `name` is not a DNS-1123 subdomain, or undefined when it is one. */
export function dns1123SubdomainProblem(name: string): string | undefined {
  if (name.length === 0) return "must not be empty";
  if (name.length > 253) return `"${name}" is longer than 253 characters (DNS-1123 subdomain)`;
  if (!name.split(".").every((part) => LABEL.test(part))) {
    return `"${name}" is not a DNS-1123 subdomain: lower-case letters, digits, '-' and '.', ` +
      "each part starting and ending with a letter or digit";
  }
  return undefined;
}

export { envNameProblem, quantityProblem } from "../container/fields.ts";

const QUALIFIED_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/**
 * Why `key` is not a Kubernetes label (or annotation) key, or undefined: an optional DNS-1123
 * subdomain prefix and `/`, then a name of at most 63 characters (letters, digits, `-`, `_`,
 * `.`, starting and ending with a letter or digit) — apimachinery's `IsQualifiedName`.
 *
 * @example
 * ```ts
 * import { labelKeyProblem } from "./_names.ts";
 * import assert from "node:assert/strict";
 * assert.equal(labelKeyProblem("app.kubernetes.io/name"), undefined);
 * assert.match(labelKeyProblem("my key") ?? "", /name part must consist of/);
 * ```
 */
export function labelKeyProblem(key: string): string | undefined {
  const parts = key.split("/");
  if (parts.length > 2) return `"${key}" has more than one "/"`;
  const name = parts.at(-1)!;
  if (parts.length === 2) {
    const prefix = dns1123SubdomainProblem(parts[0]!);
    if (prefix) return `prefix part ${prefix}`;
  }
  if (name.length === 0) return `"${key}": name part must be non-empty`;
  if (name.length > 63) return `"${key}": name part must be no more than 63 characters`;
  if (!QUALIFIED_NAME.test(name)) {
    return `"${key}": name part must consist of alphanumeric characters, '-', '_' or '.', and ` +
      "must start and end with an alphanumeric character";
  }
  return undefined;
}

/**
 * Why `value` is not a Kubernetes label value, or undefined: empty, or at most 63 characters of
 * letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit
 * (apimachinery's `IsValidLabelValue`).
 *
 * @example
 * ```ts
 * import { labelValueProblem } from "./_names.ts";
 * import assert from "node:assert/strict";
 * assert.equal(labelValueProblem("v1.2_beta"), undefined);
 * assert.equal(labelValueProblem(""), undefined);
 * assert.match(labelValueProblem("./dir") ?? "", /must start and end with an alphanumeric/);
 * ```
 */
export function labelValueProblem(value: string): string | undefined {
  if (value === "") return undefined;
  if (value.length > 63) return `"${value}": must be no more than 63 characters`;
  if (!QUALIFIED_NAME.test(value)) {
    return `"${value}": a valid label value must be an empty string or consist of alphanumeric ` +
      "characters, '-', '_' or '.', and must start and end with an alphanumeric character";
  }
  return undefined;
}

/**
 * The engine (runtime) name of a pod's container: `namespace_pod_container` when that is a valid
 * runtime name (each part a DNS-1123 label, at most 253 characters), else the pod part is
 * shortened and made unique with a hash of the full name, so every valid pod (name up to 253
 * characters, namespace up to 63) gets a valid, stable, node-unique name and never fails late.
 *
 * @example
 * ```ts
 * import { runtimeContainerName } from "./_names.ts";
 * import assert from "node:assert/strict";
 * assert.equal(runtimeContainerName("default", "web", "app"), "default_web_app");
 * const long = runtimeContainerName("default", "a".repeat(72), "app");
 * assert.match(long, /^default_a{40}-[0-9a-f]{16}_app$/);
 * ```
 */
export function runtimeContainerName(namespace: string, pod: string, container: string): string {
  const plain = `${namespace}_${pod}_${container}`;
  if (containerNameProblem(plain, true) === undefined) return plain;
  const hash = nodeCrypto.createHash("sha256").update(`${namespace}/${pod}`).digest("hex").slice(
    0,
    16,
  );
  const head = pod.slice(0, 40).replace(/[^a-z0-9]+$/, "").replaceAll(".", "-");
  return `${namespace}_${head ? `${head}-` : ""}${hash}_${container}`;
}
