/**
 * `ApiError`: a Kubernetes `Status` failure (`kind: Status`, `reason`, `code`, `details`) as
 * kube-apiserver sends it, with constructors that word the message exactly as kube-apiserver
 * does (k8s.io/apimachinery/pkg/api/errors), because kubectl prints it verbatim
 * (`Error from server (NotFound): pods "web" not found`).
 *
 * @module
 */
import { invalidMessage, type StatusCause } from "../api/validation.ts";

/** One `details.causes` entry (`reason`, `message`, `field`). */
export type { StatusCause };

/** `Status.details`. */
export interface StatusDetails {
  /** Object name, when the error is about one object. */
  name?: string;
  /** API group (omitted for the core group). */
  group?: string;
  /** Resource (plural) or, for Invalid, the Kind. */
  kind?: string;
  /** Object uid. */
  uid?: string;
  /** Field-level causes. */
  causes?: StatusCause[];
  /** Seconds the client should wait before retrying. */
  retryAfterSeconds?: number;
}

/** A `meta/v1 Status` object. */
export interface Status {
  /** Always `Status`. */
  kind: "Status";
  /** Always `v1`. */
  apiVersion: "v1";
  /** Empty list metadata. */
  metadata: Record<string, never>;
  /** `Success` or `Failure`. */
  status: "Success" | "Failure";
  /** Human-readable description. */
  message?: string;
  /** Machine-readable reason, e.g. `NotFound`. */
  reason?: string;
  /** Extra data. */
  details?: StatusDetails;
  /** HTTP status code. */
  code: number;
}

/** The resource an error is about: plural resource and group (`""` for core). */
export interface GroupResource {
  /** API group, `""` for core. */
  group: string;
  /** Plural resource, e.g. `pods`. */
  resource: string;
}

function qualified(gr: GroupResource): string {
  return gr.group ? `${gr.resource}.${gr.group}` : gr.resource;
}

function grDetails(gr: GroupResource, name: string): StatusDetails {
  return { name, ...(gr.group ? { group: gr.group } : {}), kind: gr.resource };
}

/**
 * An API failure carrying the `Status` kube-apiserver would send.
 *
 * @example
 * ```ts
 * import { ApiError } from "./api_error.ts";
 * import assert from "node:assert/strict";
 * const e = ApiError.notFound({ group: "apps", resource: "deployments" }, "web");
 * assert.equal(e.status.message, 'deployments.apps "web" not found');
 * assert.equal(e.status.code, 404);
 * assert.deepEqual(e.status.details, { name: "web", group: "apps", kind: "deployments" });
 * ```
 */
export class ApiError extends Error {
  /** The Status object to send. */
  readonly status: Status;
  /** Creates the error from its parts. */
  constructor(code: number, reason: string, message: string, details?: StatusDetails) {
    super(message);
    this.name = "ApiError";
    this.status = {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message,
      reason,
      ...(details ? { details } : {}),
      code,
    };
  }

  /** HTTP status code. */
  get code(): number {
    return this.status.code;
  }

  /** `404 NotFound`: `pods "web" not found`. */
  static notFound(gr: GroupResource, name: string): ApiError {
    return new ApiError(
      404,
      "NotFound",
      `${qualified(gr)} "${name}" not found`,
      grDetails(gr, name),
    );
  }

  /** `409 AlreadyExists`: `pods "web" already exists`. */
  static alreadyExists(gr: GroupResource, name: string): ApiError {
    return new ApiError(
      409,
      "AlreadyExists",
      `${qualified(gr)} "${name}" already exists`,
      grDetails(gr, name),
    );
  }

  /**
   * `409 Conflict`: `Operation cannot be fulfilled on pods "web": <why>`; `why` defaults to
   * the optimistic-concurrency wording.
   */
  static conflict(gr: GroupResource, name: string, why?: string): ApiError {
    const reason = why ??
      "the object has been modified; please apply your changes to the latest version and try again";
    return new ApiError(
      409,
      "Conflict",
      `Operation cannot be fulfilled on ${qualified(gr)} "${name}": ${reason}`,
      grDetails(gr, name),
    );
  }

  /**
   * `422 Invalid`: `Pod "web" is invalid: <cause>` (`Deployment.apps "web" ...` for other
   * groups; several causes in `[a, b]`), with `details.kind` the Kind and `details.causes` the
   * field errors.
   */
  static invalid(
    group: string,
    kind: string,
    name: string,
    causes: readonly StatusCause[],
  ): ApiError {
    return new ApiError(422, "Invalid", invalidMessage(kind, group, name, causes), {
      name,
      ...(group ? { group } : {}),
      kind,
      causes: [...causes],
    });
  }

  /** `400 BadRequest` with the message as given. */
  static badRequest(message: string): ApiError {
    return new ApiError(400, "BadRequest", message);
  }

  /** `403 Forbidden`: `pods "web" is forbidden: <why>`. */
  static forbidden(gr: GroupResource, name: string, why: string): ApiError {
    return new ApiError(
      403,
      "Forbidden",
      `${qualified(gr)} "${name}" is forbidden: ${why}`,
      grDetails(gr, name),
    );
  }

  /** `405 MethodNotAllowed`. */
  static methodNotAllowed(): ApiError {
    return new ApiError(
      405,
      "MethodNotAllowed",
      "the server does not allow this method on the requested resource",
    );
  }

  /** `404 NotFound` for a path the server does not serve. */
  static pathNotFound(): ApiError {
    return new ApiError(404, "NotFound", "the server could not find the requested resource", {});
  }

  /** `401 Unauthorized`. */
  static unauthorized(): ApiError {
    return new ApiError(401, "Unauthorized", "Unauthorized");
  }

  /** `410 Expired` (a resourceVersion or continue token too old). */
  static expired(message: string): ApiError {
    return new ApiError(410, "Expired", message);
  }

  /** `415 UnsupportedMediaType`. */
  static unsupportedMediaType(contentType: string, accepted: readonly string[]): ApiError {
    return new ApiError(
      415,
      "UnsupportedMediaType",
      `the body of the request was in an unknown format - accepted media types include: ${
        accepted.join(", ")
      }`,
      contentType ? {} : undefined,
    );
  }

  /** `413 RequestEntityTooLarge`: `Request entity too large: limit is 3145728`. */
  static tooLarge(limit: number): ApiError {
    return new ApiError(
      413,
      "RequestEntityTooLarge",
      `Request entity too large: limit is ${limit}`,
    );
  }

  /** `500 InternalError`: `Internal error occurred: <message>`. */
  static internal(message: string): ApiError {
    return new ApiError(500, "InternalError", `Internal error occurred: ${message}`, {
      causes: [{ reason: "", message, field: "" }],
    });
  }

  /** `503 ServiceUnavailable` (the store cannot be reached). */
  static unavailable(message: string): ApiError {
    return new ApiError(503, "ServiceUnavailable", message);
  }

  /** `504 Timeout`. */
  static timeout(message: string): ApiError {
    return new ApiError(504, "Timeout", message);
  }
}
