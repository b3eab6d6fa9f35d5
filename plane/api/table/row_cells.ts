/**
 * The Table cells of every kind rks serves, column for column as kube-apiserver 1.32's printers
 * (kubernetes/pkg/printers/internalversion/printers.go: `printNode`, `printService`,
 * `printEvent`, `printDeployment`, …), always with the wide columns, as the API server sends
 * them.
 *
 * @module
 */
import { ageSince } from "./human_duration.ts";
import { formatLabels, formatLabelSelector, labelSelectorString } from "./label_format.ts";
import { podCells, type RowCells } from "./pod_cells.ts";
import { bool, mapSize, num, optRec, rec, recs, str, strMap, strs } from "./_fields.ts";

type Printer = (obj: Record<string, unknown>, now: Date) => (string | number | boolean)[];

const name = (obj: unknown): string => str(rec(obj, "metadata"), "name");
const age = (obj: unknown, now: Date): string =>
  ageSince(rec(obj, "metadata")["creationTimestamp"], now);

/** Names and images of a pod template's containers, each joined with `,`. */
function containerCells(template: unknown): [string, string] {
  const containers = recs(rec(template, "spec"), "containers");
  return [
    containers.map((c) => str(c, "name")).join(","),
    containers.map((c) => str(c, "image")).join(","),
  ];
}

/** `a,b,c + N more...` for the first three of `items` (`listWithMoreString`). */
function listWithMore(items: string[], empty: string): string {
  const max = 3;
  if (items.length > max) {
    return `${items.slice(0, max).join(",")} + ${items.length - max} more...`;
  }
  return items.length === 0 ? empty : items.join(",");
}

/** `net.JoinHostPort`: brackets around IPv6 hosts. */
function joinHostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

function nodeCells(node: Record<string, unknown>, now: Date): (string | number)[] {
  const spec = rec(node, "spec");
  const status = rec(node, "status");
  const info = rec(status, "nodeInfo");
  const ready = recs(status, "conditions").filter((c) => str(c, "type") === "Ready").at(-1);
  const states: string[] = [];
  if (ready) states.push(str(ready, "status") === "True" ? "Ready" : "NotReady");
  else states.push("Unknown");
  if (bool(spec, "unschedulable")) states.push("SchedulingDisabled");
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(strMap(rec(node, "metadata"), "labels"))) {
    if (k.startsWith("node-role.kubernetes.io/")) {
      const role = k.slice("node-role.kubernetes.io/".length);
      if (role !== "") roles.add(role);
    } else if (k === "kubernetes.io/role" && v !== "") {
      roles.add(v);
    }
  }
  const address = (type: string): string =>
    str(recs(status, "addresses").find((a) => str(a, "type") === type), "address") ||
    "<none>";
  return [
    name(node),
    states.join(","),
    [...roles].sort().join(",") || "<none>",
    age(node, now),
    str(info, "kubeletVersion"),
    address("InternalIP"),
    address("ExternalIP"),
    str(info, "osImage") || "<unknown>",
    str(info, "kernelVersion") || "<unknown>",
    str(info, "containerRuntimeVersion") || "<unknown>",
  ];
}

function serviceExternalIP(svc: Record<string, unknown>, type: string): string {
  const spec = rec(svc, "spec");
  const externalIPs = strs(spec, "externalIPs");
  switch (type) {
    case "ClusterIP":
    case "NodePort":
      return externalIPs.length > 0 ? externalIPs.join(",") : "<none>";
    case "LoadBalancer": {
      // The API server prints with Wide: true, so the ingress list is not clipped.
      const ingress = new Set<string>();
      for (const i of recs(rec(rec(svc, "status"), "loadBalancer"), "ingress")) {
        const value = str(i, "ip") || str(i, "hostname");
        if (value !== "") ingress.add(value);
      }
      const lb = [...ingress].sort();
      if (externalIPs.length > 0) return [...lb, ...externalIPs].join(",");
      return lb.length > 0 ? lb.join(",") : "<pending>";
    }
    case "ExternalName":
      return str(spec, "externalName");
    default:
      return "<unknown>";
  }
}

