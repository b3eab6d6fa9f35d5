/**
 * Cluster DNS records from Services and EndpointSlices, as the Kubernetes DNS-Based Service
 * Discovery specification (kubernetes/dns docs/specification.md, schema 1.1.0) lays them out,
 * plus the pod records of the "DNS for Services and Pods" page. Pure: objects in, records out;
 * {@linkcode lookupDns} answers one question.
 *
 * - `dns-version.<zone>` TXT `1.1.0`.
 * - ClusterIP Service: `<svc>.<ns>.svc.<zone>` A = cluster IP; for each named port
 *   `_<port>._<proto>.<svc>.<ns>.svc.<zone>` SRV `0 100 <port> <svc>.<ns>.svc.<zone>`; PTR of
 *   the cluster IP.
 * - Headless Service (`clusterIP: None`): `<svc>.<ns>.svc.<zone>` A = every ready endpoint;
 *   `<hostname>.<svc>.<ns>.svc.<zone>` A per ready endpoint (hostname: the endpoint's
 *   `hostname`, else its address with dashes); SRV per named port and endpoint; PTR of each
 *   endpoint with a `hostname`.
 * - ExternalName Service: `<svc>.<ns>.svc.<zone>` CNAME the external name.
 * - Pods: `<a-b-c-d>.<ns>.pod.<zone>` A `a.b.c.d`.
 *
 * Names compare case-insensitively; a name under the zone that does not exist is NXDOMAIN, one
 * that exists without the asked type is an empty NOERROR (NODATA).
 *
 * @module
 */
import { isRecord } from "../../core/is_record.ts";

/** The specification's schema version served at `dns-version.<zone>`. */
export const DNS_SCHEMA_VERSION = "1.1.0";
/** TTL of every cluster record, seconds (CoreDNS's kubernetes plugin default). */
export const CLUSTER_DNS_TTL = 5;

/** One resource record. */
export type DnsRecord =
  | { type: "A"; name: string; data: string }
  | { type: "CNAME"; name: string; data: string }
  | { type: "PTR"; name: string; data: string }
  | { type: "TXT"; name: string; data: string }
  | {
    type: "SRV";
    name: string;
    data: { priority: number; weight: number; port: number; target: string };
  };

