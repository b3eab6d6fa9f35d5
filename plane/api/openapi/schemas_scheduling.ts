/**
 * OpenAPI v3 schemas of the core/v1 types behind `spec.affinity` (node and pod (anti-)affinity)
 * and behind projected volumes and service session affinity, with Kubernetes 1.32's fields
 * (k8s.io/api/core/v1/types.go).
 *
 * @module
 */
import {
  atomic,
  b,
  CORE,
  e,
  i32,
  i64,
  META,
  opaque,
  r,
  s,
  type Schema,
  strings,
  struct,
} from "./_dsl.ts";

const podAffinityRules = (what: string): Record<string, Schema> => ({
  preferredDuringSchedulingIgnoredDuringExecution: atomic(
    `${CORE}WeightedPodAffinityTerm`,
    `The scheduler will prefer to schedule pods to nodes that satisfy the ${what} expressions specified by this field, but it may choose a node that violates one or more of the expressions. The node that is most preferred is the one with the greatest sum of weights.`,
  ),
  requiredDuringSchedulingIgnoredDuringExecution: atomic(
    `${CORE}PodAffinityTerm`,
    `If the ${what} requirements specified by this field are not met at scheduling time, the pod will not be scheduled onto the node. When there are multiple elements, the lists of nodes corresponding to each podAffinityTerm are intersected, i.e. all terms must be satisfied.`,
  ),
});

const keyItems = (what: string): Record<string, Schema> => ({
  items: atomic(
    `${CORE}KeyToPath`,
    `items if unspecified, each key-value pair in the Data field of the referenced ${what} will be projected into the volume as a file whose name is the key and content is the value.`,
  ),
  name: s(
    "Name of the referent. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names/#names",
  ),
  optional: b(`optional specify whether the ${what} or its keys must be defined`),
});

