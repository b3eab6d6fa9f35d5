import assert from "node:assert/strict";
import { buildSpec, DEFAULT_CAPABILITIES, parseNofileHardLimit } from "./spec.ts";

Deno.test("buildSpec() gives runc-like defaults with terminal off", () => {
  const s = buildSpec({ args: ["sleep", "1"], rootfs: "/r" });
  assert.equal(s.process.terminal, false);
  assert.deepEqual(s.process.args, ["sleep", "1"]);
  assert.equal(s.process.cwd, "/");
  assert.deepEqual(s.process.user, { uid: 0, gid: 0 });
  assert.ok(s.process.env.some((e) => e.startsWith("PATH=")));
  assert.deepEqual(s.root, { path: "/r", readonly: false });
  assert.deepEqual(
    s.mounts.map((m) => m.destination),
    ["/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys", "/sys/fs/cgroup"],
  );
  assert.deepEqual(
    s.linux.namespaces.map((n) => n.type),
    ["pid", "network", "ipc", "uts", "mount"],
  );
  assert.deepEqual(s.process.capabilities.bounding, [...DEFAULT_CAPABILITIES]);
  assert.ok(s.linux.maskedPaths.includes("/proc/kcore"));
  assert.ok(s.linux.readonlyPaths.includes("/proc/sys"));
  assert.deepEqual(s.linux.resources.devices, [{ allow: false, access: "rwm" }]);
  assert.deepEqual(s.process.rlimits, [], "no rlimits when the caller's limit is unknown");
});

Deno.test("buildSpec() applies overrides", async (t) => {
  await t.step("env, cwd, user, read-only root, hostname", () => {
    const s = buildSpec({
      args: ["sh"],
      rootfs: "/r",
      env: [["A", "1"], ["PATH", "/bin"]],
      cwd: "/tmp",
      user: { uid: 1000, gid: 100 },
      readonlyRootfs: true,
      hostname: "web",
    });
    assert.deepEqual(s.process.env, ["PATH=/bin", "A=1", "HOSTNAME=web"]);
    assert.equal(s.process.cwd, "/tmp");
    assert.deepEqual(s.process.user, { uid: 1000, gid: 100 });
    assert.equal(s.root.readonly, true);
    assert.equal(s.hostname, "web");
  });
  await t.step(
    "namespaces: join by path, host omitted, hostname only with own or joined UTS",
    () => {
      const s = buildSpec({
        args: ["sh"],
        rootfs: "/r",
        hostname: "web",
        namespaces: { network: { path: "/run/netns/a" }, uts: "host", pid: "host" },
      });
      assert.deepEqual(s.linux.namespaces, [
        { type: "network", path: "/run/netns/a" },
        { type: "ipc" },
        { type: "mount" },
      ]);
      assert.equal(s.hostname, undefined);
      const joined = buildSpec({
        args: ["sh"],
        rootfs: "/r",
        hostname: "web",
        namespaces: { uts: { path: "/var/lib/rkl/pods/p/ns/uts" } },
      });
      assert.equal(joined.hostname, "web", "set in the UTS namespace it joins");
    },
  );
  await t.step("binds, read-only and read-write", () => {
    const s = buildSpec({
      args: ["sh"],
      rootfs: "/r",
      binds: [
        { hostPath: "/data", containerPath: "/d", readOnly: true },
        { hostPath: "/x", containerPath: "/y" },
      ],
    });
    const binds = s.mounts.filter((m) => m.type === "bind");
    assert.deepEqual(binds, [
      { destination: "/d", type: "bind", source: "/data", options: ["rbind", "rprivate", "ro"] },
      { destination: "/y", type: "bind", source: "/x", options: ["rbind", "rprivate", "rw"] },
    ]);
  });
  await t.step("cgroups path, resources, rlimits capped at the caller's hard limit", () => {
    const s = buildSpec({
      args: ["sh"],
      rootfs: "/r",
      cgroupsPath: "/rkl/abc",
      resources: { memory: { limit: 1024 } },
      nofileHardLimit: 20000,
    });
    assert.equal(s.linux.cgroupsPath, "/rkl/abc");
    assert.deepEqual(s.linux.resources.memory, { limit: 1024 });
    assert.deepEqual(s.process.rlimits, [{ type: "RLIMIT_NOFILE", hard: 20000, soft: 20000 }]);
    const big = buildSpec({ args: ["sh"], rootfs: "/r", nofileHardLimit: 10_000_000 });
    assert.equal(big.process.rlimits[0]?.hard, 1_048_576);
  });
});

Deno.test("parseNofileHardLimit() reads /proc/self/limits text", () => {
  const text = "Limit                     Soft Limit           Hard Limit           Units\n" +
    "Max open files            20000                20000                files\n";
  assert.equal(parseNofileHardLimit(text), 20000);
  assert.equal(parseNofileHardLimit("Max open files  unlimited  unlimited  files\n"), undefined);
  assert.equal(parseNofileHardLimit(""), undefined);
});
