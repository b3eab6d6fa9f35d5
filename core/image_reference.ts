/**
 * `imageBundleCandidates`: where a cluster node looks for the bundle directory of an image
 * reference such as `busybox`, `busybox:1.36` or `registry.k8s.io/pause:3.9`. rk8s never pulls
 * images: a node keeps bundle directories (each holding `rootfs/`) in its image directory
 * (`rkl daemon --image-dir`, default `/var/lib/rkl/images`) at `<name>/<tag>`, where the name is
 * the reference's familiar form as Docker and kubectl print it (`docker.io/library/` dropped):
 * `busybox/1.36`, `registry.k8s.io/pause/3.9`; for the tag `latest` also `busybox` itself. A
 * digest is `<name>/<algorithm>-<hex>`. (No `:` in these paths: overlayfs cannot take one in a
 * layer path.)
 *
 * The grammar is the Distribution project's reference grammar
 * (https://github.com/distribution/reference, `reference.go`): `[domain/]path[:tag][@digest]`,
 * where the first component is a domain when it contains `.` or `:` or is `localhost`, and a
 * Docker Hub name without a slash gets `library/`.
 *
 * @module
 */
import { join } from "./path.ts";

/** A parsed image reference (Distribution's `reference.Named` with tag and digest). */
export interface ImageReference {
  /** Registry host (and port): `docker.io` when none is written. */
  domain: string;
  /** Repository path: `library/busybox` for `busybox`. */
  path: string;
  /** The tag, `latest` when neither tag nor digest is written; absent with a digest only. */
  tag?: string;
  /** `algorithm:hex` when written. */
  digest?: string;
}

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[0-9a-fA-F]{32,}$/;
const DOMAIN =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?$/;

/**
 * Parses `ref` as an image reference; `undefined` when it is not one (e.g. a filesystem path
 * such as `/srv/bundles/busybox` or `./busybox`, or upper-case letters in the repository).
 *
 * @example
 * ```ts
 * import { parseImageReference } from "./image_reference.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(parseImageReference("busybox"),
 *   { domain: "docker.io", path: "library/busybox", tag: "latest" });
 * assert.deepEqual(parseImageReference("localhost:5000/team/app:v2"),
 *   { domain: "localhost:5000", path: "team/app", tag: "v2" });
 * assert.equal(parseImageReference("/srv/busybox"), undefined);
 * ```
 */
export function parseImageReference(ref: string): ImageReference | undefined {
  if (ref.length === 0 || ref.length > 255 + 128 + 72) return undefined;
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) return undefined;
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) return undefined;
  }
  const parts = rest.split("/");
  let domain = "docker.io";
  const first = parts[0]!;
  if (parts.length > 1 && (first.includes(".") || first.includes(":") || first === "localhost")) {
    if (!DOMAIN.test(first)) return undefined;
    domain = first === "index.docker.io" ? "docker.io" : first;
    parts.shift();
  }
  if (parts.length === 0 || !parts.every((p) => COMPONENT.test(p))) return undefined;
  if (domain === "docker.io" && parts.length === 1) parts.unshift("library");
  const out: ImageReference = { domain, path: parts.join("/") };
  if (tag !== undefined) out.tag = tag;
  else if (digest === undefined) out.tag = "latest";
  if (digest !== undefined) out.digest = digest;
  return out;
}

/**
 * The familiar name of a reference's repository, as `docker` and kubectl print it:
 * `docker.io/library/` and `docker.io/` are dropped.
 *
 * @example
 * ```ts
 * import { familiarName } from "./image_reference.ts";
 * import assert from "node:assert/strict";
 * assert.equal(familiarName({ domain: "docker.io", path: "library/busybox" }), "busybox");
 * assert.equal(familiarName({ domain: "docker.io", path: "team/app" }), "team/app");
 * assert.equal(familiarName({ domain: "registry.k8s.io", path: "pause" }), "registry.k8s.io/pause");
 * ```
 */
export function familiarName(ref: Pick<ImageReference, "domain" | "path">): string {
  if (ref.domain !== "docker.io") return `${ref.domain}/${ref.path}`;
  return ref.path.startsWith("library/") && ref.path.split("/").length === 2
    ? ref.path.slice("library/".length)
    : ref.path;
}

/**
 * The bundle directories to try, in order, for image reference `ref` in `imageDir` (see the
 * module doc): with a digest `<name>/<algorithm>-<hex>` only (a digest names exact content);
 * otherwise `<name>/<tag>`, and for the tag `latest` also `<name>`. An empty list when `ref` is
 * not an image reference.
 *
 * @example
 * ```ts
 * import { imageBundleCandidates } from "./image_reference.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(imageBundleCandidates("docker.io/library/busybox", "/img"),
 *   ["/img/busybox/latest", "/img/busybox"]);
 * assert.deepEqual(imageBundleCandidates("busybox:1.36", "/img"), ["/img/busybox/1.36"]);
 * assert.deepEqual(imageBundleCandidates("./busybox", "/img"), []);
 * ```
 */
export function imageBundleCandidates(ref: string, imageDir: string): string[] {
  const r = parseImageReference(ref);
  if (!r) return [];
  const name = familiarName(r);
  if (r.digest !== undefined) return [join(imageDir, name, r.digest.replace(":", "-"))];
  const out = [join(imageDir, name, r.tag!)];
  if (r.tag === "latest") out.push(join(imageDir, name));
  return out;
}
