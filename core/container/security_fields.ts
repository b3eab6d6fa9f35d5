/**
 * Parsing of the `securityContext` fields that the single-container manifest and the pod
 * manifest have in common: user and group ids, privileges, capabilities.
 *
 * @module
 */
import type { ManifestField } from "../manifest_reader.ts";
import { capabilityName } from "../oci/capabilities.ts";

/**
 * The `securityContext` fields both manifests apply: `readOnlyRootFilesystem`, `runAsUser`,
 * `runAsGroup`, `privileged`, `allowPrivilegeEscalation`, `capabilities`.
 *
 * @example
 * ```ts
 * import { SECURITY_CONTEXT_FIELDS } from "./security_fields.ts";
 * import assert from "node:assert/strict";
 * assert.ok(SECURITY_CONTEXT_FIELDS.includes("runAsUser"));
 * ```
 */
export const SECURITY_CONTEXT_FIELDS: readonly string[] = [
  "readOnlyRootFilesystem",
  "runAsUser",
  "runAsGroup",
  "privileged",
  "allowPrivilegeEscalation",
  "capabilities",
];

/**
 * Highest valid user or group id, 2³¹−1: Kubernetes validates `runAsUser`, `runAsGroup`,
 * `fsGroup` and `supplementalGroups` against it (`IsValidUserID`/`IsValidGroupID`), and
 * 2³²−1 would be `(uid_t)-1`, which Linux reads as "no id".
 */
export const MAX_ID: number = 2 ** 31 - 1;

/**
 * Reads `runAsUser` and `runAsGroup` of the `securityContext` mapping `sc`, each an integer from
 * 0 to {@linkcode MAX_ID}.
 *
 * @example
 * ```ts
 * import { runAsIds } from "./security_fields.ts";
 * import { readManifest } from "../manifest_reader.ts";
 * import assert from "node:assert/strict";
 * const { root } = readManifest("runAsUser: 1000\n", "c.yaml");
 * assert.deepEqual(runAsIds(root), { runAsUser: 1000 });
 * ```
 */
export function runAsIds(sc: ManifestField): { runAsUser?: number; runAsGroup?: number } {
  const out: { runAsUser?: number; runAsGroup?: number } = {};
  const user = sc.optionalInteger("runAsUser", 0, MAX_ID);
  if (user !== undefined) out.runAsUser = user;
  const group = sc.optionalInteger("runAsGroup", 0, MAX_ID);
  if (group !== undefined) out.runAsGroup = group;
  return out;
}

/** The privilege fields of a `securityContext`; a key is absent when the manifest omits it. */
export interface PrivilegeFields {
  /** `privileged`. */
  privileged?: boolean;
  /** `allowPrivilegeEscalation`. */
  allowPrivilegeEscalation?: boolean;
  /** `capabilities`, names in canonical form (upper case, no `CAP_`, or `ALL`). */
  capabilities?: { add: string[]; drop: string[] };
}

/**
 * Reads `privileged`, `allowPrivilegeEscalation` and `capabilities` (`add` and `drop`, lists of
 * Linux capability names written `NET_ADMIN` or `CAP_NET_ADMIN`, any case, or `ALL`) of the
 * `securityContext` mapping `sc`. An unknown capability name is an error at its list item;
 * `privileged: true` with `allowPrivilegeEscalation: false` is an error, as in Kubernetes.
 *
 * @example
 * ```ts
 * import { privilegeFields } from "./security_fields.ts";
 * import { readManifest } from "../manifest_reader.ts";
 * import assert from "node:assert/strict";
 * const { root } = readManifest("capabilities: {drop: [ALL], add: [cap_net_raw]}\n", "c.yaml");
 * assert.deepEqual(privilegeFields(root), { capabilities: { add: ["NET_RAW"], drop: ["ALL"] } });
 * const bad = readManifest("capabilities:\n  add: [NET_FLY]\n", "c.yaml").root;
 * assert.throws(() => privilegeFields(bad), /c.yaml:2:\d+: capabilities.add\[0\]: "NET_FLY"/);
 * ```
 */
export function privilegeFields(sc: ManifestField): PrivilegeFields {
  const out: PrivilegeFields = {};
  const privileged = sc.optionalBoolean("privileged");
  if (privileged !== undefined) out.privileged = privileged;
  const ape = sc.optionalBoolean("allowPrivilegeEscalation");
  if (ape !== undefined) out.allowPrivilegeEscalation = ape;
  if (privileged === true && ape === false) {
    throw sc.get("allowPrivilegeEscalation").error(
      "allowPrivilegeEscalation cannot be false when privileged is true",
    );
  }
  const caps = sc.get("capabilities");
  if (!caps.isNull) {
    caps.object().known(["add", "drop"]);
    const names = (key: "add" | "drop"): string[] => {
      const list = caps.get(key);
      if (list.isNull) return [];
      return list.items().map((item) => {
        const raw = item.string();
        const n = capabilityName(raw);
        if (n === undefined) {
          throw item.error(
            `"${raw}" is not a Linux capability (expected a name like NET_ADMIN or CAP_NET_ADMIN, or ALL)`,
          );
        }
        return n;
      });
    };
    out.capabilities = { add: names("add"), drop: names("drop") };
  }
  return out;
}
