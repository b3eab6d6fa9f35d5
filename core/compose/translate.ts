/**
 * Translation of a Compose service replica into a Kubernetes `v1 Pod` object (plain JSON shaped as
 * the API), which then goes through the same validation and defaulting as `rkl pod run` — so
 * `rkl compose convert` prints exactly what runs, and the printed Pods run unchanged with
 * `rkl pod run`. Also the `convert` objects (a Deployment for `deploy.replicas`, a Service for
 * published ports). Pure.
 *
 * @module
 */
import { join } from "node:path";
import type { ComposeModel, ComposeService, ServiceVolume } from "./compose_model.ts";
import { dnsName, podNameOf } from "./plan.ts";
import { NETWORKS_ANNOTATION, type ParsedPod, parsePodManifest } from "../pod/pod_manifest.ts";
import { toYaml } from "../manifest_reader.ts";

/** Label: the compose project. */
export const LABEL_PROJECT = "io.rk8s.compose.project";
/** Label: the service. */
export const LABEL_SERVICE = "io.rk8s.compose.service";
/** Label: the replica number (1-based). */
export const LABEL_REPLICA = "io.rk8s.compose.replica";
/** Annotation: the service's config hash. */
export const ANNOTATION_CONFIG_HASH = "io.rk8s.compose.config-hash";
/** Annotation: the names other services resolve to this pod, per network (JSON). */
export const ANNOTATION_DNS_NAMES = "io.rk8s.compose.dns-names";
/** Annotation: the compose files of the project (JSON list), for `rkl compose ls`. */
export const ANNOTATION_CONFIG_FILES = "io.rk8s.compose.config-files";
/** Annotation: the project directory. */
export const ANNOTATION_WORKING_DIR = "io.rk8s.compose.working-dir";
/**
 * The pod's networks, comma-separated (the Kubernetes Network Plumbing Working Group's
 * multi-network annotation, as Multus reads it).
 */
export const ANNOTATION_NETWORKS: string = NETWORKS_ANNOTATION;

/** A Kubernetes object as plain JSON. */
export type KubeResource = Record<string, unknown>;

/** Where translation puts host-side files. */
export interface TranslateContext {
  /** Directory of named volumes (`<dataDir>/compose/volumes`): a volume is `DIR/NAME`. */
  volumesDir: string;
  /** Directory of the project's generated files (configs/secrets from content or environment). */
  filesDir: string;
  /** The service's config hash. */
  configHash: string;
  /**
   * The network names to print (network name → another name), for `convert`, whose
   * NetworkAttachmentDefinitions need DNS-1123 names; default the names `up` uses.
   */
  networkNames?: Readonly<Record<string, string>>;
}

/**
 * The host path of a named volume.
 *
 * @example
 * ```ts
 * import { volumePath } from "./translate.ts";
 * import assert from "node:assert/strict";
 * assert.equal(volumePath("/var/lib/rkl/compose/volumes", "app_db"), "/var/lib/rkl/compose/volumes/app_db");
 * ```
 */
export function volumePath(volumesDir: string, name: string): string {
  return join(volumesDir, name);
}

/**
 * The host file of a config or secret: its `file`, else a file the executor writes under
 * `filesDir` (`configs/NAME` or `secrets/NAME`).
 *
 * @example
 * ```ts
 * import { fileSourcePath } from "./translate.ts";
 * import assert from "node:assert/strict";
 * assert.equal(fileSourcePath({ kind: "content", content: "x" }, "/f", "config", "c"), "/f/configs/c");
 * ```
 */
export function fileSourcePath(
  src: ComposeModel["configs"][string],
  filesDir: string,
  kind: "config" | "secret",
  name: string,
): string {
  return src.kind === "file" ? src.file : join(filesDir, `${kind}s`, name);
}

function quantityCpu(cores: number): string {
  return `${Math.max(1, Math.round(cores * 1000))}m`;
}

function seconds(ms: number): number {
  return Math.max(0, Math.ceil(ms / 1000));
}

/** The names a replica answers to on its networks: service name, container_name, hostname, aliases. */
export function dnsNamesOf(svc: ComposeService, podName: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [net, n] of Object.entries(svc.networks)) {
    const names = [svc.name, podName, svc.containerName, svc.hostname, ...n.aliases];
    out[net] = [...new Set(names.filter((x): x is string => x !== undefined))];
  }
  return out;
}

