import assert from "node:assert/strict";
import { ConflictError, RkError } from "../core/errors.ts";
import {
  assertPortsFree,
  findPortConflicts,
  parseHostportDnat,
  parseProcNet,
  publishedPorts,
} from "./ports.ts";

Deno.test("publishedPorts() keeps published ports, lower-cases protocols, validates values", async (t) => {
  await t.step("valid", () => {
    assert.deepEqual(
      publishedPorts([
        { containerPort: 80, hostPort: 8080, protocol: "TCP" },
        { containerPort: 53, hostPort: 5353, protocol: "UDP", hostIP: "127.0.0.1" },
        { containerPort: 9000, protocol: "TCP" },
        { containerPort: 81, hostPort: 8081, protocol: "TCP", hostIP: "0.0.0.0" },
      ]),
      [
        { hostPort: 8080, containerPort: 80, protocol: "tcp" },
        { hostPort: 5353, containerPort: 53, protocol: "udp", hostIP: "127.0.0.1" },
        { hostPort: 8081, containerPort: 81, protocol: "tcp" },
      ],
    );
  });
  const bad: [string, Parameters<typeof publishedPorts>[0][number], RegExp][] = [
    [
      "container port 0",
      { containerPort: 0, protocol: "TCP" },
      /ports\[0\]\.containerPort must be 1-65535, got 0/,
    ],
    [
      "host port too big",
      { containerPort: 1, hostPort: 70000, protocol: "TCP" },
      /hostPort must be 1-65535/,
    ],
    [
      "bad protocol",
      { containerPort: 1, protocol: "ICMP" as "TCP" },
      /protocol must be TCP, UDP or SCTP, got "ICMP"/,
    ],
    [
      "bad host IP",
      { containerPort: 1, hostPort: 2, protocol: "TCP", hostIP: "localhost" },
      /hostIP must be an IPv4/,
    ],
    [
      "host IP without port",
      { containerPort: 1, protocol: "TCP", hostIP: "127.0.0.1" },
      /needs a hostPort/,
    ],
  ];
  for (const [name, port, re] of bad) {
    await t.step(
      name,
      () =>
        assert.throws(
          () => publishedPorts([port]),
          (e: unknown) => e instanceof RkError && re.test(e.message),
        ),
    );
  }
});

Deno.test("findPortConflicts() matches protocol, port and overlapping host addresses", () => {
  const tcp = (hostPort: number, hostIP?: string) => ({
    hostPort,
    containerPort: 80,
    protocol: "tcp" as const,
    ...(hostIP ? { hostIP } : {}),
  });
  const existing = [{ id: "a", ports: [tcp(8080, "127.0.0.1")] }];
  assert.deepEqual(findPortConflicts([tcp(8080)], existing).map((c) => c.heldBy), ["a"]);
  assert.deepEqual(findPortConflicts([tcp(8080, "127.0.0.1")], existing).map((c) => c.heldBy), [
    "a",
  ]);
  assert.deepEqual(findPortConflicts([tcp(8080, "10.0.0.1")], existing), []);
  assert.deepEqual(findPortConflicts([tcp(8081)], existing), []);
  assert.deepEqual(findPortConflicts([tcp(9000), tcp(9000)], []).map((c) => c.heldBy), [""]);
});

Deno.test("assertPortsFree() names the port and who holds it", () => {
  const web = { hostPort: 8080, containerPort: 80, protocol: "tcp" as const };
  assert.throws(
    () => assertPortsFree([web], [{ id: "c1", name: "web", ports: [web] }], []),
    (e: unknown) =>
      e instanceof ConflictError &&
      /Host port \*:8080\/tcp is already published by "web"/.test(e.message),
  );
  assert.throws(() => assertPortsFree([web, web], [], []), /published twice/);
  assert.throws(
    () =>
      assertPortsFree([{ ...web, protocol: "udp" }], [], [{
        protocol: "udp",
        ip: "::",
        port: 8080,
      }]),
    /8080\/udp is already in use on the host \(bound on ::\)/,
  );
  // A TCP socket does not block a UDP port, nor one bound on another address.
  assertPortsFree([{ ...web, protocol: "udp" }], [], [{
    protocol: "tcp",
    ip: "0.0.0.0",
    port: 8080,
  }]);
  assertPortsFree([{ ...web, hostIP: "127.0.0.2" }], [], [{
    protocol: "tcp",
    ip: "127.0.0.1",
    port: 8080,
  }]);
});

Deno.test("parseProcNet() reads listening TCP and bound UDP sockets, IPv4 and IPv6", () => {
  const tcp6 =
    "  sl  local_address                         remote_address                        st\n" +
    "   0: 00000000000000000000000000000000:1F90 00000000000000000000000000000000:0000 0A 0 0\n";
  assert.deepEqual(parseProcNet(tcp6, "tcp"), [{ protocol: "tcp", ip: "::", port: 8080 }]);
  const udp = "  sl  local_address rem_address   st\n" +
    "  1: 00000000:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000 0 0 1\n";
  assert.deepEqual(parseProcNet(udp, "udp"), [{ protocol: "udp", ip: "0.0.0.0", port: 53 }]);
});

Deno.test("parseHostportDnat() ignores rules without ports", () => {
  assert.deepEqual(parseHostportDnat("-N CNI-HOSTPORT-DNAT\n"), []);
  assert.deepEqual(
    parseHostportDnat("-A CNI-HOSTPORT-DNAT -p udp -m multiport --dports 53 -j CNI-DN-1"),
    [{ protocol: "udp", port: 53 }],
  );
});
