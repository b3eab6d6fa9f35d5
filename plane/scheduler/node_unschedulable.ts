/**
 * The `NodeUnschedulable` filter: a cordoned node (`spec.unschedulable: true`) takes only pods
 * that tolerate the `node.kubernetes.io/unschedulable:NoSchedule` taint.
 *
 * Source: kube-scheduler plugin `NodeUnschedulable`.
 *
 * @module
 */
import { fail, type FilterPlugin } from "./framework.ts";
import { tolerates } from "./taint_toleration.ts";

/** kube-scheduler's reason. */
export const ERR_NODE_UNSCHEDULABLE = "node(s) were unschedulable";

/**
 * The plugin.
 *
 * @example
 * ```ts
 * import { nodeUnschedulablePlugin } from "./node_unschedulable.ts";
 * import { NodeInfo, podInfo } from "./node_info.ts";
 * import assert from "node:assert/strict";
 * const n = new NodeInfo({ apiVersion: "v1", kind: "Node", metadata: { name: "n" }, spec: { unschedulable: true } });
 * const pod = podInfo({ apiVersion: "v1", kind: "Pod", metadata: { name: "p" } });
 * const ctx = { pod, nodes: [n], nodeByName: new Map(), data: new Map() };
 * assert.deepEqual(nodeUnschedulablePlugin.filter(ctx, n)?.reasons, ["node(s) were unschedulable"]);
 * ```
 */
export const nodeUnschedulablePlugin: FilterPlugin = {
  name: "NodeUnschedulable",
  filter(ctx, node) {
    if (!node.node.spec?.unschedulable) return undefined;
    const taint = { key: "node.kubernetes.io/unschedulable", effect: "NoSchedule" } as const;
    if ((ctx.pod.pod.spec?.tolerations ?? []).some((t) => tolerates(t, taint))) return undefined;
    return fail("NodeUnschedulable", "UnschedulableAndUnresolvable", ERR_NODE_UNSCHEDULABLE);
  },
};
