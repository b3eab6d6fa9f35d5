import assert from "node:assert/strict";
import { imageBundleCandidates, parseImageReference } from "./image_reference.ts";

Deno.test("parseImageReference follows the Distribution reference grammar", () => {
  const cases: [string, ReturnType<typeof parseImageReference>][] = [
    ["busybox", { domain: "docker.io", path: "library/busybox", tag: "latest" }],
    ["busybox:1.36", { domain: "docker.io", path: "library/busybox", tag: "1.36" }],
    ["library/busybox", { domain: "docker.io", path: "library/busybox", tag: "latest" }],
    ["index.docker.io/team/app:v1", { domain: "docker.io", path: "team/app", tag: "v1" }],
    ["registry.k8s.io/pause:3.9", { domain: "registry.k8s.io", path: "pause", tag: "3.9" }],
    ["localhost/app", { domain: "localhost", path: "app", tag: "latest" }],
    ["[::1]:5000/app:x", { domain: "[::1]:5000", path: "app", tag: "x" }],
    [`app@sha256:${"a".repeat(64)}`, {
      domain: "docker.io",
      path: "library/app",
      digest: `sha256:${"a".repeat(64)}`,
    }],
    ["my_app-x/a__b", { domain: "docker.io", path: "my_app-x/a__b", tag: "latest" }],
  ];
  for (const [ref, want] of cases) assert.deepEqual(parseImageReference(ref), want, ref);
  // Not references: paths, upper case in the repository, empty components, bad tags.
  for (
    const bad of [
      "/abs/busybox",
      "./busybox",
      "../b",
      "BusyBox",
      "a//b",
      "a:",
      "a:-x",
      "",
      "a@sha256:1",
    ]
  ) {
    assert.equal(parseImageReference(bad), undefined, bad);
  }
});

Deno.test("imageBundleCandidates: name/tag, plain name only for latest, digest exactly", () => {
  assert.deepEqual(imageBundleCandidates("busybox", "/i"), ["/i/busybox/latest", "/i/busybox"]);
  assert.deepEqual(imageBundleCandidates("busybox:latest", "/i"), [
    "/i/busybox/latest",
    "/i/busybox",
  ]);
  assert.deepEqual(imageBundleCandidates("team/app:v2", "/i"), ["/i/team/app/v2"]);
  assert.deepEqual(imageBundleCandidates("localhost:5000/app:v2", "/i"), [
    "/i/localhost:5000/app/v2",
  ]);
  assert.deepEqual(imageBundleCandidates("quay.io/team/app", "/i"), [
    "/i/quay.io/team/app/latest",
    "/i/quay.io/team/app",
  ]);
  const hex = "b".repeat(64);
  assert.deepEqual(imageBundleCandidates(`busybox:1@sha256:${hex}`, "/i"), [
    `/i/busybox/sha256-${hex}`,
  ]);
  assert.deepEqual(imageBundleCandidates("/abs/path", "/i"), []);
});