/**
 * `dns`, `dns_search` and `dns_opt` as a pod's `dnsConfig`, or undefined when none is set. With
 * `dns` the servers replace the node's (dnsPolicy `None`, as docker replaces them); with only
 * `dns_search`/`dns_opt` the node's resolv.conf is kept and they are added (dnsPolicy `Default`).
 *
 * @example
 * ```ts
 * import { composeDnsConfig } from "./translate.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(
 *   composeDnsConfig({ dns: ["192.0.2.53"], dnsSearch: ["example.org"], dnsOptions: ["ndots:2", "rotate"] }),
 *   { nameservers: ["192.0.2.53"], searches: ["example.org"], options: [{ name: "ndots", value: "2" }, { name: "rotate" }] },
 * );
 * assert.equal(composeDnsConfig({ dns: [] }), undefined);
 * ```
 */
export function composeDnsConfig(
  svc: Pick<ComposeService, "dns" | "dnsSearch" | "dnsOptions">,
): KubeResource | undefined {
  const out: KubeResource = {};
  if (svc.dns.length > 0) out.nameservers = [...svc.dns];
  if ((svc.dnsSearch ?? []).length > 0) out.searches = [...svc.dnsSearch!];
  if ((svc.dnsOptions ?? []).length > 0) {
    out.options = svc.dnsOptions!.map((o) => {
      const i = o.indexOf(":");
      return i < 0 ? { name: o } : { name: o.slice(0, i), value: o.slice(i + 1) };
    });
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * The `v1 Pod` of replica `replica` (1-based) of `svc`.
 *
 * @example
 * ```ts
 * import { servicePod } from "./translate.ts";
 * import assert from "node:assert/strict";
 * const svc = {
 *   name: "web", image: "/img", command: ["sleep", "300"], environment: { A: "1" },
 *   ports: [{ target: 80, published: 8080, protocol: "tcp" as const }], expose: [], volumes: [],
 *   networks: { default: { aliases: [] } }, dependsOn: {}, restart: "no" as const, labels: {},
 *   configs: [], secrets: [], replicas: 1, deployReplicas: false, stopGracePeriodMs: 10000,
 *   init: false, readOnly: false, capAdd: [], capDrop: [], privileged: false, extraHosts: {},
 *   dns: [], profiles: [],
 * };
 * const model = { name: "app", workingDir: "/w", files: [], services: { web: svc },
 *   networks: { default: { name: "app_default", external: false, internal: false } },
 *   volumes: {}, configs: {}, secrets: {} };
 * const pod = servicePod(model, svc, 1, { volumesDir: "/v", filesDir: "/f", configHash: "h" });
 * const spec = pod.spec as { containers: { args: string[]; ports: unknown[] }[]; restartPolicy: string };
 * assert.equal((pod.metadata as { name: string }).name, "app-web-1");
 * assert.deepEqual(spec.containers[0]!.args, ["sleep", "300"]);
 * assert.deepEqual(spec.containers[0]!.ports, [{ containerPort: 80, hostPort: 8080, protocol: "TCP" }]);
 * assert.equal(spec.restartPolicy, "Never");
 * ```
 */
export function servicePod(
  model: ComposeModel,
  svc: ComposeService,
  replica: number,
  ctx: TranslateContext,
): KubeResource {
  const name = podNameOf(model.name, svc, replica);
  const annotations: Record<string, string> = {};
  for (const [k, v] of Object.entries(svc.labels)) annotations[k] = v;
  annotations[ANNOTATION_CONFIG_HASH] = ctx.configHash;
  // Internal networks last: the first network gives the default route, which an internal
  // network has none of (docker takes the gateway from a non-internal network too).
  const netName = (n: string): string => {
    const actual = model.networks[n]?.name ?? n;
    return ctx.networkNames?.[actual] ?? actual;
  };
  const nets = Object.keys(svc.networks).sort((a, b) =>
    Number(model.networks[a]?.internal ?? false) - Number(model.networks[b]?.internal ?? false)
  );
  annotations[ANNOTATION_NETWORKS] = nets.some((n) => svc.networks[n]?.ipv4Address !== undefined)
    ? JSON.stringify(nets.map((n) => {
      const ip = svc.networks[n]!.ipv4Address;
      return { name: netName(n), ...(ip !== undefined ? { ips: [ip] } : {}) };
    }))
    : nets.map(netName).join(",");
  const dnsNames: Record<string, string[]> = {};
  for (const [net, names] of Object.entries(dnsNamesOf(svc, name))) {
    dnsNames[netName(net)] = names;
  }
  annotations[ANNOTATION_DNS_NAMES] = JSON.stringify(dnsNames);
  annotations[ANNOTATION_CONFIG_FILES] = JSON.stringify(model.files);
  annotations[ANNOTATION_WORKING_DIR] = model.workingDir;

  const volumes: KubeResource[] = [];
  const mounts: KubeResource[] = [];
  const addVolume = (v: KubeResource, mount: KubeResource) => {
    volumes.push(v);
    mounts.push(mount);
  };
  svc.volumes.forEach((v: ServiceVolume, i) => {
    const mount = (vol: string): KubeResource => ({
      name: vol,
      mountPath: v.target,
      ...(v.readOnly ? { readOnly: true } : {}),
    });
    if (v.type === "bind") {
      const vol = `bind-${i}`;
      addVolume({
        name: vol,
        hostPath: { path: v.source!, ...(v.createHostPath ? { type: "DirectoryOrCreate" } : {}) },
      }, mount(vol));
    } else if (v.type === "volume" && v.source !== undefined) {
      const def = model.volumes[v.source];
      const vol = `${dnsName(v.source, 50)}-${i}`;
      addVolume({
        name: vol,
        hostPath: {
          path: volumePath(ctx.volumesDir, def?.name ?? v.source),
          type: "DirectoryOrCreate",
        },
      }, mount(vol));
    } else if (v.type === "volume") {
      const vol = `anon-${i}`;
      addVolume({ name: vol, emptyDir: {} }, mount(vol));
    } else {
      const vol = `tmpfs-${i}`;
      addVolume({
        name: vol,
        emptyDir: { medium: "Memory", ...(v.tmpfsSize ? { sizeLimit: String(v.tmpfsSize) } : {}) },
      }, mount(vol));
    }
  });
  for (const [kind, refs] of [["config", svc.configs], ["secret", svc.secrets]] as const) {
    refs.forEach((r, i) => {
      const src = (kind === "config" ? model.configs : model.secrets)[r.source];
      if (!src) return;
      const vol = `${kind}-${i}`;
      addVolume(
        {
          name: vol,
          hostPath: { path: fileSourcePath(src, ctx.filesDir, kind, r.source), type: "File" },
        },
        { name: vol, mountPath: r.target, readOnly: true },
      );
    });
  }

  const container: KubeResource = { name: dnsName(svc.name), image: svc.image };
  if (svc.entrypoint) container.command = svc.entrypoint;
  if (svc.command) container.args = svc.command;
  const env = Object.entries(svc.environment).map(([k, v]) => ({ name: k, value: v }));
  if (env.length > 0) container.env = env;
  if (svc.workingDir) container.workingDir = svc.workingDir;
  const ports = [...svc.ports, ...svc.expose].map((p) => {
    const out: KubeResource = { containerPort: p.target };
    if (p.published !== undefined) out.hostPort = p.published;
    out.protocol = p.protocol.toUpperCase();
    if (p.hostIp !== undefined && p.published !== undefined) out.hostIP = p.hostIp;
    return out;
  });
  const seenPorts = new Set<string>();
  const uniquePorts = ports.filter((p) => {
    const k = JSON.stringify(p);
    if (seenPorts.has(k)) return false;
    seenPorts.add(k);
    return true;
  });
  if (uniquePorts.length > 0) container.ports = uniquePorts;
  const limits: Record<string, string> = {};
  const requests: Record<string, string> = {};
  if (svc.cpus !== undefined) limits.cpu = quantityCpu(svc.cpus);
  if (svc.memLimit !== undefined) limits.memory = String(svc.memLimit);
  if (svc.cpuReservation !== undefined) requests.cpu = quantityCpu(svc.cpuReservation);
  if (svc.memReservation !== undefined) requests.memory = String(svc.memReservation);
  if (Object.keys(limits).length + Object.keys(requests).length > 0) {
    container.resources = {
      ...(Object.keys(limits).length > 0 ? { limits } : {}),
      ...(Object.keys(requests).length > 0 ? { requests } : {}),
    };
  }
  if (mounts.length > 0) container.volumeMounts = mounts;
  const sc: KubeResource = {};
  if (svc.privileged) sc.privileged = true;
  if (svc.readOnly) sc.readOnlyRootFilesystem = true;
  if (svc.user) {
    sc.runAsUser = svc.user.uid;
    if (svc.user.gid !== undefined) sc.runAsGroup = svc.user.gid;
  }
  // The user's groups from the image's /etc/group (docker's AdditionalGids): pod-level only.
  const podSecurity = (svc.user?.groups ?? []).length > 0
    ? { supplementalGroups: [...svc.user!.groups!] }
    : undefined;
  if (svc.capAdd.length > 0 || svc.capDrop.length > 0) {
    sc.capabilities = {
      ...(svc.capAdd.length > 0 ? { add: svc.capAdd } : {}),
      ...(svc.capDrop.length > 0 ? { drop: svc.capDrop } : {}),
    };
  }
  if (Object.keys(sc).length > 0) container.securityContext = sc;
  if (svc.stopSignal !== undefined) container.lifecycle = { stopSignal: svc.stopSignal };

  const hostAliases = new Map<string, string[]>();
  for (const [host, ip] of Object.entries(svc.extraHosts)) {
    hostAliases.set(ip, [...(hostAliases.get(ip) ?? []), host]);
  }
  const spec: KubeResource = {
    hostname: dnsName(svc.hostname ?? name),
    restartPolicy: svc.restart === "no"
      ? "Never"
      : svc.restart === "on-failure"
      ? "OnFailure"
      : "Always",
    terminationGracePeriodSeconds: seconds(svc.stopGracePeriodMs),
    containers: [container],
  };
  if (svc.init) spec.shareProcessNamespace = true;
  if (podSecurity) spec.securityContext = podSecurity;
  // lifecycle.stopSignal needs spec.os.name (Kubernetes 1.33).
  if (svc.stopSignal !== undefined) spec.os = { name: "linux" };
  const dnsConfig = composeDnsConfig(svc);
  if (dnsConfig !== undefined) {
    spec.dnsPolicy = svc.dns.length > 0 ? "None" : "Default";
    spec.dnsConfig = dnsConfig;
  }
  if (hostAliases.size > 0) {
    spec.hostAliases = [...hostAliases].map(([ip, hostnames]) => ({ ip, hostnames }));
  }
  if (volumes.length > 0) spec.volumes = volumes;
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      labels: {
        [LABEL_PROJECT]: model.name,
        [LABEL_SERVICE]: svc.name,
        [LABEL_REPLICA]: String(replica),
      },
      annotations,
    },
    spec,
  };
}

