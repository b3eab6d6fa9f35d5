import assert from "node:assert/strict";
import { ManifestError } from "../errors.ts";
import { parsePodManifest } from "./pod_manifest.ts";
import { effectiveSecurity } from "./pod_security.ts";
import { containerConfig, sandboxConfig } from "./pod_translate.ts";

const parse = (spec: string, meta = "  name: web\n") =>
  parsePodManifest(`apiVersion: v1\nkind: Pod\nmetadata:\n${meta}spec:\n${spec}`, "p.yaml", {
    baseDir: "/w",
    checkImage: () => undefined,
  });
const app = "  containers: [{name: app, image: img}]\n";

Deno.test("names and hostnames follow the kubelet", async (t) => {
  await t.step("a 253-character dotted pod name is valid", () => {
    const name = Array.from({ length: 4 }, () => "a".repeat(62)).join(".") + ".b";
    assert.equal(name.length, 253);
    const { pod } = parse(app, `  name: ${name}\n`);
    assert.equal(pod.hostname, "a".repeat(62), "cut to 63, trailing '.' removed");
  });
  await t.step("254 characters is too long", () => {
    const name = Array.from({ length: 4 }, () => "a".repeat(62)).join(".") + ".bc";
    assert.throws(() => parse(app, `  name: ${name}\n`), /longer than 253 characters/);
  });
  await t.step("spec.hostname and subdomain; setHostnameAsFQDN makes the FQDN the hostname", () => {
    const { pod } = parse(`  hostname: web-0\n  subdomain: web\n  setHostnameAsFQDN: true\n${app}`);
    assert.equal(pod.hostname, "web-0");
    assert.equal(sandboxConfig(pod, "u").hostname, "web-0.web.default.svc.cluster.local");
    const plain = parse(`  hostname: web-0\n  subdomain: web\n${app}`).pod;
    assert.equal(sandboxConfig(plain, "u").hostname, "web-0");
  });
  await t.step("an FQDN over 64 characters is refused at setHostnameAsFQDN", () => {
    assert.throws(
      () =>
        parse(`  hostname: ${"h".repeat(40)}\n  subdomain: web\n  setHostnameAsFQDN: true\n${app}`),
      /p.yaml:8:\d+: spec.setHostnameAsFQDN: the FQDN ".*" is longer than 64 characters/,
    );
  });
  await t.step("hostAliases become /etc/hosts entries", () => {
    const { pod } = parse(`  hostAliases: [{ip: 10.1.2.3, hostnames: [db, db.local]}]\n${app}`);
    assert.deepEqual(sandboxConfig(pod, "u").extraHosts, [
      { ip: "10.1.2.3", names: ["db", "db.local"] },
    ]);
  });
});

Deno.test("pod-level securityContext: parsed, checked, container fields win", async (t) => {
  const bad: [string, string, RegExp][] = [
    [
      "runAsNonRoot without a user",
      `  securityContext: {runAsNonRoot: true}\n${app}`,
      /spec.securityContext.runAsNonRoot: runAsNonRoot is true but container "app" would run as root \(uid 0\)/,
    ],
    [
      "container runAsNonRoot with pod runAsUser 0",
      "  securityContext: {runAsUser: 0}\n  containers: [{name: app, image: img, securityContext: {runAsNonRoot: true}}]\n",
      /spec.containers\[0\].securityContext.runAsNonRoot: .*would run as root/,
    ],
    [
      "runAsUser 2^31",
      `  securityContext: {runAsUser: 2147483648}\n${app}`,
      /spec.securityContext.runAsUser: expected an integer from 0 to 2147483647, got 2147483648/,
    ],
    [
      "fsGroup negative",
      `  securityContext: {fsGroup: -1}\n${app}`,
      /spec.securityContext.fsGroup: expected an integer from 0/,
    ],
    [
      "a node-wide sysctl",
      `  securityContext: {sysctls: [{name: vm.swappiness, value: "10"}]}\n${app}`,
      /sysctls\[0\].name: "vm.swappiness" is not a namespaced sysctl/,
    ],
    [
      "a net sysctl with hostNetwork",
      `  hostNetwork: true\n  securityContext: {sysctls: [{name: net.ipv4.ip_forward, value: "1"}]}\n${app}`,
      /sysctls\[0\].name: a net.\* sysctl cannot be set with hostNetwork/,
    ],
    [
      "a hostAlias that is not an IP",
      `  hostAliases: [{ip: db, hostnames: [x]}]\n${app}`,
      /spec.hostAliases\[0\].ip: expected an IP address, got "db"/,
    ],
  ];
  for (const [name, spec, message] of bad) {
    await t.step(name, () => {
      assert.throws(() => parse(spec), (e: unknown) => {
        assert.ok(e instanceof ManifestError, String(e));
        assert.match(e.message, message);
        return true;
      });
    });
  }
  await t.step("runAsNonRoot with a non-zero pod runAsUser is fine", () => {
    parse(`  securityContext: {runAsNonRoot: true, runAsUser: 1000}\n${app}`);
  });
  await t.step("the CRI config carries the merged user, groups and sysctls", () => {
    const { pod } = parse(
      `  securityContext:
    runAsUser: 1000
    runAsGroup: 3000
    fsGroup: 2000
    supplementalGroups: [4000, 2000]
    sysctls: [{name: kernel.shm_rmid_forced, value: "1"}]
  containers:
    - {name: a, image: img}
    - {name: b, image: img, securityContext: {runAsUser: 0, runAsGroup: 5}}
`,
    );
    const fields = { name: "web", namespace: "default", uid: "u", nodeName: "n", podIPs: [] };
    const ctx = { volumes: [], fields, init: false, attempt: 0 };
    const a = containerConfig(pod, pod.containers[0]!, ctx).linux.securityContext;
    assert.deepEqual(a, { runAsUser: 1000, runAsGroup: 3000, supplementalGroups: [4000, 2000] });
    const b = containerConfig(pod, pod.containers[1]!, ctx).linux.securityContext;
    assert.equal(b.runAsUser, 0);
    assert.equal(b.runAsGroup, 5);
    assert.deepEqual(sandboxConfig(pod, "u").linux.sysctls, { "kernel.shm_rmid_forced": "1" });
  });
  await t.step("effectiveSecurity() keeps explicit zero values", () => {
    assert.equal(effectiveSecurity({ runAsUser: 1000 }, { runAsUser: 0 }).runAsUser, 0);
    assert.equal(effectiveSecurity(undefined, {}).runAsUser, undefined);
  });
});
