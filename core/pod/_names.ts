/**
 * Kubernetes name rules (DNS-1123 labels and subdomains, environment variable names) and
 * quantity checks, as reasons for manifest errors.
 *
 * @module
 */
import { DNS1123_LABEL as LABEL } from "../container/config.ts";
import { cpuMillis, memoryBytes, QuantityError } from "../quantity.ts";

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

/** Returns why `name` is not a valid environment variable name, or undefined. */
export function envNameProblem(name: string): string | undefined {
  if (!/^[-._a-zA-Z][-._a-zA-Z0-9]*$/.test(name)) {
    return `"${name}" is not a valid environment variable name`;
  }
  return undefined;
}

/**
 * Returns why `q` is not a valid `cpu` or `memory` quantity (`500m`, `1`, `512Mi`), or undefined.
 * Uses the same parser that turns quantities into cgroup limits.
 */
export function quantityProblem(q: string, resource: "cpu" | "memory"): string | undefined {
  try {
    if (resource === "cpu") cpuMillis(q);
    else memoryBytes(q);
    return undefined;
  } catch (e) {
    if (e instanceof QuantityError) {
      return `"${q}" is not a valid ${resource} quantity: ${e.reason}`;
    }
    throw e;
  }
}