/**
 * The Kubernetes objects `rkl compose convert` prints for a service: its Pods (one per replica), or
 * a Deployment when `deploy.replicas` is set, plus a Service when it publishes ports.
 *
 * @example
 * ```ts ignore
 * import { convertService } from "./translate.ts";
 * const objects = convertService(model, model.services.web!, ctx);
 * ```
 */
export function convertService(
  model: ComposeModel,
  svc: ComposeService,
  ctx: TranslateContext,
): KubeResource[] {
  const out: KubeResource[] = [];
  if (svc.deployReplicas) {
    const pod = servicePod(model, svc, 1, ctx);
    const meta = pod.metadata as { labels: Record<string, string>; annotations: unknown };
    const { [LABEL_REPLICA]: _r, ...labels } = meta.labels;
    out.push({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: dnsName(`${model.name}-${svc.name}`, 253, true), labels },
      spec: {
        replicas: svc.replicas,
        selector: { matchLabels: labels },
        template: { metadata: { labels, annotations: meta.annotations }, spec: pod.spec },
      },
    });
  } else {
    for (let r = 1; r <= svc.replicas; r++) out.push(servicePod(model, svc, r, ctx));
  }
  const published = svc.ports.filter((p) => p.published !== undefined);
  if (published.length > 0) {
    out.push({
      apiVersion: "v1",
      kind: "Service",
      metadata: {
        name: dnsName(svc.name),
        labels: { [LABEL_PROJECT]: model.name, [LABEL_SERVICE]: svc.name },
      },
      spec: {
        selector: { [LABEL_PROJECT]: model.name, [LABEL_SERVICE]: svc.name },
        ports: published.map((p) => ({
          name: `${p.protocol}-${p.published}`,
          port: p.published,
          targetPort: p.target,
          protocol: p.protocol.toUpperCase(),
        })),
      },
    });
  }
  return out;
}

/**
 * Runs a translated Pod through the pod layer's validation and defaulting (the same as
 * `rkl pod run`), giving the manifest the pod layer runs. `source` names where it came from in
 * errors (e.g. the compose file and service).
 *
 * @example
 * ```ts
 * import { podManifestOf } from "./translate.ts";
 * import assert from "node:assert/strict";
 * const { pod } = podManifestOf({
 *   apiVersion: "v1", kind: "Pod", metadata: { name: "a-web-1", annotations: { "k8s.v1.cni.cncf.io/networks": "a_default" } },
 *   spec: { containers: [{ name: "web", image: "/img" }], restartPolicy: "Never" },
 * }, "compose.yaml#web", () => undefined);
 * assert.deepEqual(pod.networks, ["a_default"]);
 * assert.equal(pod.restartPolicy, "Never");
 * ```
 */
export function podManifestOf(
  pod: KubeResource,
  source: string,
  checkImage?: (path: string) => string | undefined,
): ParsedPod {
  return parsePodManifest(toYaml(pod), source, {
    baseDir: "/",
    ...(checkImage ? { checkImage } : {}),
  });
}
