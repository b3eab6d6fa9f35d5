/**
 * Table tests of a pod's name resolution settings: `dnsPolicy`/`dnsConfig` parsing with the API
 * server's rules and the kubelet's resolv.conf merge, the `subdomain` FQDN line of /etc/hosts,
 * and `lifecycle.stopSignal` with `spec.os.name`.
 */
import assert from "node:assert/strict";
import { renderHosts } from "../../net/hosts_files.ts";
import { parsePodManifest } from "./pod_manifest.ts";
import { renderPodResolvConf, sandboxDnsConfig } from "./pod_dns.ts";
import { containerConfig, planVolumes, sandboxConfig } from "./pod_translate.ts";

function pod(spec: string, container = "") {
  return parsePodManifest(
    `apiVersion: v1
kind: Pod
metadata: { name: web, namespace: team }
spec:
${spec}
  containers:
    - name: app
      image: /img
${container}`,
    "p.yaml",
    { baseDir: "/", checkImage: () => undefined },
  );
}

Deno.test("dnsPolicy/dnsConfig are parsed, defaulted and checked as the API server does", () => {
  const none = pod(`  dnsPolicy: None
  dnsConfig:
    nameservers: [192.0.2.53, "2001:db8::1"]
    searches: [ns1.svc.cluster-domain.example, my.dns.search.suffix]
    options: [{ name: ndots, value: "2" }, { name: edns0 }]
`).pod;
  assert.equal(none.dnsPolicy, "None");
  assert.deepEqual(sandboxConfig(none, "u").dns, {
    replace: true,
    servers: ["192.0.2.53", "2001:db8::1"],
    searches: ["ns1.svc.cluster-domain.example", "my.dns.search.suffix"],
    options: ["ndots:2", "edns0"],
  });
  const merged = pod(`  dnsConfig: { searches: [example.org] }\n`).pod;
  assert.equal(merged.dnsPolicy, "ClusterFirst");
  assert.equal(sandboxConfig(merged, "u").dns?.replace, false);
  assert.equal(sandboxConfig(pod(`  dnsPolicy: Default\n`).pod, "u").dns, undefined);

  const bad: [string, RegExp][] = [
    [`  dnsPolicy: None\n`, /spec\.dnsConfig: must provide `dnsConfig` when `dnsPolicy` is None/],
    [
      `  dnsPolicy: None\n  dnsConfig: { searches: [a.b] }\n`,
      /p\.yaml:\d+:\d+: spec\.dnsConfig\.nameservers: must provide at least one DNS nameserver/,
    ],
    [
      `  dnsConfig: { nameservers: [1.1.1.1, 1.0.0.1, 8.8.8.8, 8.8.4.4] }\n`,
      /p\.yaml:5:\d+: spec\.dnsConfig\.nameservers: must not have more than 3 nameservers/,
    ],
    [
      `  dnsConfig: { nameservers: [dns.example] }\n`,
      /spec\.dnsConfig\.nameservers\[0\]: must be a valid IP address, got "dns\.example"/,
    ],
    [`  dnsConfig: { searches: [Bad_Domain] }\n`, /spec\.dnsConfig\.searches\[0\]: /],
    [
      `  dnsConfig: { searches: [${Array(33).fill("a.b").join(", ")}] }\n`,
      /must not have more than 32 search paths/,
    ],
    [`  dnsConfig: { options: [{ value: "1" }] }\n`, /options\[0\]\.name: required field/],
    [`  dnsPolicy: Sometimes\n`, /expected ClusterFirst, ClusterFirstWithHostNet, Default, None/],
  ];
  for (const [spec, re] of bad) assert.throws(() => pod(spec), re, spec);
});

