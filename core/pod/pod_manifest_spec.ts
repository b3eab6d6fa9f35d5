/**
 * The pod-level fields of a pod manifest besides containers and volumes: `hostname`,
 * `subdomain`, `setHostnameAsFQDN`, `hostAliases`, `dnsPolicy`, `dnsConfig` and the pod `securityContext`
 * (parsing), and the checks that need the defaulted pod (FQDN length, `runAsNonRoot`, summed
 * limits, runtime identifiers).
 *
 * @module
 */
import type { ManifestField } from "../manifest_reader.ts";
import { MAX_ID, optionalText } from "../container/fields.ts";
import { MAX_HOSTNAME_LENGTH } from "../k8s/defaults.ts";
import { MAX_MEMORY_BYTES, memoryBytes } from "../quantity.ts";
import { dns1123LabelProblem, dns1123SubdomainProblem } from "./_names.ts";
import { nameCheck } from "./pod_manifest_container.ts";
import { effectiveSecurity } from "./pod_security.ts";
import type {
  DnsPolicy,
  HostAlias,
  PodDnsConfig,
  PodDnsConfigOption,
  PodInput,
  PodLevelSecurityContext,
  PodManifest,
  Sysctl,
} from "./pod_types.ts";

/** The `spec` keys {@linkcode parsePodSpecExtras} reads. */
export const POD_SPEC_EXTRA_FIELDS: readonly string[] = [
  "hostname",
  "subdomain",
  "setHostnameAsFQDN",
  "hostAliases",
  "dnsPolicy",
  "dnsConfig",
  "os",
  "securityContext",
];

/** Kubernetes' cluster domain, used in a pod's FQDN. */
export const CLUSTER_DOMAIN = "cluster.local";

const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;
const IPV6 = /^[0-9a-fA-F:]*:[0-9a-fA-F:.]*$/;
const SYSCTL_NAME = /^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$/;

/**
 * Whether the kernel parameter `name` belongs to a namespace a pod owns (the kubelet's rule:
 * `kernel.shm*`, `kernel.msg*`, `kernel.sem`, `fs.mqueue.*` for IPC; `net.*` for the network
 * namespace). Returns the namespace, or undefined for a node-wide parameter.
 *
 * @example
 * ```ts
 * import { sysctlNamespace } from "./pod_manifest_spec.ts";
 * import assert from "node:assert/strict";
 * assert.equal(sysctlNamespace("net.ipv4.ip_unprivileged_port_start"), "net");
 * assert.equal(sysctlNamespace("kernel.shm_rmid_forced"), "ipc");
 * assert.equal(sysctlNamespace("vm.swappiness"), undefined);
 * ```
 */
export function sysctlNamespace(name: string): "ipc" | "net" | undefined {
  const n = name.replaceAll("/", ".");
  if (n.startsWith("net.")) return "net";
  if (
    n === "kernel.sem" || n.startsWith("kernel.shm") || n.startsWith("kernel.msg") ||
    n.startsWith("fs.mqueue.")
  ) return "ipc";
  return undefined;
}

/**
 * Reads the pod-level extras of `spec` (zero values mean "not set").
 *
 * @example
 * ```ts
 * import { parsePodSpecExtras } from "./pod_manifest_spec.ts";
 * import { readManifest } from "../manifest_reader.ts";
 * import assert from "node:assert/strict";
 * const { root } = readManifest("hostname: ''\nsubdomain: web\n", "p.yaml");
 * assert.deepEqual(parsePodSpecExtras(root), { subdomain: "web" });
 * ```
 */
export function parsePodSpecExtras(spec: ManifestField): Partial<PodInput> {
  const out: Partial<PodInput> = {};
  for (const key of ["hostname", "subdomain"] as const) {
    const v = optionalText(spec, key);
    if (v === undefined) continue;
    nameCheck(spec.get(key), dns1123LabelProblem(v));
    out[key] = v;
  }
  const fqdn = spec.optionalBoolean("setHostnameAsFQDN");
  if (fqdn !== undefined) out.setHostnameAsFQDN = fqdn;
  const aliases = spec.list("hostAliases").map(parseHostAlias);
  if (aliases.length > 0) out.hostAliases = aliases;
  const dns = optionalText(spec, "dnsPolicy");
  if (dns !== undefined) {
    const policies = ["ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"];
    if (!policies.includes(dns)) {
      throw spec.get("dnsPolicy").error(`expected ${policies.join(", ")}, got "${dns}"`);
    }
    out.dnsPolicy = dns as DnsPolicy;
  }
  const os = spec.get("os");
  if (!os.isNull) {
    os.object().known(["name"]);
    const name = optionalText(os, "name");
    if (name === "windows") {
      throw os.get("name").error('"windows" pods cannot run here: rk8s runs Linux containers');
    }
    if (name !== undefined && name !== "linux") {
      throw os.get("name").error(`expected linux or windows, got "${name}"`);
    }
    if (name !== undefined) out.os = name;
  }
  const dnsConfig = spec.get("dnsConfig");
  if (!dnsConfig.isNull) out.dnsConfig = parseDnsConfig(dnsConfig);
  if (out.dnsPolicy === "None") {
    // The API server's rule (validatePodDNSConfig).
    if (out.dnsConfig === undefined) {
      throw spec.get("dnsConfig").error("must provide `dnsConfig` when `dnsPolicy` is None");
    }
    if ((out.dnsConfig.nameservers ?? []).length === 0) {
      throw dnsConfig.get("nameservers").error(
        "must provide at least one DNS nameserver when `dnsPolicy` is None",
      );
    }
  }
  const sc = spec.get("securityContext");
  if (!sc.isNull) out.securityContext = parsePodSecurity(sc);
  return out;
}

