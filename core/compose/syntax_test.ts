import assert from "node:assert/strict";
import {
  parseByteSize,
  parseDuration,
  parsePortShort,
  parseVolumeShort,
  splitShellWords,
} from "./syntax.ts";

Deno.test("parseDuration() reads the Compose duration syntax", async (t) => {
  const cases: [string | number, number | undefined][] = [
    ["10s", 10_000],
    ["1m30s", 90_000],
    ["500ms", 500],
    ["1h", 3_600_000],
    ["1.5h", 5_400_000],
    ["2h32m", 9_120_000],
    ["100us", 0.1],
    ["0", 0],
    [5, 5000],
    ["", undefined],
    ["10", undefined],
    ["10 s", undefined],
    ["1d", undefined],
    ["s", undefined],
  ];
  for (const [input, want] of cases) {
    await t.step(JSON.stringify(input), () => {
      const r = parseDuration(input);
      if (want === undefined) assert.equal(r.ok, false);
      else assert.deepEqual(r, { ok: true, value: want });
    });
  }
});

Deno.test("parseByteSize() reads the Compose byte size syntax", async (t) => {
  const cases: [string | number, number | undefined][] = [
    ["2b", 2],
    ["1024kb", 1024 * 1024],
    ["2048k", 2048 * 1024],
    ["300m", 300 * 1024 ** 2],
    ["1gb", 1024 ** 3],
    ["1G", 1024 ** 3],
    ["512M", 512 * 1024 ** 2],
    ["100", 100],
    [4096, 4096],
    ["1.5g", 1.5 * 1024 ** 3],
    ["-1m", undefined],
    ["1x", undefined],
    ["m", undefined],
  ];
  for (const [input, want] of cases) {
    await t.step(JSON.stringify(input), () => {
      const r = parseByteSize(input);
      if (want === undefined) assert.equal(r.ok, false);
      else assert.deepEqual(r, { ok: true, value: want });
    });
  }
});

Deno.test("parsePortShort() expands the short port syntax", async (t) => {
  const cases: [string | number, unknown][] = [
    ["80", [{ target: 80, protocol: "tcp" }]],
    [3000, [{ target: 3000, protocol: "tcp" }]],
    ["8080:80", [{ target: 80, published: 8080, protocol: "tcp" }]],
    ["127.0.0.1:8080:80/udp", [{
      target: 80,
      published: 8080,
      hostIp: "127.0.0.1",
      protocol: "udp",
    }]],
    ["8080-8081:80-81", [
      { target: 80, published: 8080, protocol: "tcp" },
      { target: 81, published: 8081, protocol: "tcp" },
    ]],
    ["3000-3001", [{ target: 3000, protocol: "tcp" }, { target: 3001, protocol: "tcp" }]],
    ["[::1]:6001:6001", [{ target: 6001, published: 6001, hostIp: "::1", protocol: "tcp" }]],
    ["::1:6000:6000", [{ target: 6000, published: 6000, hostIp: "::1", protocol: "tcp" }]],
    ["127.0.0.1::80", [{ target: 80, hostIp: "127.0.0.1", protocol: "tcp" }]],
    ["8000-8001:80", undefined],
    ["80/sctp", /protocol "sctp"/],
    ["0:80", /host port/],
    ["8080:70000", /container port/],
    ["8080-8081:80-82", /2 ports but container range has 3/],
    ["abc", /container port/],
    ["a.b.c:80:80", /not an IP address/],
  ];
  for (const [input, want] of cases) {
    await t.step(JSON.stringify(input), () => {
      const r = parsePortShort(input);
      if (want instanceof RegExp) {
        assert.equal(r.ok, false);
        assert.match(r.ok ? "" : r.reason, want);
      } else if (want === undefined) {
        assert.ok(r.ok);
      } else assert.deepEqual(r, { ok: true, value: want });
    });
  }
});

Deno.test("parseVolumeShort() reads bind, named and anonymous volumes with modes", async (t) => {
  const cases: [string, unknown][] = [
    ["/data", { type: "volume", target: "/data", readOnly: false, createHostPath: true }],
    ["db:/var/lib/db", {
      type: "volume",
      source: "db",
      target: "/var/lib/db",
      readOnly: false,
      createHostPath: true,
    }],
    ["db:/var/lib/db:ro", {
      type: "volume",
      source: "db",
      target: "/var/lib/db",
      readOnly: true,
      createHostPath: true,
    }],
    ["./tmp/mount/dir:/app/data", {
      type: "bind",
      source: "./tmp/mount/dir",
      target: "/app/data",
      readOnly: false,
      createHostPath: true,
    }],
    ["/etc/x:/x:rw", {
      type: "bind",
      source: "/etc/x",
      target: "/x",
      readOnly: false,
      createHostPath: true,
    }],
    ["~/c:/c:ro,z", {
      type: "bind",
      source: "~/c",
      target: "/c",
      readOnly: true,
      createHostPath: true,
    }],
    ["db:data", /not absolute/],
    ["a:/b:xx", /unknown mode "xx"/],
    ["a:/b:ro:x", /expected \[SOURCE:\]TARGET\[:MODE\]/],
  ];
  for (const [input, want] of cases) {
    await t.step(input, () => {
      const r = parseVolumeShort(input);
      if (want instanceof RegExp) {
        assert.equal(r.ok, false);
        assert.match(r.ok ? "" : r.reason, want);
      } else assert.deepEqual(r, { ok: true, value: want });
    });
  }
});

Deno.test("splitShellWords() splits like a shell without running one", async (t) => {
  const cases: [string, string[] | undefined][] = [
    ["sleep 300", ["sleep", "300"]],
    ["  a   b  ", ["a", "b"]],
    [`sh -c "echo \\"hi\\" \\$HOME"`, ["sh", "-c", 'echo "hi" $HOME']],
    [`echo 'a  b' "c d"`, ["echo", "a  b", "c d"]],
    ["a\\ b", ["a b"]],
    ["''", [""]],
    [`echo "open`, undefined],
  ];
  for (const [input, want] of cases) {
    await t.step(input, () => {
      const r = splitShellWords(input);
      if (want === undefined) assert.equal(r.ok, false);
      else assert.deepEqual(r, { ok: true, value: want });
    });
  }
});
