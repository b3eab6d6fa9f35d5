/**
 * `ServiceAllocator`: cluster IPs from the service range (10.96.0.0/12 by default, as
 * kube-apiserver's `--service-cluster-ip-range`; 10.96.0.1 is the `kubernetes` service's) and
 * node ports from 30000-32767, each allocation a key under `/registry/ranges/` created with a
 * txn (so two API servers never hand out the same one) and released when the Service goes.
 *
 * @module
 */
import { isRecord } from "../../core/is_record.ts";
import type { KvStore } from "../store/kv_store.ts";
import { ApiError } from "./api_error.ts";
import type { ApiObject } from "./object_codec.ts";

const IP_PREFIX = "/registry/ranges/serviceips/";
const PORT_PREFIX = "/registry/ranges/servicenodeports/";

/** The default service range. */
export const SERVICE_CIDR = "10.96.0.0/12";
/** The node port range. */
export const NODE_PORT_RANGE: readonly [number, number] = [30000, 32767];

function ipToInt(ip: string): number {
  return ip.split(".").reduce((n, o) => n * 256 + Number(o), 0);
}

function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

/**
 * The first and last usable address of an IPv4 CIDR (network and broadcast excluded).
 *
 * @example
 * ```ts
 * import { cidrRange } from "./service_allocator.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(cidrRange("10.96.0.0/12"), ["10.96.0.1", "10.111.255.254"]);
 * ```
 */
export function cidrRange(cidr: string): [string, string] {
  const [addr, bits] = cidr.split("/");
  const size = 2 ** (32 - Number(bits));
  const base = ipToInt(addr!) - (ipToInt(addr!) % size);
  return [intToIp(base + 1), intToIp(base + size - 2)];
}

const invalid = (name: string, field: string, value: unknown, msg: string) =>
  ApiError.invalid("", "Service", name, [{
    reason: "FieldValueInvalid",
    message: `Invalid value: ${JSON.stringify(value)}: ${msg}`,
    field,
  }]);

/** Allocates and releases cluster IPs and node ports of Services. */
export class ServiceAllocator {
  readonly #store: KvStore;
  readonly #first: number;
  readonly #last: number;

  /** Creates the allocator over `cidr`. */
  constructor(store: KvStore, cidr: string = SERVICE_CIDR) {
    this.#store = store;
    const [a, b] = cidrRange(cidr);
    this.#first = ipToInt(a);
    this.#last = ipToInt(b);
  }

  async #claim(key: string, owner: string): Promise<boolean> {
    const r = await this.#store.txn({
      compare: [{ key, target: "create", result: "equal", value: 0 }],
      success: [{ type: "put", key, value: owner }],
    });
    return r.succeeded;
  }

  /**
   * Fills in `spec.clusterIP(s)` and the node ports a new Service needs, claiming them in the
   * store; returns a function that releases them again (when the create fails).
   */
  async allocate(svc: ApiObject): Promise<() => Promise<void>> {
    const spec = isRecord(svc.spec) ? svc.spec : {};
    const name = String(svc.metadata.name);
    const owner = `${String(svc.metadata.namespace)}/${name}`;
    const claimed: string[] = [];
    const release = async () => {
      for (const k of claimed) await this.#store.delete(k);
    };
    try {
      if (spec.type !== "ExternalName" && spec.clusterIP !== "None") {
        let ip = typeof spec.clusterIP === "string" && spec.clusterIP !== "" ? spec.clusterIP : "";
        if (ip !== "") {
          const n = /^\d+\.\d+\.\d+\.\d+$/.test(ip) ? ipToInt(ip) : NaN;
          if (!(n >= this.#first && n <= this.#last)) {
            throw invalid(
              name,
              "spec.clusterIPs",
              [ip],
              `failed to allocate IP ${ip}: the provided IP (${ip}) is not in the valid range. The range of valid IPs is ${SERVICE_CIDR}`,
            );
          }
          if (!(await this.#claim(IP_PREFIX + ip, owner))) {
            throw invalid(
              name,
              "spec.clusterIPs",
              [ip],
              `failed to allocate IP ${ip}: provided IP is already allocated`,
            );
          }
        } else {
          // 10.96.0.1 (first) is kept for the kubernetes service.
          const span = this.#last - this.#first;
          for (let attempt = 0; attempt < 64 && ip === ""; attempt++) {
            const cand = intToIp(this.#first + 1 + Math.floor(Math.random() * span));
            if (await this.#claim(IP_PREFIX + cand, owner)) ip = cand;
          }
          if (ip === "") throw ApiError.internal("failed to allocate a serviceIP: range is full");
        }
        claimed.push(IP_PREFIX + ip);
        spec.clusterIP = ip;
        spec.clusterIPs = [ip];
      }
      if (spec.type === "NodePort" || spec.type === "LoadBalancer") {
        const ports = Array.isArray(spec.ports) ? spec.ports.filter(isRecord) : [];
        for (const [i, p] of ports.entries()) {
          let port = typeof p.nodePort === "number" && p.nodePort !== 0 ? p.nodePort : 0;
          if (port !== 0) {
            if (port < NODE_PORT_RANGE[0] || port > NODE_PORT_RANGE[1]) {
              throw invalid(
                name,
                `spec.ports[${i}].nodePort`,
                port,
                `provided port is not in the valid range. The range of valid ports is ${
                  NODE_PORT_RANGE[0]
                }-${NODE_PORT_RANGE[1]}`,
              );
            }
            if (!(await this.#claim(PORT_PREFIX + port, owner))) {
              throw invalid(
                name,
                `spec.ports[${i}].nodePort`,
                port,
                "provided port is already allocated",
              );
            }
          } else {
            const span = NODE_PORT_RANGE[1] - NODE_PORT_RANGE[0] + 1;
            for (let attempt = 0; attempt < 64 && port === 0; attempt++) {
              const cand = NODE_PORT_RANGE[0] + Math.floor(Math.random() * span);
              if (await this.#claim(PORT_PREFIX + cand, owner)) port = cand;
            }
            if (port === 0) throw ApiError.internal("failed to allocate a nodePort: range is full");
          }
          claimed.push(PORT_PREFIX + port);
          p.nodePort = port;
        }
      }
      svc.spec = spec;
      return release;
    } catch (e) {
      await release();
      throw e;
    }
  }

  /** Releases the cluster IP and node ports of a removed Service. */
  async release(svc: ApiObject): Promise<void> {
    const spec = isRecord(svc.spec) ? svc.spec : {};
    if (typeof spec.clusterIP === "string" && /^\d+\.\d+\.\d+\.\d+$/.test(spec.clusterIP)) {
      await this.#store.delete(IP_PREFIX + spec.clusterIP);
    }
    for (const p of Array.isArray(spec.ports) ? spec.ports.filter(isRecord) : []) {
      if (typeof p.nodePort === "number" && p.nodePort > 0) {
        await this.#store.delete(PORT_PREFIX + p.nodePort);
      }
    }
  }
}