/** Kubernetes' limits on `dnsConfig` (MaxDNSNameservers, MaxDNSSearchPaths, MaxDNSSearchListChars). */
const MAX_DNS_NAMESERVERS = 3;
const MAX_DNS_SEARCH_PATHS = 32;
const MAX_DNS_SEARCH_CHARS = 2048;

function parseDnsConfig(f: ManifestField): PodDnsConfig {
  f.object().known(["nameservers", "searches", "options"]);
  const out: PodDnsConfig = {};
  const servers = f.list("nameservers").map((n) => {
    const ip = n.string();
    if (!IPV4.test(ip) && !IPV6.test(ip)) throw n.error(`must be a valid IP address, got "${ip}"`);
    return ip;
  });
  if (servers.length > MAX_DNS_NAMESERVERS) {
    throw f.get("nameservers").error(
      `must not have more than ${MAX_DNS_NAMESERVERS} nameservers: ${servers.join(" ")}`,
    );
  }
  if (servers.length > 0) out.nameservers = servers;
  const searches = f.list("searches").map((n) => {
    const d = n.string();
    const problem = dns1123SubdomainProblem(d.replace(/\.$/, ""));
    if (problem) throw n.error(problem);
    return d;
  });
  if (searches.length > MAX_DNS_SEARCH_PATHS) {
    throw f.get("searches").error(`must not have more than ${MAX_DNS_SEARCH_PATHS} search paths`);
  }
  if (searches.join(" ").length > MAX_DNS_SEARCH_CHARS) {
    throw f.get("searches").error(
      `must not have more than ${MAX_DNS_SEARCH_CHARS} characters (including spaces) in the search list`,
    );
  }
  if (searches.length > 0) out.searches = searches;
  const options = f.list("options").map((o): PodDnsConfigOption => {
    o.object().known(["name", "value"]);
    const name = optionalText(o, "name");
    if (name === undefined) throw o.get("name").error("required field is missing");
    const value = o.get("value").isNull ? undefined : o.get("value").string();
    return value === undefined ? { name } : { name, value };
  });
  if (options.length > 0) out.options = options;
  return out;
}

function parseHostAlias(f: ManifestField): HostAlias {
  f.object().known(["ip", "hostnames"]);
  const ip = optionalText(f, "ip");
  if (ip === undefined) throw f.get("ip").error("required field is missing");
  if (!IPV4.test(ip) && !IPV6.test(ip)) {
    throw f.get("ip").error(`expected an IP address, got "${ip}"`);
  }
  const hostnames = f.list("hostnames").map((h) => {
    const name = h.string();
    if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/i.test(name) || name.length > 253) {
      throw h.error(`"${name}" is not a valid host name`);
    }
    return name;
  });
  return { ip, hostnames };
}

function parsePodSecurity(f: ManifestField): PodLevelSecurityContext {
  f.object().known([
    "runAsUser",
    "runAsGroup",
    "runAsNonRoot",
    "fsGroup",
    "supplementalGroups",
    "sysctls",
  ]);
  const out: PodLevelSecurityContext = {};
  for (const key of ["runAsUser", "runAsGroup", "fsGroup"] as const) {
    const v = f.optionalInteger(key, 0, MAX_ID);
    if (v !== undefined) out[key] = v;
  }
  const nonRoot = f.optionalBoolean("runAsNonRoot");
  if (nonRoot !== undefined) out.runAsNonRoot = nonRoot;
  const groups = f.list("supplementalGroups").map((g) => g.integer(0, MAX_ID));
  if (groups.length > 0) out.supplementalGroups = groups;
  const seen = new Set<string>();
  const sysctls = f.list("sysctls").map((s): Sysctl => {
    s.object().known(["name", "value"]);
    const name = optionalText(s, "name");
    if (name === undefined) throw s.get("name").error("required field is missing");
    if (!SYSCTL_NAME.test(name) || name.length > 253) {
      throw s.get("name").error(`"${name}" is not a valid sysctl name`);
    }
    if (sysctlNamespace(name) === undefined) {
      throw s.get("name").error(
        `"${name}" is not a namespaced sysctl: a pod may only set kernel.shm*, kernel.msg*, ` +
          "kernel.sem, fs.mqueue.* and net.*",
      );
    }
    if (seen.has(name)) throw s.get("name").error(`duplicate sysctl "${name}"`);
    seen.add(name);
    const v = s.get("value");
    return { name, value: v.isNull ? "" : v.string() };
  });
  if (sysctls.length > 0) out.sysctls = sysctls;
  return out;
}

