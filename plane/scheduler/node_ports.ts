/**
 * The `NodePorts` filter: a pod's host ports must be free on the node (same protocol and port
 * conflict when either host IP is `0.0.0.0` or both are equal).
 *
 * Source: kube-scheduler plugin `NodePorts`.
 *
 * @module
 */
import { fail, type FilterPlugin, SKIP } from "./framework.ts";

/** kube-scheduler's reason. */
export const ERR_NODE_PORTS = "node(s) didn't have free ports for the requested pod ports";

/**
 * The plugin.
 *
 * @example
 * ```ts
 * import { nodePortsPlugin } from "./node_ports.ts";
 * import { NodeInfo, podInfo } from "./node_info.ts";
 * import assert from "node:assert/strict";
 * const web = (name: string) => podInfo({ apiVersion: "v1", kind: "Pod", metadata: { name },
 *   spec: { containers: [{ ports: [{ containerPort: 80, hostPort: 80 }] }] } });
 * const n = new NodeInfo({ apiVersion: "v1", kind: "Node", metadata: { name: "n" } });
 * n.addPod(web("a"));
 * const ctx = { pod: web("b"), nodes: [n], nodeByName: new Map(), data: new Map() };
 * assert.deepEqual(nodePortsPlugin.filter(ctx, n)?.reasons, ["node(s) didn't have free ports for the requested pod ports"]);
 * ```
 */
export const nodePortsPlugin: FilterPlugin = {
  name: "NodePorts",
  preFilter(ctx) {
    if (ctx.pod.hostPorts.length === 0) return SKIP;
  },
  filter(ctx, node) {
    for (const p of ctx.pod.hostPorts) {
      if (node.portInUse(p)) return fail("NodePorts", "Unschedulable", ERR_NODE_PORTS);
    }
    return undefined;
  },
};
