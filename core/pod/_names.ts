/**
 * Kubernetes name rules (DNS-1123 labels and subdomains, environment variable names).
 *
 * @module
 */

const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

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

const QUANTITY =
  /^[+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?[0-9]+)?$/;

/** Returns why `q` is not a Kubernetes quantity (`500m`, `1`, `512Mi`), or undefined. */
export function quantityProblem(q: string): string | undefined {
  if (!QUANTITY.test(q)) {
    return `"${q}" is not a quantity (examples: 500m, 0.5, 1, 512Mi, 1Gi, 128M)`;
  }
  return undefined;
}