function serviceCells(svc: Record<string, unknown>, now: Date): (string | number)[] {
  const spec = rec(svc, "spec");
  // The API server defaults `type` to ClusterIP and `clusterIPs` from `clusterIP`.
  const type = str(spec, "type") || "ClusterIP";
  const clusterIP = strs(spec, "clusterIPs")[0] || str(spec, "clusterIP") || "<none>";
  const ports = recs(spec, "ports").map((p) => {
    const protocol = str(p, "protocol") || "TCP";
    const nodePort = num(p, "nodePort");
    return nodePort > 0
      ? `${num(p, "port")}:${nodePort}/${protocol}`
      : `${num(p, "port")}/${protocol}`;
  });
  return [
    name(svc),
    type,
    clusterIP,
    serviceExternalIP(svc, type),
    ports.join(",") || "<none>",
    age(svc, now),
    formatLabels(strMap(spec, "selector")),
  ];
}

function endpointsText(ep: Record<string, unknown>): string {
  const subsets = recs(ep, "subsets");
  if (subsets.length === 0) return "<none>";
  const list: string[] = [];
  for (const ss of subsets) {
    const addresses = recs(ss, "addresses").map((a) => str(a, "ip"));
    const ports = recs(ss, "ports");
    if (ports.length === 0) {
      list.push(...addresses);
      continue;
    }
    for (const port of ports) {
      for (const ip of addresses) list.push(joinHostPort(ip, num(port, "port")));
    }
  }
  // formatEndpoints: an empty list prints as "" (not "<unset>").
  return listWithMore(list, "");
}

/** An events.k8s.io/v1 Event in the core/v1 shape the printer reads. */
function asCoreEvent(ev: Record<string, unknown>): Record<string, unknown> {
  if (!("regarding" in ev) && !("note" in ev) && !("deprecatedCount" in ev)) return ev;
  return {
    ...ev,
    involvedObject: ev["regarding"],
    message: ev["note"],
    firstTimestamp: ev["deprecatedFirstTimestamp"],
    lastTimestamp: ev["deprecatedLastTimestamp"],
    count: ev["deprecatedCount"],
    source: ev["deprecatedSource"],
  };
}

function eventCells(raw: Record<string, unknown>, now: Date): (string | number)[] {
  const ev = asCoreEvent(raw);
  let first = ageSince(ev["firstTimestamp"], now);
  if (first === "<unknown>") first = ageSince(ev["eventTime"], now);
  let last = ageSince(ev["lastTimestamp"], now);
  if (last === "<unknown>") last = first;
  let count = num(ev, "count");
  const series = optRec(ev, "series");
  if (series) {
    last = ageSince(series["lastObservedTime"], now);
    count = num(series, "count");
  } else if (count === 0) {
    count = 1;
  }
  const involved = rec(ev, "involvedObject");
  const kind = str(involved, "kind").toLowerCase();
  const target = str(involved, "name") !== "" ? `${kind}/${str(involved, "name")}` : kind;
  const source = rec(ev, "source");
  const component = str(source, "component") || str(ev, "reportingController");
  const host = str(source, "host") || str(ev, "reportingInstance");
  return [
    last,
    str(ev, "type"),
    str(ev, "reason"),
    target,
    str(involved, "fieldPath"),
    host === "" ? component : `${component}, ${host}`,
    str(ev, "message").trim(),
    first,
    count,
    name(ev),
  ];
}