/** Records by lower-case name. */
export interface ClusterDnsRecords {
  /** The cluster domain (`cluster.local`). */
  zone: string;
  /** Records by name. */
  byName: Map<string, DnsRecord[]>;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function reverseName(ip: string): string {
  return `${ip.split(".").reverse().join(".")}.in-addr.arpa`;
}

/**
 * Builds the records (see the module doc).
 *
 * @example
 * ```ts
 * import { buildClusterDnsRecords, lookupDns } from "./cluster_dns_records.ts";
 * import assert from "node:assert/strict";
 * const svc = { metadata: { name: "web", namespace: "default" }, spec: { clusterIP: "10.96.0.7", ports: [{ name: "http", port: 80 }] } };
 * const recs = buildClusterDnsRecords({ services: [svc], endpointSlices: [], zone: "cluster.local" });
 * const a = lookupDns(recs, "WEB.default.svc.cluster.local", "A");
 * assert.deepEqual(a, { rcode: "NOERROR", answers: [{ type: "A", name: "web.default.svc.cluster.local", data: "10.96.0.7" }] });
 * assert.equal(lookupDns(recs, "nope.default.svc.cluster.local", "A")?.rcode, "NXDOMAIN");
 * assert.equal(lookupDns(recs, "example.org", "A"), undefined);
 * ```
 */
export function buildClusterDnsRecords(input: {
  services: readonly unknown[];
  endpointSlices: readonly unknown[];
  zone: string;
}): ClusterDnsRecords {
  const zone = input.zone.toLowerCase().replace(/\.$/, "");
  const byName = new Map<string, DnsRecord[]>();
  const add = (r: DnsRecord) => {
    const k = r.name.toLowerCase();
    const list = byName.get(k) ?? [];
    if (!list.some((x) => x.type === r.type && JSON.stringify(x.data) === JSON.stringify(r.data))) {
      list.push({ ...r, name: k } as DnsRecord);
    }
    byName.set(k, list);
  };
  add({ type: "TXT", name: `dns-version.${zone}`, data: DNS_SCHEMA_VERSION });
  const slices = new Map<string, Record<string, unknown>[]>();
  for (const s of input.endpointSlices) {
    if (!isRecord(s) || !isRecord(s.metadata)) continue;
    if (s.addressType !== undefined && s.addressType !== "IPv4") continue;
    const labels = isRecord(s.metadata.labels) ? s.metadata.labels : {};
    const svc = labels["kubernetes.io/service-name"];
    if (typeof svc !== "string") continue;
    const ns = typeof s.metadata.namespace === "string" ? s.metadata.namespace : "default";
    slices.set(`${ns}/${svc}`, [...slices.get(`${ns}/${svc}`) ?? [], s]);
  }
  for (const svc of input.services) {
    if (!isRecord(svc) || !isRecord(svc.metadata) || !isRecord(svc.spec)) continue;
    const name = svc.metadata.name;
    if (typeof name !== "string") continue;
    const ns = typeof svc.metadata.namespace === "string" ? svc.metadata.namespace : "default";
    const spec = svc.spec;
    const fqdn = `${name}.${ns}.svc.${zone}`;
    if (spec.type === "ExternalName") {
      if (typeof spec.externalName === "string" && spec.externalName) {
        add({ type: "CNAME", name: fqdn, data: spec.externalName.replace(/\.$/, "") });
      }
      continue;
    }
    const ports = Array.isArray(spec.ports) ? spec.ports.filter(isRecord) : [];
    const named = ports.filter((p) => typeof p.name === "string" && p.name !== "");
    if (typeof spec.clusterIP === "string" && IPV4.test(spec.clusterIP)) {
      add({ type: "A", name: fqdn, data: spec.clusterIP });
      add({ type: "PTR", name: reverseName(spec.clusterIP), data: fqdn });
      for (const p of named) {
        if (typeof p.port !== "number") continue;
        const proto = String(p.protocol ?? "TCP").toLowerCase();
        add({
          type: "SRV",
          name: `_${p.name}._${proto}.${fqdn}`,
          data: { priority: 0, weight: 100, port: p.port, target: fqdn },
        });
      }
      continue;
    }
    if (spec.clusterIP !== "None") continue;
    for (const s of slices.get(`${ns}/${name}`) ?? []) {
      const slicePorts = Array.isArray(s.ports) ? s.ports.filter(isRecord) : [];
      for (const e of Array.isArray(s.endpoints) ? s.endpoints.filter(isRecord) : []) {
        const cond = isRecord(e.conditions) ? e.conditions : {};
        if (cond.ready === false) continue;
        const ip = Array.isArray(e.addresses) ? e.addresses[0] : undefined;
        if (typeof ip !== "string" || !IPV4.test(ip)) continue;
        const hasHost = typeof e.hostname === "string" && e.hostname !== "";
        const host = hasHost ? e.hostname as string : ip.replaceAll(".", "-");
        const hostFqdn = `${host}.${fqdn}`;
        add({ type: "A", name: fqdn, data: ip });
        add({ type: "A", name: hostFqdn, data: ip });
        if (hasHost) add({ type: "PTR", name: reverseName(ip), data: hostFqdn });
        for (const p of slicePorts) {
          if (typeof p.name !== "string" || p.name === "" || typeof p.port !== "number") continue;
          const proto = String(p.protocol ?? "TCP").toLowerCase();
          add({
            type: "SRV",
            name: `_${p.name}._${proto}.${fqdn}`,
            data: { priority: 0, weight: 100, port: p.port, target: hostFqdn },
          });
        }
      }
    }
    // A headless Service without ready endpoints still exists (NODATA, not NXDOMAIN).
    if (!byName.has(fqdn)) byName.set(fqdn, []);
  }
  return { zone, byName };
}

/** The answer to one question, or `undefined` when the name is not the cluster's. */
export interface DnsLookup {
  /** `NOERROR` or `NXDOMAIN`. */
  rcode: "NOERROR" | "NXDOMAIN";
  /** The matching records (a CNAME answers any type). */
  answers: DnsRecord[];
}

/**
 * Answers `type` for `name` from `recs`: the cluster zone and the reverse zones of the cluster's
 * addresses are answered here; `undefined` means "not ours" (forward it upstream).
 *
 * @example
 * ```ts
 * import { buildClusterDnsRecords, lookupDns } from "./cluster_dns_records.ts";
 * import assert from "node:assert/strict";
 * const recs = buildClusterDnsRecords({ services: [], endpointSlices: [], zone: "cluster.local" });
 * assert.deepEqual(lookupDns(recs, "10-244-1-5.default.pod.cluster.local.", "A")?.answers[0]?.data, "10.244.1.5");
 * assert.equal(lookupDns(recs, "dns-version.cluster.local", "TXT")?.answers[0]?.data, "1.1.0");
 * ```
 */
export function lookupDns(
  recs: ClusterDnsRecords,
  name: string,
  type: string,
): DnsLookup | undefined {
  const n = name.toLowerCase().replace(/\.$/, "");
  const found = recs.byName.get(n);
  if (n.endsWith(".in-addr.arpa")) {
    if (!found) return undefined;
    return { rcode: "NOERROR", answers: found.filter((r) => r.type === type) };
  }
  if (n !== recs.zone && !n.endsWith(`.${recs.zone}`)) return undefined;
  if (found) {
    const cname = found.filter((r) => r.type === "CNAME");
    if (cname.length > 0 && type !== "CNAME") return { rcode: "NOERROR", answers: cname };
    return { rcode: "NOERROR", answers: found.filter((r) => r.type === type) };
  }
  const pod = new RegExp(
    `^(\\d{1,3})-(\\d{1,3})-(\\d{1,3})-(\\d{1,3})\\.[a-z0-9-]+\\.pod\\.${
      recs.zone.replaceAll(".", "\\.")
    }$`,
  ).exec(n);
  if (pod && pod.slice(1, 5).every((o) => Number(o) <= 255)) {
    const ip = pod.slice(1, 5).join(".");
    return { rcode: "NOERROR", answers: type === "A" ? [{ type: "A", name: n, data: ip }] : [] };
  }
  // A name that is a parent of existing names (e.g. `default.svc.cluster.local`) exists.
  for (const k of recs.byName.keys()) {
    if (k.endsWith(`.${n}`)) return { rcode: "NOERROR", answers: [] };
  }
  if (n === recs.zone) return { rcode: "NOERROR", answers: [] };
  return { rcode: "NXDOMAIN", answers: [] };
}
