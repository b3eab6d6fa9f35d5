/**
 * The `NodeName` filter: a pod with `spec.nodeName` fits only that node.
 *
 * Source: kube-scheduler plugin `NodeName` (`pkg/scheduler/framework/plugins/nodename`).
 *
 * @module
 */
import { fail, type FilterPlugin, SKIP } from "./framework.ts";

/** kube-scheduler's reason. */
export const ERR_NODE_NAME = "node(s) didn't match the requested node name";

/**
 * The plugin.
 *
 * @example
 * ```ts
 * import { nodeNamePlugin } from "./node_name.ts";
 * import { NodeInfo, podInfo } from "./node_info.ts";
 * import assert from "node:assert/strict";
 * const pod = podInfo({ apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { nodeName: "n2" } });
 * const n1 = new NodeInfo({ apiVersion: "v1", kind: "Node", metadata: { name: "n1" } });
 * const ctx = { pod, nodes: [n1], nodeByName: new Map(), data: new Map() };
 * assert.deepEqual(nodeNamePlugin.filter(ctx, n1)?.reasons, ["node(s) didn't match the requested node name"]);
 * ```
 */
export const nodeNamePlugin: FilterPlugin = {
  name: "NodeName",
  preFilter(ctx) {
    if (!ctx.pod.pod.spec?.nodeName) return SKIP;
  },
  filter(ctx, node) {
    const want = ctx.pod.pod.spec?.nodeName;
    if (!want || want === node.name) return undefined;
    return fail("NodeName", "UnschedulableAndUnresolvable", ERR_NODE_NAME);
  },
};
