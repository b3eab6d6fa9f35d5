/**
 * `image:` as an image reference in local manifests, through the CLI in-process: `rkl pod
 * run|create`, `rkl container run` and `rkl compose convert` look `busybox` up in the image
 * directory (`RKL_IMAGE_DIR`, default `<root>/lib/images`) as the cluster node does, keep paths
 * and bundle directories under the user's directory as they were, and name every directory
 * tried (with file, line, column and field path) when there is no bundle. The root tests run
 * the real runtime, conmon and CNI plugins on a temporary state root.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { rootTest, tempDir } from "../core/testing.ts";
import { projectDir, runRkl } from "./testing.ts";

const BUSYBOX = join(projectDir, "testdata", "bundles", "busybox");

const pod = (image: string) =>
  `apiVersion: v1
kind: Pod
metadata: {name: refpod}
spec:
  restartPolicy: Never
  containers:
    - name: main
      image: ${image}
      args: [sleep, "300"]
`;

/** A bundle directory `link` in an image directory, as a link to the test busybox bundle. */
async function linkBundle(link: string): Promise<void> {
  await Deno.mkdir(join(link, ".."), { recursive: true });
  await Deno.symlink(BUSYBOX, link);
}

Deno.test("an image reference with no bundle is an error naming file, line, field and the directories tried", async () => {
  await using dir = await tempDir("rkl-imgref-");
  const images = join(dir.path, "images");
  await Deno.mkdir(images);
  const env = { RKL_IMAGE_DIR: images };
  const root = join(dir.path, "root");
  await Deno.writeTextFile(join(dir.path, "pod.yaml"), pod("busybox"));
  for (const verb of ["run", "create"]) {
    const r = await runRkl(["--root", root, "pod", verb, "pod.yaml"], { env, cwd: dir.path });
    assert.equal(r.code, 1, r.err);
    assert.ok(
      r.err.includes(
        `pod.yaml:8:14: spec.containers[0].image: no bundle directory for image "busybox": tried ` +
          `${dir.path}/busybox, ${images}/busybox/latest, ${images}/busybox (rk8s does not pull`,
      ),
      r.err,
    );
  }
  await Deno.writeTextFile(
    join(dir.path, "c.yaml"),
    "name: refc\nimage: busybox:1.36\nargs: [sleep, '300']\n",
  );
  const c = await runRkl(["--root", root, "container", "run", "c.yaml"], { env, cwd: dir.path });
  assert.equal(c.code, 1);
  assert.ok(
    c.err.includes(
      `c.yaml:2:8: image: no bundle directory for image "busybox:1.36": tried ` +
        `${dir.path}/busybox:1.36, ${images}/busybox/1.36`,
    ),
    c.err,
  );
  // Without RKL_IMAGE_DIR the directory is <root>/lib/images, as rkl daemon's --image-dir.
  const d = await runRkl(["--root", root, "pod", "create", "pod.yaml"], { cwd: dir.path });
  assert.match(d.err, new RegExp(`tried .*${root}/lib/images/busybox/latest`));
  // A path stays a path: no lookup in the image directory.
  await Deno.writeTextFile(join(dir.path, "p2.yaml"), pod("./busybox"));
  const p = await runRkl(["--root", root, "pod", "create", "p2.yaml"], { env, cwd: dir.path });
  assert.match(
    p.err,
    /p2\.yaml:8:14: spec\.containers\[0\]\.image: image directory ".*\/busybox" does not exist/,
  );
});

Deno.test("rkl compose convert resolves a service's image reference in the image directory", async () => {
  await using dir = await tempDir("rkl-imgref-");
  const images = join(dir.path, "images");
  await linkBundle(join(images, "busybox", "1.36"));
  await Deno.writeTextFile(
    join(dir.path, "compose.yaml"),
    "services:\n  web:\n    image: busybox:1.36\n    command: [sleep, '300']\n",
  );
  const env = { RKL_IMAGE_DIR: images };
  const r = await runRkl(["compose", "convert"], { env, cwd: dir.path });
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, new RegExp(`image: ${BUSYBOX.replaceAll("/", "\\/")}\\n`));
  const missing = await runRkl(["compose", "convert"], {
    env: { RKL_IMAGE_DIR: join(dir.path, "none") },
    cwd: dir.path,
  });
  assert.equal(missing.code, 1);
  assert.match(missing.err, /compose\.yaml:3:\d+: .*no bundle directory for image "busybox:1\.36"/);
});

rootTest(
  "rkl pod run and rkl container run start an image reference found in the image directory",
  async () => {
    await using dir = await tempDir("rkl-imgref-");
    const root = join(dir.path, "root");
    // The default image directory of this root (<root>/lib/images) holds busybox.
    await linkBundle(join(root, "lib", "images", "busybox"));
    await Deno.writeTextFile(join(dir.path, "pod.yaml"), pod("busybox"));
    await Deno.writeTextFile(
      join(dir.path, "c.yaml"),
      "name: refc\nimage: docker.io/library/busybox\nargs: [sleep, '300']\n",
    );
    const rkl = (...argv: string[]) => runRkl(["--root", root, ...argv], { cwd: dir.path });
    try {
      const ran = await rkl("pod", "run", "pod.yaml");
      assert.equal(ran.code, 0, ran.err);
      const echo = await rkl("pod", "exec", "refpod", "--", "echo", "from busybox");
      assert.equal(echo.out, "from busybox\n", echo.err);
      const c = await rkl("container", "run", "c.yaml");
      assert.equal(c.code, 0, c.err);
      const ce = await rkl("container", "exec", "refc", "--", "echo", "ok");
      assert.equal(ce.out, "ok\n", ce.err);
    } finally {
      await rkl("pod", "rm", "-f", "refpod");
      await rkl("container", "rm", "-f", "refc");
    }
  },
);