const printers: Readonly<Record<string, Printer>> = {
  "/nodes": nodeCells,
  "/namespaces": (ns, now) => [name(ns), str(rec(ns, "status"), "phase"), age(ns, now)],
  "/services": serviceCells,
  "/endpoints": (ep, now) => [name(ep), endpointsText(ep), age(ep, now)],
  "/configmaps": (cm, now) => [
    name(cm),
    mapSize(cm, "data") + mapSize(cm, "binaryData"),
    age(cm, now),
  ],
  "/secrets": (s, now) => [name(s), str(s, "type"), mapSize(s, "data"), age(s, now)],
  "/serviceaccounts": (sa, now) => [name(sa), recs(sa, "secrets").length, age(sa, now)],
  "/events": eventCells,
  "events.k8s.io/events": eventCells,
  "scheduling.k8s.io/priorityclasses": (pc, now) => [
    name(pc),
    num(pc, "value"),
    bool(pc, "globalDefault"),
    age(pc, now),
    str(pc, "preemptionPolicy"),
  ],
  "coordination.k8s.io/leases": (lease, now) => [
    name(lease),
    str(rec(lease, "spec"), "holderIdentity"),
    age(lease, now),
  ],
  "apps/deployments": (d, now) => {
    const spec = rec(d, "spec");
    const status = rec(d, "status");
    const [containers, images] = containerCells(rec(spec, "template"));
    return [
      name(d),
      `${num(status, "readyReplicas")}/${num(spec, "replicas", 1)}`,
      num(status, "updatedReplicas"),
      num(status, "availableReplicas"),
      age(d, now),
      containers,
      images,
      labelSelectorString(spec["selector"]),
    ];
  },
  "apps/replicasets": (rs, now) => {
    const spec = rec(rs, "spec");
    const status = rec(rs, "status");
    const [containers, images] = containerCells(rec(spec, "template"));
    return [
      name(rs),
      num(spec, "replicas", 1),
      num(status, "replicas"),
      num(status, "readyReplicas"),
      age(rs, now),
      containers,
      images,
      formatLabelSelector(spec["selector"]),
    ];
  },
  "autoscaling/scale": (scale, now) => [
    name(scale),
    num(rec(scale, "spec"), "replicas"),
    num(rec(scale, "status"), "replicas"),
    age(scale, now),
  ],
  "discovery.k8s.io/endpointslices": (slice, now) => {
    const ports = recs(slice, "ports").map((p) => {
      if (typeof p["port"] === "number") return String(p["port"]);
      return typeof p["name"] === "string" ? p["name"] : "*";
    });
    const addresses = recs(slice, "endpoints").flatMap((e) => strs(e, "addresses"));
    return [
      name(slice),
      str(slice, "addressType"),
      listWithMore(ports, "<unset>"),
      listWithMore(addresses, "<unset>"),
      age(slice, now),
    ];
  },
};

/**
 * The cells (and row conditions) of one object's Table row, for the columns
 * `tableColumns(group, resource)` returns. A resource without a printer gets the API server's
 * default row: the name and `creationTimestamp` as RFC 3339 text.
 *
 * Missing or mistyped fields print as the Go zero value would (`""`, `0`, `<none>`), never throw.
 *
 * @param group the API group (`""` for core).
 * @param resource the plural (`"services"`).
 * @param obj the stored object.
 * @param now the reference time for ages.
 *
 * @example
 * ```ts
 * import { rowCells } from "./row_cells.ts";
 * import assert from "node:assert/strict";
 * const svc = {
 *   metadata: { name: "web", creationTimestamp: "2026-01-01T00:00:00Z" },
 *   spec: { type: "NodePort", clusterIPs: ["10.96.0.7"], ports: [{ port: 80, nodePort: 30080, protocol: "TCP" }], selector: { app: "web" } },
 * };
 * assert.deepEqual(rowCells("", "services", svc, new Date("2026-01-01T01:00:00Z")).cells, [
 *   "web", "NodePort", "10.96.0.7", "<none>", "80:30080/TCP", "60m", "app=web",
 * ]);
 * ```
 */
export function rowCells(
  group: string,
  resource: string,
  obj: Record<string, unknown>,
  now: Date,
): RowCells {
  const key = `${group}/${resource}`;
  if (key === "/pods") return podCells(obj, now);
  const printer = printers[key];
  if (printer) return { cells: printer(obj, now) };
  const created = rec(obj, "metadata")["creationTimestamp"];
  return { cells: [name(obj), typeof created === "string" ? created : ""] };
}
