/**
 * The gRPC probe (`grpc: {port, service}`), as the kubelet runs it: one call of the standard
 * health service, `grpc.health.v1.Health/Check`, over plaintext HTTP/2 to the pod's IP; the probe
 * passes when the answer's status is `SERVING` (source: kubernetes.io/docs/tasks/configure-pod-
 * container/configure-liveness-readiness-startup-probes/#define-a-grpc-liveness-probe and
 * github.com/grpc/grpc/blob/master/doc/health-checking.md). The two messages have one field each,
 * so they are encoded here by hand (protobuf wire format) instead of loading a `.proto` file;
 * `@grpc/grpc-js` is imported on the first gRPC probe only.
 *
 * @module
 */
import { Buffer } from "node:buffer";

/** The health service's method path. */
export const HEALTH_CHECK_METHOD = "/grpc.health.v1.Health/Check";

/** `HealthCheckResponse.ServingStatus` values. */
export const SERVING_STATUSES = ["UNKNOWN", "SERVING", "NOT_SERVING", "SERVICE_UNKNOWN"] as const;

/** One `ServingStatus` name. */
export type ServingStatus = typeof SERVING_STATUSES[number];

/**
 * Encodes `HealthCheckRequest { string service = 1; }` (an empty service is the whole server,
 * encoded as no field at all, as protobuf leaves out default values).
 *
 * @example
 * ```ts
 * import { encodeHealthCheckRequest } from "./grpc_health.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual([...encodeHealthCheckRequest("")], []);
 * assert.deepEqual([...encodeHealthCheckRequest("db")], [0x0a, 2, 0x64, 0x62]);
 * ```
 */
export function encodeHealthCheckRequest(service: string): Uint8Array {
  const name = new TextEncoder().encode(service);
  if (name.length === 0) return new Uint8Array();
  const len: number[] = [];
  for (let n = name.length;; n >>>= 7) {
    if (n < 0x80) {
      len.push(n);
      break;
    }
    len.push((n & 0x7f) | 0x80);
  }
  return new Uint8Array([0x0a, ...len, ...name]);
}

/**
 * Decodes `HealthCheckResponse { ServingStatus status = 1; }`: the status name, `UNKNOWN` when
 * the field is absent (its default). Unknown fields are skipped; a truncated message throws
 * `RangeError`.
 *
 * @example
 * ```ts
 * import { decodeHealthCheckResponse } from "./grpc_health.ts";
 * import assert from "node:assert/strict";
 * assert.equal(decodeHealthCheckResponse(new Uint8Array([0x08, 1])), "SERVING");
 * assert.equal(decodeHealthCheckResponse(new Uint8Array([0x08, 2])), "NOT_SERVING");
 * assert.equal(decodeHealthCheckResponse(new Uint8Array()), "UNKNOWN");
 * ```
 */
export function decodeHealthCheckResponse(bytes: Uint8Array): ServingStatus {
  let i = 0;
  const varint = (): number => {
    let v = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (i >= bytes.length) throw new RangeError("truncated HealthCheckResponse");
      const b = bytes[i++]!;
      v += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return v;
    }
    throw new RangeError("varint too long in HealthCheckResponse");
  };
  let status = 0;
  while (i < bytes.length) {
    const key = varint();
    const wire = key & 7;
    if (key >>> 3 === 1 && wire === 0) status = varint();
    else if (wire === 0) varint();
    else if (wire === 2) {
      const n = varint(); // read before adding: `i += varint()` would add to the old `i`
      i += n;
    } else if (wire === 1) i += 8;
    else if (wire === 5) i += 4;
    else throw new RangeError(`unsupported wire type ${wire} in HealthCheckResponse`);
    if (i > bytes.length) throw new RangeError("truncated HealthCheckResponse");
  }
  return SERVING_STATUSES[status] ?? "UNKNOWN";
}

/** Result of one {@linkcode grpcHealthCheck}. */
export interface GrpcHealthOutcome {
  /** The status was `SERVING`. */
  ok: boolean;
  /** What happened, in the kubelet's words where it has them. */
  output: string;
}

/**
 * Calls `grpc.health.v1.Health/Check` for `service` on `host:port` (plaintext), giving up after
 * `timeoutMs`. Never throws: a connection failure, a gRPC error status (e.g. `NOT_FOUND` for an
 * unknown service) or a status other than `SERVING` is a failed outcome.
 *
 * @example
 * ```ts ignore
 * import { grpcHealthCheck } from "./grpc_health.ts";
 * const r = await grpcHealthCheck("10.88.0.5", 9000, "", 1000);
 * console.log(r.ok, r.output);
 * ```
 */
export async function grpcHealthCheck(
  host: string,
  port: number,
  service: string,
  timeoutMs: number,
): Promise<GrpcHealthOutcome> {
  const grpc = await import("@grpc/grpc-js");
  const target = `${host.includes(":") ? `[${host}]` : host}:${port}`;
  const client = new grpc.Client(target, grpc.credentials.createInsecure());
  try {
    return await new Promise<GrpcHealthOutcome>((resolve) => {
      client.makeUnaryRequest<Uint8Array, Uint8Array>(
        HEALTH_CHECK_METHOD,
        (req) => Buffer.from(req),
        (res) => new Uint8Array(res),
        encodeHealthCheckRequest(service),
        new grpc.Metadata(),
        { deadline: Date.now() + timeoutMs },
        (err, res) => {
          if (err) {
            resolve({
              ok: false,
              output: err.code === grpc.status.DEADLINE_EXCEEDED
                ? `timeout: health rpc did not complete within ${timeoutMs} ms`
                : `error: health rpc probe failed: ${err.message}`,
            });
            return;
          }
          let status: ServingStatus;
          try {
            status = decodeHealthCheckResponse(res ?? new Uint8Array());
          } catch (e) {
            resolve({ ok: false, output: `error: ${e instanceof Error ? e.message : e}` });
            return;
          }
          resolve(
            status === "SERVING"
              ? { ok: true, output: "status: SERVING" }
              : { ok: false, output: `service unhealthy (responded with "${status}")` },
          );
        },
      );
    });
  } finally {
    client.close();
  }
}