Deno.test("renderPodResolvConf() merges as the kubelet's appendDNSConfig, or replaces with None", () => {
  const node =
    "# generated\nnameserver 192.0.2.1\ndomain old.example\nsearch a.example b.example\n" +
    "options ndots:1 timeout:2\n";
  const table: [Parameters<typeof renderPodResolvConf>[1], string][] = [
    [
      { replace: false, servers: [], searches: [], options: [] },
      "nameserver 192.0.2.1\nsearch a.example b.example\noptions ndots:1 timeout:2\n",
    ],
    [
      {
        replace: false,
        servers: ["192.0.2.1", "192.0.2.2"],
        searches: ["a.example", "c.example"],
        options: ["ndots:5", "rotate"],
      },
      "nameserver 192.0.2.1\nnameserver 192.0.2.2\nsearch a.example b.example c.example\n" +
      "options ndots:5 timeout:2 rotate\n",
    ],
    [
      { replace: true, servers: ["192.0.2.53"], searches: ["x.example"], options: ["ndots:2"] },
      "nameserver 192.0.2.53\nsearch x.example\noptions ndots:2\n",
    ],
  ];
  for (const [dns, want] of table) assert.equal(renderPodResolvConf(node, dns), want);
  assert.equal(sandboxDnsConfig({}), undefined);
});

Deno.test("a pod with subdomain gets the kubelet's FQDN line in /etc/hosts", () => {
  const { pod: p } = pod(`  hostname: web-0\n  subdomain: web\n`);
  const cfg = sandboxConfig(p, "u");
  assert.equal(cfg.hostname, "web-0");
  assert.equal(cfg.domain, "web.team.svc.cluster.local");
  assert.match(
    renderHosts({ hostname: cfg.hostname, ips: ["10.88.0.9"], domain: cfg.domain! }),
    /^10\.88\.0\.9\tweb-0\.web\.team\.svc\.cluster\.local\tweb-0$/m,
  );
  // setHostnameAsFQDN: the kernel hostname is the FQDN; the hosts line stays the same.
  const fq = sandboxConfig(
    pod(`  hostname: web-0\n  subdomain: web\n  setHostnameAsFQDN: true\n`).pod,
    "u",
  );
  assert.equal(fq.hostname, "web-0.web.team.svc.cluster.local");
  assert.match(
    renderHosts({
      hostname: fq.hostname,
      aliases: ["web"],
      ips: ["10.88.0.9"],
      domain: fq.domain!,
    }),
    /^10\.88\.0\.9\tweb-0\.web\.team\.svc\.cluster\.local\tweb-0 web$/m,
  );
  assert.equal(sandboxConfig(pod(`  hostname: web-0\n`).pod, "u").domain, undefined);
});

Deno.test("lifecycle.stopSignal reaches the container config; it needs spec.os.name", () => {
  const { pod: p, warnings } = pod(
    `  os: { name: linux }\n`,
    `      lifecycle: { stopSignal: SIGUSR1, preStop: { exec: { command: [x] } } }\n`,
  );
  assert.equal(p.os, "linux");
  assert.equal(p.containers[0]!.stopSignal, "SIGUSR1");
  assert.deepEqual(warnings, [], "preStop is a supported hook beside stopSignal");
  assert.ok(p.containers[0]!.lifecycle?.preStop, "the preStop hook is kept");
  const cfg = containerConfig(p, p.containers[0]!, {
    volumes: planVolumes(p.volumes, "/v"),
    fields: { name: "web", namespace: "team", uid: "u", nodeName: "n", podIPs: [] },
    init: false,
    attempt: 0,
  });
  assert.equal(cfg.stopSignal, "SIGUSR1");
  assert.throws(
    () => pod("", `      lifecycle: { stopSignal: SIGUSR1 }\n`),
    /p\.yaml:9:\d+: spec\.containers\[0\]\.lifecycle\.stopSignal: may not be set for containers with empty `spec\.os\.name`/,
  );
  assert.throws(
    () => pod(`  os: { name: linux }\n`, `      lifecycle: { stopSignal: USR1 }\n`),
    /stopSignal: unsupported value "USR1"/,
  );
  assert.throws(
    () => pod(`  os: { name: windows }\n`),
    /spec\.os\.name: "windows" pods cannot run here/,
  );
});