/** Affinity, projection and session affinity schemas, by upstream name. */
export const schedulingSchemas: Readonly<Record<string, Schema>> = {
  [`${CORE}Affinity`]: struct("Affinity is a group of affinity scheduling rules.", {
    nodeAffinity: r(`${CORE}NodeAffinity`, "Describes node affinity scheduling rules for the pod."),
    podAffinity: r(
      `${CORE}PodAffinity`,
      "Describes pod affinity scheduling rules (e.g. co-locate this pod in the same node, zone, etc. as some other pod(s)).",
    ),
    podAntiAffinity: r(
      `${CORE}PodAntiAffinity`,
      "Describes pod anti-affinity scheduling rules (e.g. avoid putting this pod in the same node, zone, etc. as some other pod(s)).",
    ),
  }),
  [`${CORE}NodeAffinity`]: struct("Node affinity is a group of node affinity scheduling rules.", {
    preferredDuringSchedulingIgnoredDuringExecution: atomic(
      `${CORE}PreferredSchedulingTerm`,
      "The scheduler will prefer to schedule pods to nodes that satisfy the affinity expressions specified by this field, but it may choose a node that violates one or more of the expressions.",
    ),
    requiredDuringSchedulingIgnoredDuringExecution: r(
      `${CORE}NodeSelector`,
      "If the affinity requirements specified by this field are not met at scheduling time, the pod will not be scheduled onto the node.",
    ),
  }),
  [`${CORE}NodeSelector`]: struct(
    "A node selector represents the union of the results of one or more label queries over a set of nodes; that is, it represents the OR of the selectors represented by the node selector terms.",
    {
      nodeSelectorTerms: atomic(
        `${CORE}NodeSelectorTerm`,
        "Required. A list of node selector terms. The terms are ORed.",
      ),
    },
    ["nodeSelectorTerms"],
    { "x-kubernetes-map-type": "atomic" },
  ),
  [`${CORE}NodeSelectorTerm`]: struct(
    "A null or empty node selector term matches no objects. The requirements of them are ANDed.",
    {
      matchExpressions: atomic(
        `${CORE}NodeSelectorRequirement`,
        "A list of node selector requirements by node's labels.",
      ),
      matchFields: atomic(
        `${CORE}NodeSelectorRequirement`,
        "A list of node selector requirements by node's fields.",
      ),
    },
    [],
    { "x-kubernetes-map-type": "atomic" },
  ),
  [`${CORE}NodeSelectorRequirement`]: struct(
    "A node selector requirement is a selector that contains values, a key, and an operator that relates the key and values.",
    {
      key: s("The label key that the selector applies to."),
      operator: e(
        "Represents a key's relationship to a set of values. Valid operators are In, NotIn, Exists, DoesNotExist. Gt, and Lt.",
        ["DoesNotExist", "Exists", "Gt", "In", "Lt", "NotIn"],
      ),
      values: strings(
        "An array of string values. If the operator is In or NotIn, the values array must be non-empty. If the operator is Exists or DoesNotExist, the values array must be empty. If the operator is Gt or Lt, the values array must have a single element, which will be interpreted as an integer.",
      ),
    },
    ["key", "operator"],
  ),
  [`${CORE}PreferredSchedulingTerm`]: struct(
    "An empty preferred scheduling term matches all objects with implicit weight 0 (i.e. it's a no-op).",
    {
      preference: r(
        `${CORE}NodeSelectorTerm`,
        "A node selector term, associated with the corresponding weight.",
      ),
      weight: i32(
        "Weight associated with matching the corresponding nodeSelectorTerm, in the range 1-100.",
      ),
    },
    ["weight", "preference"],
  ),
  [`${CORE}PodAffinity`]: struct(
    "Pod affinity is a group of inter pod affinity scheduling rules.",
    podAffinityRules("affinity"),
  ),
  [`${CORE}PodAntiAffinity`]: struct(
    "Pod anti affinity is a group of inter pod anti affinity scheduling rules.",
    podAffinityRules("anti-affinity"),
  ),
  [`${CORE}PodAffinityTerm`]: struct(
    "Defines a set of pods (namely those matching the labelSelector relative to the given namespace(s)) that this pod should be co-located (affinity) or not co-located (anti-affinity) with, where co-located is defined as running on a node whose value of the label with key <topologyKey> matches that of any node on which a pod of the set of pods is running",
    {
      labelSelector: r(
        `${META}LabelSelector`,
        "A label query over a set of resources, in this case pods. If it's null, this PodAffinityTerm matches with no Pods.",
      ),
      matchLabelKeys: strings(
        "MatchLabelKeys is a set of pod label keys to select which pods will be taken into consideration. The keys are used to lookup values from the incoming pod labels.",
      ),
      mismatchLabelKeys: strings(
        "MismatchLabelKeys is a set of pod label keys to select which pods will be taken into consideration. The keys are used to lookup values from the incoming pod labels.",
      ),
      namespaceSelector: r(
        `${META}LabelSelector`,
        "A label query over the set of namespaces that the term applies to. The term is applied to the union of the namespaces selected by this field and the ones listed in the namespaces field.",
      ),
      namespaces: strings(
        'namespaces specifies a static list of namespace names that the term applies to. null or empty namespaces list and null namespaceSelector means "this pod\'s namespace".',
      ),
      topologyKey: s(
        "This pod should be co-located (affinity) or not co-located (anti-affinity) with the pods matching the labelSelector in the specified namespaces, where co-located is defined as running on a node whose value of the label with key topologyKey matches that of any node on which any of the selected pods is running. Empty topologyKey is not allowed.",
      ),
    },
    ["topologyKey"],
  ),
  [`${CORE}WeightedPodAffinityTerm`]: struct(
    "The weights of all of the matched WeightedPodAffinityTerm fields are added per-node to find the most preferred node(s)",
    {
      podAffinityTerm: r(
        `${CORE}PodAffinityTerm`,
        "Required. A pod affinity term, associated with the corresponding weight.",
      ),
      weight: i32(
        "weight associated with matching the corresponding podAffinityTerm, in the range 1-100.",
      ),
    },
    ["weight", "podAffinityTerm"],
  ),
  [`${CORE}VolumeProjection`]: struct(
    "Projection that may be projected along with other supported volume types. Exactly one of these fields must be set.",
    {
      clusterTrustBundle: opaque(
        "ClusterTrustBundle allows a pod to access the `.spec.trustBundle` field of ClusterTrustBundle objects in an auto-updating file (alpha).",
      ),
      configMap: r(
        `${CORE}ConfigMapProjection`,
        "configMap information about the configMap data to project",
      ),
      downwardAPI: r(
        `${CORE}DownwardAPIProjection`,
        "downwardAPI information about the downwardAPI data to project",
      ),
      secret: r(`${CORE}SecretProjection`, "secret information about the secret data to project"),
      serviceAccountToken: r(
        `${CORE}ServiceAccountTokenProjection`,
        "serviceAccountToken is information about the serviceAccountToken data to project",
      ),
    },
  ),
  [`${CORE}ConfigMapProjection`]: struct(
    "Adapts a ConfigMap into a projected volume.",
    keyItems("ConfigMap"),
  ),
  [`${CORE}SecretProjection`]: struct(
    "Adapts a secret into a projected volume.",
    keyItems("Secret"),
  ),
  [`${CORE}DownwardAPIProjection`]: struct(
    "Represents downward API info for projecting into a projected volume.",
    { items: atomic(`${CORE}DownwardAPIVolumeFile`, "Items is a list of DownwardAPIVolume file") },
  ),
  [`${CORE}ServiceAccountTokenProjection`]: struct(
    "ServiceAccountTokenProjection represents a projected service account token volume.",
    {
      audience: s(
        "audience is the intended audience of the token. A recipient of a token must identify itself with an identifier specified in the audience of the token, and otherwise should reject the token. The audience defaults to the identifier of the apiserver.",
      ),
      expirationSeconds: i64(
        "expirationSeconds is the requested duration of validity of the service account token. Defaults to 1 hour and must be at least 10 minutes.",
      ),
      path: s(
        "path is the path relative to the mount point of the file to project the token into.",
      ),
    },
    ["path"],
  ),
  [`${CORE}SessionAffinityConfig`]: struct(
    "SessionAffinityConfig represents the configurations of session affinity.",
    {
      clientIP: r(
        `${CORE}ClientIPConfig`,
        "clientIP contains the configurations of Client IP based session affinity.",
      ),
    },
  ),
  [`${CORE}ClientIPConfig`]: struct(
    "ClientIPConfig represents the configurations of Client IP based session affinity.",
    {
      timeoutSeconds: i32(
        'timeoutSeconds specifies the seconds of ClientIP type session sticky time. The value must be >0 && <=86400(for 1 day) if ServiceAffinity == "ClientIP". Default value is 10800(for 3 hours).',
      ),
    },
  ),
};
