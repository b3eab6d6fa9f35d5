/**
 * `rkl compose convert`: the Kubernetes objects of a whole project — a
 * `NetworkAttachmentDefinition` for each network the project creates (the object a cluster with
 * Multus needs for the pods' `k8s.v1.cni.cncf.io/networks` annotation, and what
 * `rkl network create -f` reads), then for each service its Pods (a Deployment with
 * `deploy.replicas`) and a Service for published ports ({@linkcode convertService}). Network
 * names become DNS-1123 names (`app_default` → `app-default`), the same in the definitions and in
 * the pods' annotations; external networks keep their names and must exist. Pure.
 *
 * @module
 */
import { networkAttachmentDefinition } from "../network_attachment_definition.ts";
import type { ComposeModel } from "./compose_model.ts";
import { dnsName, serviceConfigHash } from "./plan.ts";
import { convertService, type KubeResource, LABEL_PROJECT } from "./translate.ts";

/**
 * The objects `rkl compose convert` prints, in order: network definitions, then each service's
 * objects.
 *
 * @example
 * ```ts
 * import { convertProject } from "./convert.ts";
 * import assert from "node:assert/strict";
 * const model = {
 *   name: "app", workingDir: "/app", files: ["/app/compose.yaml"], volumes: {}, configs: {}, secrets: {},
 *   networks: { default: { name: "app_default", external: false, internal: false } },
 *   services: { web: {
 *     name: "web", image: "/img", command: ["sleep", "300"], environment: {}, ports: [], expose: [],
 *     volumes: [], tmpfs: [], networks: { default: { aliases: [] } }, dependsOn: {}, restart: "no" as const,
 *     labels: {}, replicas: 1, configs: [], secrets: [], capAdd: [], capDrop: [], extraHosts: [],
 *     dns: [], dnsSearch: [], dnsOpt: [], profiles: [],
 *   } },
 * };
 * const objects = await convertProject(model as never, { volumesDir: "/v", filesDir: "/f" });
 * assert.deepEqual(objects.map((o) => o.kind), ["NetworkAttachmentDefinition", "Pod"]);
 * const pod = objects[1] as { metadata: { annotations: Record<string, string> } };
 * assert.equal(pod.metadata.annotations["k8s.v1.cni.cncf.io/networks"], "app-default");
 * ```
 */
export async function convertProject(
  model: ComposeModel,
  dirs: { volumesDir: string; filesDir: string },
): Promise<KubeResource[]> {
  const used = new Set(Object.values(model.services).flatMap((s) => Object.keys(s.networks)));
  const networkNames: Record<string, string> = {};
  const out: KubeResource[] = [];
  for (const [key, net] of Object.entries(model.networks)) {
    if (!used.has(key) || net.external) continue;
    const name = dnsName(net.name, 253, true);
    networkNames[net.name] = name;
    out.push(networkAttachmentDefinition({
      name,
      ...(net.subnet ? { subnet: net.subnet } : {}),
      ...(net.internal ? { internal: true } : {}),
      labels: { [LABEL_PROJECT]: model.name },
    }));
  }
  for (const svc of Object.values(model.services)) {
    out.push(...convertService(model, svc, {
      ...dirs,
      configHash: await serviceConfigHash(model, svc),
      networkNames,
    }));
  }
  return out;
}
