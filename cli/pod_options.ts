/**
 * The pure parts of `rkl pod`: raw flags and arguments turned into typed options
 * ({@linkcode parsePodExecOptions}, {@linkcode parseNamespace}) and the choice of a pod's
 * container ({@linkcode targetContainer}). Usage errors exit 2.
 *
 * @module
 */
import { RkError, UsageError } from "../core/errors.ts";
import type { PodManifest } from "../core/pod/pod_manifest.ts";

/** Typed options of `rkl pod exec`. */
export interface PodExecOptions {
  /** Pod name or id. */
  pod: string;
  /** `-c CONTAINER`; undefined for the first app container. */
  container?: string;
  /** The command. */
  argv: string[];
  /** Namespace. */
  namespace: string;
}

/**
 * Turns raw `exec` flags into {@linkcode PodExecOptions}.
 *
 * @example
 * ```ts
 * import { parsePodExecOptions } from "./pod_options.ts";
 * import assert from "node:assert/strict";
 * const o = parsePodExecOptions("web", ["ps"], { container: "app" });
 * assert.deepEqual(o, { pod: "web", container: "app", argv: ["ps"], namespace: "default" });
 * assert.throws(() => parsePodExecOptions("web", [], {}), /needs a command/);
 * ```
 */
export function parsePodExecOptions(
  pod: string,
  argv: readonly string[],
  raw: { container?: string; namespace?: string },
): PodExecOptions {
  if (argv.length === 0) {
    throw new UsageError("exec needs a command: rkl pod exec POD [-c CONTAINER] -- CMD [ARG...]");
  }
  const o: PodExecOptions = { pod, argv: [...argv], namespace: parseNamespace(raw.namespace) };
  if (raw.container !== undefined) o.container = raw.container;
  return o;
}

/**
 * Checks `-n NAMESPACE` (a DNS-1123 label; default `default`).
 *
 * @example
 * ```ts
 * import { parseNamespace } from "./pod_options.ts";
 * import assert from "node:assert/strict";
 * assert.equal(parseNamespace(undefined), "default");
 * assert.throws(() => parseNamespace("Bad_NS"), /namespace/);
 * ```
 */
export function parseNamespace(raw: string | undefined): string {
  if (raw === undefined) return "default";
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(raw) || raw.length > 63) {
    throw new UsageError(`Invalid namespace "${raw}": expected a DNS-1123 label`);
  }
  return raw;
}

/**
 * The name of the container a command targets: `-c NAME` (checked against the pod), else the
 * first app container.
 *
 * @example
 * ```ts
 * import { targetContainer } from "./pod_options.ts";
 * import assert from "node:assert/strict";
 * const pod = { name: "web", initContainers: [{ name: "init" }], containers: [{ name: "a" }, { name: "b" }] };
 * assert.equal(targetContainer(pod, undefined), "a");
 * assert.equal(targetContainer(pod, "init"), "init");
 * assert.throws(() => targetContainer(pod, "c"), /has no container "c" \(containers: init, a, b\)/);
 * ```
 */
export function targetContainer(
  pod: {
    name: string;
    initContainers: readonly { name: string }[];
    containers: readonly { name: string }[];
  },
  wanted: string | undefined,
): string {
  const names = [...pod.initContainers, ...pod.containers].map((c) => c.name);
  if (wanted === undefined) return pod.containers[0]!.name;
  if (!names.includes(wanted)) {
    throw new RkError(
      `Pod "${pod.name}" has no container "${wanted}" (containers: ${names.join(", ")})`,
    );
  }
  return wanted;
}

/**
 * The manifest a pod was created from; pods created through the CRI API have none.
 *
 * @example
 * ```ts
 * import { manifestFor } from "./pod_options.ts";
 * import assert from "node:assert/strict";
 * assert.throws(() => manifestFor({ name: "web" }), /created through the CRI API/);
 * ```
 */
export function manifestFor(rec: { name: string; manifest?: PodManifest }): PodManifest {
  if (!rec.manifest) {
    throw new RkError(`Pod "${rec.name}" was created through the CRI API and has no manifest`);
  }
  return rec.manifest;
}
