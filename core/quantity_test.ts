import assert from "node:assert/strict";
import {
  cgroupLimitFiles,
  cpuMillis,
  linuxResources,
  memoryBytes,
  parseQuantity,
} from "./quantity.ts";

Deno.test("parseQuantity() reads Kubernetes quantities", async (t) => {
  const cases: [string | number, number][] = [
    ["500m", 0.5],
    ["1", 1],
    ["0.5", 0.5],
    [2, 2],
    ["1k", 1000],
    ["1Ki", 1024],
    ["233Mi", 233 * 2 ** 20],
    ["1Gi", 2 ** 30],
    ["512M", 512e6],
    ["1e3", 1000],
    ["1.5Gi", 1.5 * 2 ** 30],
    [".5", 0.5],
  ];
  for (const [input, want] of cases) {
    await t.step(`${input} → ${want}`, () => assert.equal(parseQuantity(input), want));
  }
});

Deno.test("parseQuantity() rejects malformed quantities", async (t) => {
  for (const input of ["", "abc", "1.2.3", "5x", "-1", "1 Gi", "Mi", "1mi"]) {
    await t.step(JSON.stringify(input), () => {
      assert.throws(() => parseQuantity(input), /Invalid quantity/);
    });
  }
});

Deno.test("cpuMillis() and memoryBytes() convert and validate", () => {
  assert.equal(cpuMillis("500m"), 500);
  assert.equal(cpuMillis("1"), 1000);
  assert.equal(cpuMillis("0.5"), 500);
  assert.equal(cpuMillis("0.0001"), 1);
  assert.throws(() => cpuMillis("0"), /greater than zero/);
  assert.equal(memoryBytes("233Mi"), 244318208);
  assert.equal(memoryBytes("1Gi"), 1073741824);
  assert.equal(memoryBytes("512M"), 512000000);
  assert.equal(memoryBytes(4096), 4096);
  assert.throws(() => memoryBytes("0"), /greater than zero/);
});

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

Deno.test("cgroupLimitFiles() names the v1 and v2 files", () => {
  const v1 = cgroupLimitFiles("/rkl/x", 1);
  assert.equal(v1.memory, "/sys/fs/cgroup/memory/rkl/x/memory.limit_in_bytes");
  assert.equal(v1.cpu, "/sys/fs/cgroup/cpu/rkl/x/cpu.cfs_quota_us");
  const v2 = cgroupLimitFiles("rkl/x", 2);
  assert.equal(v2.memory, "/sys/fs/cgroup/rkl/x/memory.max");
  assert.equal(v2.cpu, "/sys/fs/cgroup/rkl/x/cpu.max");
});
