// Placeholder until apilib lands plane/api/validation.ts (same exported names); delete then.
import type { StatusCause } from "./api_error.ts";

const subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dns1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const subdomainMsg =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const labelMsg =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const dns1035Msg =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

function invalid(field: string, value: string, detail: string): StatusCause {
  return {
    reason: "FieldValueInvalid",
    message: `Invalid value: ${JSON.stringify(value)}: ${detail}`,
    field,
  };
}

/** Field errors of `obj` (a `kind` object): names by kube-apiserver's rules, required fields. */
export function validateObject(
  kind: string,
  obj: Record<string, unknown>,
  _old?: Record<string, unknown>,
): StatusCause[] {
  const causes: StatusCause[] = [];
  const meta = (obj.metadata ?? {}) as Record<string, unknown>;
  const name = meta.name;
  if (typeof name !== "string" || name === "") {
    causes.push({
      reason: "FieldValueRequired",
      message: "Required value: name or generateName is required",
      field: "metadata.name",
    });
  } else if (kind === "Namespace") {
    if (!label.test(name) || name.length > 63) {
      causes.push(invalid("metadata.name", name, labelMsg));
    }
  } else if (kind === "Service") {
    if (!dns1035.test(name) || name.length > 63) {
      causes.push(invalid("metadata.name", name, dns1035Msg));
    }
  } else if (!subdomain.test(name) || name.length > 253) {
    causes.push(invalid("metadata.name", name, subdomainMsg));
  }
  if (kind === "Pod") {
    const spec = obj.spec as Record<string, unknown> | undefined;
    const cs = spec?.containers;
    if (!Array.isArray(cs) || cs.length === 0) {
      causes.push({
        reason: "FieldValueRequired",
        message: "Required value",
        field: "spec.containers",
      });
    }
  }
  return causes;
}
