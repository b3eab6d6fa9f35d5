/**
 * OpenAPI v3 schemas of the apimachinery types every kind uses (`ObjectMeta`, `ListMeta`,
 * `LabelSelector`, `Time`, `Quantity`, `IntOrString`, `Status`, …), named and described as
 * kube-apiserver 1.32 publishes them (k8s.io/apimachinery/pkg/apis/meta/v1/types.go).
 *
 * @module
 */
import {
  arr,
  atomic,
  b,
  i32,
  i64,
  keyed,
  META,
  r,
  s,
  type Schema,
  stringMap,
  strings,
  struct,
  time,
} from "./_dsl.ts";

/** apimachinery schemas, by upstream name. */
export const metaSchemas: Readonly<Record<string, Schema>> = {
  "io.k8s.apimachinery.pkg.api.resource.Quantity": {
    description:
      'Quantity is a fixed-point representation of a number. It provides convenient marshaling/unmarshaling in JSON and YAML, in addition to String() and AsInt64() accessors.\n\nThe serialization format is:\n\n<quantity> ::= <signedNumber><suffix>\n\n<suffix> ::= <binarySI> | <decimalExponent> | <decimalSI>\n<binarySI> ::= Ki | Mi | Gi | Ti | Pi | Ei\n<decimalSI> ::= m | "" | k | M | G | T | P | E\n\nExamples: "100m" (0.1), "1", "1.5Gi", "512Mi".',
    type: "string",
  },
  "io.k8s.apimachinery.pkg.util.intstr.IntOrString": {
    description:
      "IntOrString is a type that can hold an int32 or a string. When used in JSON or YAML marshalling and unmarshalling, it produces or consumes the inner type. This allows you to have, for example, a JSON field that can accept a name or number.",
    format: "int-or-string",
    type: "string",
    "x-kubernetes-int-or-string": true,
  },
  [`${META}Time`]: {
    description:
      "Time is a wrapper around time.Time which supports correct marshaling to YAML and JSON. Wrappers are provided for many of the factory methods that the time package offers.",
    format: "date-time",
    type: "string",
  },
  [`${META}MicroTime`]: {
    description: "MicroTime is version of Time with microsecond level precision.",
    format: "date-time",
    type: "string",
  },
  [`${META}FieldsV1`]: {
    description:
      "FieldsV1 stores a set of fields in a data structure like a Trie, in JSON format.\n\nEach key is either a '.' representing the field itself, and will always map to an empty set, or a string representing a sub-field or item. The string will follow one of these four formats: 'f:<name>', 'v:<value>', 'k:<keys>', 'i:<index>'.",
    type: "object",
    "x-kubernetes-preserve-unknown-fields": true,
  },
  [`${META}ObjectMeta`]: struct(
    "ObjectMeta is metadata that all persisted resources must have, which includes all objects users must create.",
    {
      annotations: stringMap(
        "Annotations is an unstructured key value map stored with a resource that may be set by external tools to store and retrieve arbitrary metadata. They are not queryable and should be preserved when modifying objects. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/annotations",
      ),
      creationTimestamp: time(
        "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists.",
      ),
      deletionGracePeriodSeconds: i64(
        "Number of seconds allowed for this object to gracefully terminate before it will be removed from the system. Only set when deletionTimestamp is also set. May only be shortened. Read-only.",
      ),
      deletionTimestamp: time(
        "DeletionTimestamp is RFC 3339 date and time at which this resource will be deleted. This field is set by the server when a graceful deletion is requested by the user, and is not directly settable by a client.\n\nPopulated by the system when a graceful deletion is requested. Read-only.",
      ),
      finalizers: arr(
        { type: "string" },
        "Must be empty before the object is deleted from the registry. Each entry is an identifier for the responsible component that will remove the entry from the list. If the deletionTimestamp of the object is non-nil, entries in this list can only be removed.",
        { listType: "set", strategy: "merge" },
      ),
      generateName: s(
        "GenerateName is an optional prefix, used by the server, to generate a unique name ONLY IF the Name field has not been provided. If this field is used, the name returned to the client will be different than the name passed. The value will be combined with a unique suffix.",
      ),
      generation: i64(
        "A sequence number representing a specific generation of the desired state. Populated by the system. Read-only.",
      ),
      labels: stringMap(
        "Map of string keys and values that can be used to organize and categorize (scope and select) objects. May match selectors of replication controllers and services. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels",
      ),
      managedFields: atomic(
        `${META}ManagedFieldsEntry`,
        "ManagedFields maps workflow-id and version to the set of fields that are managed by that workflow. This is mostly for internal housekeeping, and users typically shouldn't need to set or understand this field.",
      ),
      name: s(
        "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names",
      ),
      namespace: s(
        'Namespace defines the space within which each name must be unique. An empty namespace is equivalent to the "default" namespace, but "default" is the canonical representation. Not all objects are required to be scoped to a namespace - the value of this field for those objects will be empty.\n\nMust be a DNS_LABEL. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/namespaces',
      ),
      ownerReferences: keyed(
        `${META}OwnerReference`,
        "uid",
        "List of objects depended by this object. If ALL objects in the list have been deleted, this object will be garbage collected. If this object is managed by a controller, then an entry in this list will point to this controller, with the controller field set to true. There cannot be more than one managing controller.",
      ),
      resourceVersion: s(
        "An opaque value that represents the internal version of this object that can be used by clients to determine when objects have changed. May be used for optimistic concurrency, change detection, and the watch operation on a resource or set of resources. Clients must treat these values as opaque and passed unmodified back to the server.\n\nPopulated by the system. Read-only.",
      ),
      selfLink: s(
        "Deprecated: selfLink is a legacy read-only field that is no longer populated by the system.",
      ),
      uid: s(
        "UID is the unique in time and space value for this object. It is typically generated by the server on successful creation of a resource and is not allowed to change on PUT operations.\n\nPopulated by the system. Read-only. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#uids",
      ),
    },
  ),
  [`${META}ListMeta`]: struct(
    "ListMeta describes metadata that synthetic resources must have, including lists and various status objects. A resource may have only one of {ObjectMeta, ListMeta}.",
    {
      continue: s(
        "continue may be set if the user set a limit on the number of items returned, and indicates that the server has more data available. The value is opaque and may be used to issue another request to the endpoint that served this list to retrieve the next set of available objects.",
      ),
      remainingItemCount: i64(
        "remainingItemCount is the number of subsequent items in the list which are not included in this list response.",
      ),
      resourceVersion: s(
        "String that identifies the server's internal version of this object that can be used by clients to determine when objects have changed. Value must be treated as opaque by clients and passed unmodified back to the server. Populated by the system. Read-only.",
      ),
      selfLink: s(
        "Deprecated: selfLink is a legacy read-only field that is no longer populated by the system.",
      ),
    },
  ),
  [`${META}OwnerReference`]: struct(
    "OwnerReference contains enough information to let you identify an owning object. An owning object must be in the same namespace as the dependent, or be cluster-scoped, so there is no namespace field.",
    {
      apiVersion: s("API version of the referent."),
      blockOwnerDeletion: b(
        'If true, AND if the owner has the "foregroundDeletion" finalizer, then the owner cannot be deleted from the key-value store until this reference is removed.',
      ),
      controller: b("If true, this reference points to the managing controller."),
      kind: s(
        "Kind of the referent. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds",
      ),
      name: s(
        "Name of the referent. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names",
      ),
      uid: s(
        "UID of the referent. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#uids",
      ),
    },
    ["apiVersion", "kind", "name", "uid"],
    { "x-kubernetes-map-type": "atomic" },
  ),
  [`${META}ManagedFieldsEntry`]: struct(
    "ManagedFieldsEntry is a workflow-id, a FieldSet and the group version of the resource that the fieldset applies to.",
    {
      apiVersion: s(
        "APIVersion defines the version of this resource that this field set applies to.",
      ),
      fieldsType: s(
        'FieldsType is the discriminator for the different fields format and version. There is currently only one possible value: "FieldsV1"',
      ),
      fieldsV1: r(
        `${META}FieldsV1`,
        'FieldsV1 holds the first JSON version format as described in the "FieldsV1" type.',
      ),
      manager: s("Manager is an identifier of the workflow managing these fields."),
      operation: s(
        "Operation is the type of operation which lead to this ManagedFieldsEntry being created. The only valid values for this field are 'Apply' and 'Update'.",
      ),
      subresource: s(
        "Subresource is the name of the subresource used to update that object, or empty string if the object was updated through the main resource.",
      ),
      time: time("Time is the timestamp of when the ManagedFields entry was added."),
    },
  ),
  [`${META}LabelSelector`]: struct(
    "A label selector is a label query over a set of resources. The result of matchLabels and matchExpressions are ANDed. An empty label selector matches all objects. A null label selector matches no objects.",
    {
      matchExpressions: atomic(
        `${META}LabelSelectorRequirement`,
        "matchExpressions is a list of label selector requirements. The requirements are ANDed.",
      ),
      matchLabels: stringMap(
        'matchLabels is a map of {key,value} pairs. A single {key,value} in the matchLabels map is equivalent to an element of matchExpressions, whose key field is "key", the operator is "In", and the values array contains only "value". The requirements are ANDed.',
      ),
    },
    [],
    { "x-kubernetes-map-type": "atomic" },
  ),
  [`${META}LabelSelectorRequirement`]: struct(
    "A label selector requirement is a selector that contains values, a key, and an operator that relates the key and values.",
    {
      key: s("key is the label key that the selector applies to."),
      operator: s(
        "operator represents a key's relationship to a set of values. Valid operators are In, NotIn, Exists and DoesNotExist.",
      ),
      values: strings(
        "values is an array of string values. If the operator is In or NotIn, the values array must be non-empty. If the operator is Exists or DoesNotExist, the values array must be empty.",
      ),
    },
    ["key", "operator"],
  ),
  [`${META}Condition`]: struct(
    "Condition contains details for one aspect of the current state of this API Resource.",
    {
      lastTransitionTime: time(
        "lastTransitionTime is the last time the condition transitioned from one status to another.",
      ),
      message: s(
        "message is a human readable message indicating details about the transition. This may be an empty string.",
      ),
      observedGeneration: i64(
        "observedGeneration represents the .metadata.generation that the condition was set based upon.",
      ),
      reason: s(
        "reason contains a programmatic identifier indicating the reason for the condition's last transition.",
      ),
      status: s("status of the condition, one of True, False, Unknown."),
      type: s("type of condition in CamelCase or in foo.example.com/CamelCase."),
    },
    ["type", "status", "lastTransitionTime", "reason", "message"],
  ),
  [`${META}Patch`]: {
    description:
      "Patch is provided to give a concrete name and type to the Kubernetes PATCH request body.",
    type: "object",
  },
  [`${META}Preconditions`]: struct(
    "Preconditions must be fulfilled before an operation (update, delete, etc.) is carried out.",
    {
      resourceVersion: s("Specifies the target ResourceVersion"),
      uid: s("Specifies the target UID."),
    },
  ),
  [`${META}DeleteOptions`]: struct(
    "DeleteOptions may be provided when deleting an API object.",
    {
      apiVersion: s("APIVersion defines the versioned schema of this representation of an object."),
      dryRun: strings(
        "When present, indicates that modifications should not be persisted. Valid values are: - All: all dry run stages will be processed",
      ),
      gracePeriodSeconds: i64(
        "The duration in seconds before the object should be deleted. Value must be non-negative integer. The value zero indicates delete immediately. If this value is nil, the default grace period for the specified type will be used.",
      ),
      kind: s("Kind is a string value representing the REST resource this object represents."),
      orphanDependents: b(
        "Deprecated: please use the PropagationPolicy, this field will be deprecated in 1.7. Should the dependent objects be orphaned.",
      ),
      preconditions: r(
        `${META}Preconditions`,
        "Must be fulfilled before a deletion is carried out. If not possible, a 409 Conflict status will be returned.",
      ),
      propagationPolicy: s(
        "Whether and how garbage collection will be performed. Acceptable values are: 'Orphan', 'Background', 'Foreground'.",
      ),
    },
  ),
  [`${META}Status`]: struct(
    "Status is a return value for calls that don't return other objects.",
    {
      apiVersion: s("APIVersion defines the versioned schema of this representation of an object."),
      code: i32("Suggested HTTP return code for this status, 0 if not set."),
      details: {
        type: "object",
        description: "Extended data associated with the reason.",
        "x-kubernetes-preserve-unknown-fields": true,
      },
      kind: s("Kind is a string value representing the REST resource this object represents."),
      message: s("A human-readable description of the status of this operation."),
      metadata: r(`${META}ListMeta`, "Standard list metadata."),
      reason: s('A machine-readable description of why this operation is in the "Failure" status.'),
      status: s('Status of the operation. One of: "Success" or "Failure".'),
    },
  ),
  [`${META}WatchEvent`]: struct(
    "Event represents a single event to a watched resource.",
    {
      object: {
        type: "object",
        description:
          "Object is the object of the event: the full object, or a Status for ERROR events.",
        "x-kubernetes-preserve-unknown-fields": true,
      },
      type: s("ADDED, MODIFIED, DELETED, BOOKMARK or ERROR."),
    },
    ["type", "object"],
  ),
};

/** Names of the meta schemas every group-version document carries. */
export const META_SCHEMA_NAMES: readonly string[] = Object.keys(metaSchemas);
