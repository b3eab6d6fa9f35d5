/**
 * Shapes of the container data kept in the state database (`containers.spec`, `.ports`): every
 * field of {@linkcode ContainerConfig} is checked when a row is read (see `../store/shape.ts`).
 * A field added to {@linkcode ContainerConfig} needs its shape here, or the project does not
 * type-check.
 *
 * @module
 */
import type { ResourceAmounts, ResourceRequirements } from "../cgroup/linux_resources.ts";
import type { PortMapping } from "../network.ts";
import type { NamespaceChoice } from "../oci/spec.ts";
import {
  boolean,
  dict,
  integer,
  list,
  literal,
  number,
  object,
  oneOf,
  optional,
  type Shape,
  text,
} from "../store/shape.ts";
import type { ContainerConfig, ContainerNamespaces, EnvVar, VolumeMount } from "./config.ts";

const stringList = list(text);

/** The shape of a {@linkcode PortMapping} as stored. */
export const portMappingShape: Shape<PortMapping> = object<PortMapping>({
  containerPort: integer,
  hostPort: optional(integer),
  protocol: literal("TCP", "UDP", "SCTP"),
  hostIP: optional(text),
  name: optional(text),
});

const namespaceChoice: Shape<NamespaceChoice> = oneOf(
  literal("new", "host"),
  object<{ path: string }>({ path: text }),
);

const quantity = oneOf(text, number);
const amounts = object<ResourceAmounts>({ cpu: optional(quantity), memory: optional(quantity) });

/**
 * The shape of a stored {@linkcode ContainerConfig}: every field is checked.
 *
 * @example
 * ```ts
 * import { containerConfigShape } from "./config_shape.ts";
 * import assert from "node:assert/strict";
 * assert.throws(
 *   () => containerConfigShape({ name: "a", image: "/i", ports: [{ containerPort: "80" }] }, ""),
 *   /ports\[0\]\.containerPort: expected an integer, got string "80"/,
 * );
 * ```
 */
export const containerConfigShape: Shape<ContainerConfig> = object<ContainerConfig>({
  name: text,
  image: text,
  command: optional(stringList),
  args: optional(stringList),
  env: optional(oneOf(list(object<EnvVar>({ name: text, value: text })), dict(text))),
  workingDir: optional(text),
  user: optional(
    object<{ uid: number; gid: number; additionalGids?: number[] }>({
      uid: integer,
      gid: integer,
      additionalGids: optional(list(integer)),
    }),
  ),
  sysctls: optional(dict(text)),
  mounts: optional(list(object<VolumeMount>({
    hostPath: text,
    containerPath: text,
    readOnly: optional(boolean),
  }))),
  readOnlyRootFilesystem: optional(boolean),
  resources: optional(object<ResourceRequirements>({
    limits: optional(amounts),
    requests: optional(amounts),
  })),
  capabilities: optional(object<{ add?: string[]; drop?: string[] }>({
    add: optional(stringList),
    drop: optional(stringList),
  })),
  noNewPrivileges: optional(boolean),
  stopSignal: optional(text),
  privileged: optional(boolean),
  hostname: optional(text),
  hostNetwork: optional(boolean),
  namespaces: optional(object<ContainerNamespaces>({
    network: optional(namespaceChoice),
    ipc: optional(namespaceChoice),
    uts: optional(namespaceChoice),
    pid: optional(namespaceChoice),
  })),
  cgroupParent: optional(text),
  hostsFile: optional(text),
  resolvConfFile: optional(text),
  ports: optional(list(portMappingShape)),
  networks: optional(stringList),
  labels: optional(dict(text)),
  owner: optional(text),
});
