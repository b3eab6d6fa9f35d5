import assert from "node:assert/strict";
import {
  applyCapabilityChanges,
  capabilitiesOfMask,
  type CapabilityChanges,
  capabilityName,
  LINUX_CAPABILITIES,
  UnknownCapabilityError,
} from "./capabilities.ts";
import {
  buildSpec,
  DEFAULT_CAPABILITIES,
  DEFAULT_MASKED_PATHS,
  DEFAULT_READONLY_PATHS,
  type OciSpec,
  type SpecOptions,
} from "./spec.ts";

Deno.test("capabilityName() accepts Kubernetes and CAP_ forms, rejects unknown names", () => {
  const cases: [string, string | undefined][] = [
    ["NET_ADMIN", "NET_ADMIN"],
    ["CAP_NET_ADMIN", "NET_ADMIN"],
    ["cap_sys_admin", "SYS_ADMIN"],
    ["all", "ALL"],
    ["CHECKPOINT_RESTORE", "CHECKPOINT_RESTORE"],
    ["NET_FLY", undefined],
    ["CAP_", undefined],
    ["", undefined],
    ["CAP_ALL", undefined],
  ];
  for (const [raw, want] of cases) assert.equal(capabilityName(raw), want, raw);
  assert.equal(LINUX_CAPABILITIES.length, 41);
  assert.equal(new Set(LINUX_CAPABILITIES).size, 41);
});

Deno.test("capabilitiesOfMask() reads /proc status masks", () => {
  assert.deepEqual(capabilitiesOfMask("0000000000000000"), []);
  assert.deepEqual(
    capabilitiesOfMask("00000000a80425fb"),
    [...DEFAULT_CAPABILITIES].sort((a, b) =>
      LINUX_CAPABILITIES.indexOf(a) - LINUX_CAPABILITIES.indexOf(b)
    ),
  );
  assert.deepEqual(capabilitiesOfMask("000001ffffffffff"), [...LINUX_CAPABILITIES]);
  assert.throws(() => capabilitiesOfMask("zz"), /not a capability mask/);
});

Deno.test("applyCapabilityChanges() follows containerd's add/drop rules", async (t) => {
  const base = ["CAP_CHOWN", "CAP_KILL", "CAP_NET_RAW"];
  const cases: { name: string; changes: CapabilityChanges; want: string[] }[] = [
    { name: "no changes keep the base", changes: {}, want: base },
    {
      name: "add appends, duplicates ignored",
      changes: { add: ["NET_ADMIN", "CAP_KILL", "net_admin"] },
      want: [...base, "CAP_NET_ADMIN"],
    },
    { name: "drop removes", changes: { drop: ["KILL"] }, want: ["CAP_CHOWN", "CAP_NET_RAW"] },
    {
      name: "drop ALL then add",
      changes: { drop: ["ALL"], add: ["NET_BIND_SERVICE"] },
      want: ["CAP_NET_BIND_SERVICE"],
    },
    { name: "drop ALL alone", changes: { drop: ["all"] }, want: [] },
    {
      name: "add ALL",
      changes: { add: ["ALL"] },
      want: [...new Set([...base, ...LINUX_CAPABILITIES])],
    },
    {
      name: "added and dropped is dropped",
      changes: { add: ["SYS_TIME"], drop: ["SYS_TIME", "CHOWN"] },
      want: ["CAP_KILL", "CAP_NET_RAW"],
    },
  ];
  for (const c of cases) {
    await t.step(c.name, () => assert.deepEqual(applyCapabilityChanges(base, c.changes), c.want));
  }
  await t.step("unknown name throws", () => {
    assert.throws(
      () => applyCapabilityChanges(base, { drop: ["NET_FLY"] }),
      (e: unknown) => e instanceof UnknownCapabilityError && e.capability === "NET_FLY",
    );
  });
});

Deno.test("buildSpec() maps capabilities, noNewPrivileges and privileged", async (t) => {
  const rw = (s: OciSpec, dest: string): boolean =>
    !s.mounts.find((m) => m.destination === dest)!.options!.includes("ro");
  const cases: {
    name: string;
    opts: Partial<SpecOptions>;
    caps: readonly string[];
    noNewPrivileges: boolean;
    privileged: boolean;
  }[] = [
    {
      name: "defaults",
      opts: {},
      caps: DEFAULT_CAPABILITIES,
      noNewPrivileges: false,
      privileged: false,
    },
    {
      name: "drop ALL, add NET_BIND_SERVICE",
      opts: { capabilityChanges: { drop: ["ALL"], add: ["NET_BIND_SERVICE"] } },
      caps: ["CAP_NET_BIND_SERVICE"],
      noNewPrivileges: false,
      privileged: false,
    },
    {
      name: "add NET_ADMIN, drop NET_RAW",
      opts: { capabilityChanges: { add: ["NET_ADMIN"], drop: ["CAP_NET_RAW"] } },
      caps: [...DEFAULT_CAPABILITIES.filter((c) => c !== "CAP_NET_RAW"), "CAP_NET_ADMIN"],
      noNewPrivileges: false,
      privileged: false,
    },
    {
      name: "no new privileges",
      opts: { noNewPrivileges: true },
      caps: DEFAULT_CAPABILITIES,
      noNewPrivileges: true,
      privileged: false,
    },
    {
      name: "privileged ignores capability changes",
      opts: { privileged: true, capabilityChanges: { drop: ["ALL"] } },
      caps: LINUX_CAPABILITIES,
      noNewPrivileges: false,
      privileged: true,
    },
  ];
  for (const c of cases) {
    await t.step(c.name, () => {
      const s = buildSpec({ args: ["sh"], rootfs: "/r", ...c.opts });
      const { bounding, effective, permitted } = s.process.capabilities;
      assert.deepEqual(bounding, [...c.caps]);
      assert.deepEqual(effective, [...c.caps]);
      assert.deepEqual(permitted, [...c.caps]);
      assert.equal(s.process.noNewPrivileges, c.noNewPrivileges);
      assert.deepEqual(
        s.linux.resources.devices,
        [{ allow: c.privileged, access: "rwm" }],
      );
      assert.deepEqual(s.linux.maskedPaths, c.privileged ? [] : [...DEFAULT_MASKED_PATHS]);
      assert.deepEqual(s.linux.readonlyPaths, c.privileged ? [] : [...DEFAULT_READONLY_PATHS]);
      assert.equal(rw(s, "/sys"), c.privileged);
      assert.equal(rw(s, "/sys/fs/cgroup"), c.privileged);
    });
  }
  await t.step("privileged gets only the available capabilities", () => {
    const s = buildSpec({
      args: ["sh"],
      rootfs: "/r",
      privileged: true,
      availableCapabilities: ["CAP_SYS_ADMIN", "CAP_CHOWN"],
    });
    assert.deepEqual(s.process.capabilities.bounding, ["CAP_CHOWN", "CAP_SYS_ADMIN"]);
  });
  await t.step("unknown capability is an error", () => {
    assert.throws(
      () => buildSpec({ args: ["sh"], rootfs: "/r", capabilityChanges: { add: ["FLY"] } }),
      /"FLY" is not a Linux capability/,
    );
  });
});