/**
 * Checks that need the defaulted pod; errors point at the field in `spec` that causes them.
 *
 * @example
 * ```ts
 * import { checkPod } from "./pod_manifest_spec.ts";
 * import { defaultPod } from "../k8s/defaults.ts";
 * import { readManifest } from "../manifest_reader.ts";
 * import assert from "node:assert/strict";
 * const { root } = readManifest("securityContext: {runAsNonRoot: true}\n", "p.yaml");
 * const pod = defaultPod({
 *   name: "web", containers: [{ name: "app", image: "/img" }],
 *   securityContext: { runAsNonRoot: true },
 * });
 * assert.throws(() => checkPod(pod, root), /runAsNonRoot.*would run as root/);
 * ```
 */
export function checkPod(pod: PodManifest, spec: ManifestField): void {
  if (pod.setHostnameAsFQDN === true && pod.subdomain !== undefined) {
    const fqdn = podFqdn(pod)!;
    if (fqdn.length > MAX_HOSTNAME_LENGTH + 1) {
      throw spec.get("setHostnameAsFQDN").error(
        `the FQDN "${fqdn}" is longer than 64 characters, too long for a hostname`,
      );
    }
  }
  if (pod.hostNetwork) {
    const i = (pod.securityContext?.sysctls ?? []).findIndex((s) => s.name.startsWith("net."));
    if (i >= 0) {
      throw spec.get("securityContext").get("sysctls").items()[i]!.get("name").error(
        "a net.* sysctl cannot be set with hostNetwork: it would change the host's network",
      );
    }
  }
  const lists = [["initContainers", pod.initContainers], ["containers", pod.containers]] as const;
  for (const [key, list] of lists) {
    list.forEach((c, i) => {
      if (c.stopSignal !== undefined && pod.os === undefined) {
        // The API server's rule for ContainerStopSignals (Kubernetes 1.33).
        throw spec.get(key).items()[i]!.get("lifecycle").get("stopSignal").error(
          "may not be set for containers with empty `spec.os.name` (add `os: { name: linux }` to the pod spec)",
        );
      }
      const sec = effectiveSecurity(pod.securityContext, c.securityContext);
      if (sec.runAsNonRoot === true && (sec.runAsUser ?? 0) === 0) {
        const own = c.securityContext.runAsNonRoot !== undefined;
        const field = own
          ? spec.get(key).items()[i]!.get("securityContext").get("runAsNonRoot")
          : spec.get("securityContext").get("runAsNonRoot");
        throw field.error(
          `runAsNonRoot is true but container "${c.name}" would run as root (uid 0): ` +
            "set runAsUser to a non-zero uid",
        );
      }
    });
  }
  const all = pod.containers.every((c) => c.resources.limits.memory !== undefined);
  if (all) {
    const sum = pod.containers.reduce(
      (n, c) => n + BigInt(memoryBytes(c.resources.limits.memory!)),
      0n,
    );
    if (sum > BigInt(MAX_MEMORY_BYTES)) {
      throw spec.get("containers").error(
        "the containers' memory limits add up to more than 8Pi (2^53-1 bytes)",
      );
    }
  }
}

/**
 * The pod's FQDN when it has a `subdomain`: `hostname.subdomain.namespace.svc.cluster.local`.
 *
 * @example
 * ```ts
 * import { podFqdn } from "./pod_manifest_spec.ts";
 * import assert from "node:assert/strict";
 * assert.equal(
 *   podFqdn({ hostname: "web-0", subdomain: "web", namespace: "default" }),
 *   "web-0.web.default.svc.cluster.local",
 * );
 * assert.equal(podFqdn({ hostname: "web", namespace: "default" }), undefined);
 * ```
 */
export function podFqdn(
  pod: Pick<PodManifest, "hostname" | "subdomain" | "namespace">,
): string | undefined {
  if (pod.subdomain === undefined) return undefined;
  return `${pod.hostname}.${pod.subdomain}.${pod.namespace}.svc.${CLUSTER_DOMAIN}`;
}
