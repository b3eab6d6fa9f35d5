import assert from "node:assert/strict";
import {
  CGROUP_LIMIT_FILES,
  cgroupDirCandidates,
  cgroupLimitFiles,
  cgroupLimitWrites,
  linuxResources,
  podCgroupWrites,
  relativeCgroupPath,
} from "./mod.ts";

Deno.test("linuxResources() maps limits and requests", async (t) => {
  const cases: { name: string; input: Parameters<typeof linuxResources>[0]; want: object }[] = [
    {
      name: "original spec: cpu 500m, memory 233Mi",
      input: { limits: { cpu: "500m", memory: "233Mi" } },
      want: { cpu: { quota: 50000, period: 100000, shares: 512 }, memory: { limit: 244318208 } },
    },
    {
      name: "cpu 1",
      input: { limits: { cpu: "1" } },
      want: { cpu: { quota: 100000, period: 100000, shares: 1024 } },
    },
    {
      name: "cpu 0.5 with request 250m",
      input: { limits: { cpu: 0.5 }, requests: { cpu: "250m" } },
      want: { cpu: { quota: 50000, period: 100000, shares: 256 } },
    },
    {
      name: "requests only",
      input: { requests: { cpu: "1m", memory: "1Gi" } },
      want: { cpu: { shares: 2 }, memory: { reservation: 1073741824 } },
    },
    {
      name: "tiny cpu limit is raised to the 1 ms minimum quota",
      input: { limits: { cpu: "1m" } },
      want: { cpu: { quota: 1000, period: 100000, shares: 2 } },
    },
    { name: "nothing", input: {}, want: {} },
  ];
  for (const c of cases) {
    await t.step(c.name, () => assert.deepEqual(linuxResources(c.input), c.want));
  }
});

Deno.test("cgroupLimitFiles() names the v1 and v2 files from the one table", () => {
  const v1 = cgroupLimitFiles("/rkl/x", 1);
  assert.equal(v1.memory, "/sys/fs/cgroup/memory/rkl/x/memory.limit_in_bytes");
  assert.equal(v1.cpu, "/sys/fs/cgroup/cpu/rkl/x/cpu.cfs_quota_us");
  const v2 = cgroupLimitFiles("rkl/x", 2);
  assert.equal(v2.memory, "/sys/fs/cgroup/rkl/x/memory.max");
  assert.equal(v2.cpu, "/sys/fs/cgroup/rkl/x/cpu.max");
});

Deno.test("cgroupLimitFiles() takes every file name from CGROUP_LIMIT_FILES", () => {
  const v1 = cgroupLimitFiles("/p", 1, "/m");
  const v2 = cgroupLimitFiles("/p", 2, "/m");
  const t = CGROUP_LIMIT_FILES;
  assert.equal(v1.cpuShares, `/m/${t.cpuShares.v1.hierarchy}/p/${t.cpuShares.v1.file}`);
  assert.equal(v1.cpuPeriod, `/m/${t.cpuPeriod.v1.hierarchy}/p/${t.cpuPeriod.v1.file}`);
  assert.equal(v2.cpuShares, `/m/p/${t.cpuShares.v2}`);
  assert.equal(v2.cpuPeriod, undefined);
  assert.throws(() => cgroupLimitFiles("/", 1), /Invalid cgroup path/);
});

Deno.test("cgroupLimitWrites() writes hard limits only, period before quota on v1", async (t) => {
  const r = linuxResources({
    limits: { cpu: "250m", memory: "2Mi" },
    requests: { cpu: "100m", memory: "1Mi" },
  });
  await t.step("v1", () => {
    assert.deepEqual(cgroupLimitWrites(1, r).map((w) => `${w.hierarchy}/${w.file}=${w.value}`), [
      "memory/memory.limit_in_bytes=2097152",
      "cpu/cpu.cfs_period_us=100000",
      "cpu/cpu.cfs_quota_us=25000",
    ]);
  });
  await t.step("v2", () => {
    assert.deepEqual(cgroupLimitWrites(2, r).map((w) => `${w.file}=${w.value}`), [
      "memory.max=2097152",
      "cpu.max=25000 100000",
    ]);
  });
  await t.step("requests alone write nothing", () => {
    assert.deepEqual(cgroupLimitWrites(1, linuxResources({ requests: { cpu: "1" } })), []);
  });
  await t.step("pod limits go through the same translation", () => {
    assert.deepEqual(
      podCgroupWrites(2, { cpu: "250m", memory: "2097152" }),
      cgroupLimitWrites(2, linuxResources({ limits: { cpu: "250m", memory: "2097152" } })),
    );
  });
});

Deno.test("relativeCgroupPath() and cgroupDirCandidates() refuse paths outside the hierarchy", () => {
  assert.equal(relativeCgroupPath("//rkl/a"), "rkl/a");
  for (const bad of ["", "/", "/rkl/../x", ".."]) {
    assert.throws(() => relativeCgroupPath(bad), TypeError, bad);
    assert.throws(() => cgroupDirCandidates(bad), TypeError, bad);
  }
});
