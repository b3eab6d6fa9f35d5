/**
 * OpenAPI v3 schemas of the kinds outside the core group: apps/v1 Deployment and ReplicaSet
 * (with autoscaling/v1 Scale for their `scale` subresource), coordination.k8s.io/v1 Lease,
 * discovery.k8s.io/v1 EndpointSlice, events.k8s.io/v1 Event and scheduling.k8s.io/v1 PriorityClass,
 * with Kubernetes 1.32's fields (k8s.io/api/{apps,autoscaling,coordination,discovery,events,
 * scheduling}/v1/types.go).
 *
 * @module
 */
import {
  APPS,
  arr,
  atomic,
  b,
  CORE,
  e,
  i32,
  i64,
  keyed,
  kind,
  kindWithList,
  META,
  microTime,
  r,
  s,
  type Schema,
  stringMap,
  struct,
  time,
} from "./_dsl.ts";

const IOS = "io.k8s.apimachinery.pkg.util.intstr.IntOrString";
const COORD = "io.k8s.api.coordination.v1.";
const SCHED = "io.k8s.api.scheduling.v1.";
const DISC = "io.k8s.api.discovery.v1.";
const EVENTS = "io.k8s.api.events.v1.";
const AUTOSCALING = "io.k8s.api.autoscaling.v1.";

const workloadCondition = (what: string, extra: Record<string, Schema> = {}): Schema =>
  struct(
    `${what}Condition describes the state of a ${what.toLowerCase()} at a certain point.`,
    {
      lastTransitionTime: time("Last time the condition transitioned from one status to another."),
      ...extra,
      message: s("A human readable message indicating details about the transition."),
      reason: s("The reason for the condition's last transition."),
      status: s("Status of the condition, one of True, False, Unknown."),
      type: s(`Type of ${what.toLowerCase()} condition.`),
    },
    ["type", "status"],
  );

const template = (): Schema =>
  r(
    `${CORE}PodTemplateSpec`,
    'Template describes the pods that will be created. The only allowed template.spec.restartPolicy value is "Always".',
  );

/** Schemas of the non-core groups, by upstream name. */
export const groupSchemas: Readonly<Record<string, Schema>> = {
  ...kindWithList(
    APPS,
    "apps",
    "Deployment",
    "Deployment enables declarative updates for Pods and ReplicaSets.",
    {
      spec: r(`${APPS}DeploymentSpec`, "Specification of the desired behavior of the Deployment."),
      status: r(`${APPS}DeploymentStatus`, "Most recently observed status of the Deployment."),
    },
  ),
  [`${APPS}DeploymentSpec`]: struct(
    "DeploymentSpec is the specification of the desired behavior of the Deployment.",
    {
      minReadySeconds: i32(
        "Minimum number of seconds for which a newly created pod should be ready without any of its container crashing, for it to be considered available. Defaults to 0 (pod will be considered available as soon as it is ready)",
      ),
      paused: b("Indicates that the deployment is paused."),
      progressDeadlineSeconds: i32(
        "The maximum time in seconds for a deployment to make progress before it is considered to be failed. The deployment controller will continue to process failed deployments and a condition with a ProgressDeadlineExceeded reason will be surfaced in the deployment status. Defaults to 600s.",
      ),
      replicas: i32(
        "Number of desired pods. This is a pointer to distinguish between explicit zero and not specified. Defaults to 1.",
      ),
      revisionHistoryLimit: i32(
        "The number of old ReplicaSets to retain to allow rollback. This is a pointer to distinguish between explicit zero and not specified. Defaults to 10.",
      ),
      selector: r(
        `${META}LabelSelector`,
        "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment. It must match the pod template's labels.",
      ),
      strategy: r(
        `${APPS}DeploymentStrategy`,
        "The deployment strategy to use to replace existing pods with new ones.",
        { "x-kubernetes-patch-strategy": "retainKeys" },
      ),
      template: template(),
    },
    ["selector", "template"],
  ),
  [`${APPS}DeploymentStrategy`]: struct(
    "DeploymentStrategy describes how to replace existing pods with new ones.",
    {
      rollingUpdate: r(
        `${APPS}RollingUpdateDeployment`,
        "Rolling update config params. Present only if DeploymentStrategyType = RollingUpdate.",
      ),
      type: e(
        'Type of deployment. Can be "Recreate" or "RollingUpdate". Default is RollingUpdate.',
        ["Recreate", "RollingUpdate"],
      ),
    },
  ),
  [`${APPS}RollingUpdateDeployment`]: struct(
    "Spec to control the desired behavior of rolling update.",
    {
      maxSurge: r(
        IOS,
        "The maximum number of pods that can be scheduled above the desired number of pods. Value can be an absolute number (ex: 5) or a percentage of desired pods (ex: 10%). Defaults to 25%.",
      ),
      maxUnavailable: r(
        IOS,
        "The maximum number of pods that can be unavailable during the update. Value can be an absolute number (ex: 5) or a percentage of desired pods (ex: 10%). Defaults to 25%.",
      ),
    },
  ),
  [`${APPS}DeploymentStatus`]: struct(
    "DeploymentStatus is the most recently observed status of the Deployment.",
    {
      availableReplicas: i32(
        "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.",
      ),
      collisionCount: i32(
        "Count of hash collisions for the Deployment. The Deployment controller uses this field as a collision avoidance mechanism when it needs to create the name for the newest ReplicaSet.",
      ),
      conditions: keyed(
        `${APPS}DeploymentCondition`,
        "type",
        "Represents the latest available observations of a deployment's current state.",
      ),
      observedGeneration: i64("The generation observed by the deployment controller."),
      readyReplicas: i32(
        "readyReplicas is the number of pods targeted by this Deployment with a Ready Condition.",
      ),
      replicas: i32(
        "Total number of non-terminated pods targeted by this deployment (their labels match the selector).",
      ),
      unavailableReplicas: i32(
        "Total number of unavailable pods targeted by this deployment. This is the total number of pods that are still required for the deployment to have 100% available capacity.",
      ),
      updatedReplicas: i32(
        "Total number of non-terminated pods targeted by this deployment that have the desired template spec.",
      ),
    },
  ),
  [`${APPS}DeploymentCondition`]: workloadCondition("Deployment", {
    lastUpdateTime: time("The last time this condition was updated."),
  }),
  ...kindWithList(
    APPS,
    "apps",
    "ReplicaSet",
    "ReplicaSet ensures that a specified number of pod replicas are running at any given time.",
    {
      spec: r(
        `${APPS}ReplicaSetSpec`,
        "Spec defines the specification of the desired behavior of the ReplicaSet.",
      ),
      status: r(
        `${APPS}ReplicaSetStatus`,
        "Status is the most recently observed status of the ReplicaSet.",
      ),
    },
  ),
  [`${APPS}ReplicaSetSpec`]: struct(
    "ReplicaSetSpec is the specification of a ReplicaSet.",
    {
      minReadySeconds: i32(
        "Minimum number of seconds for which a newly created pod should be ready without any of its container crashing, for it to be considered available. Defaults to 0.",
      ),
      replicas: i32(
        "Replicas is the number of desired pods. This is a pointer to distinguish between explicit zero and unspecified. Defaults to 1.",
      ),
      selector: r(
        `${META}LabelSelector`,
        "Selector is a label query over pods that should match the replica count. Label keys and values that must match in order to be controlled by this replica set. It must match the pod template's labels.",
      ),
      template: template(),
    },
    ["selector"],
  ),
  [`${APPS}ReplicaSetStatus`]: struct(
    "ReplicaSetStatus represents the current status of a ReplicaSet.",
    {
      availableReplicas: i32(
        "The number of available non-terminating pods (ready for at least minReadySeconds) for this replica set.",
      ),
      conditions: keyed(
        `${APPS}ReplicaSetCondition`,
        "type",
        "Represents the latest available observations of a replica set's current state.",
      ),
      fullyLabeledReplicas: i32(
        "The number of non-terminating pods that have labels matching the labels of the pod template of the replicaset.",
      ),
      observedGeneration: i64(
        "ObservedGeneration reflects the generation of the most recently observed ReplicaSet.",
      ),
      readyReplicas: i32(
        "The number of non-terminating pods targeted by this ReplicaSet with a Ready Condition.",
      ),
      replicas: i32("Replicas is the most recently observed number of non-terminating pods."),
    },
    ["replicas"],
  ),
  [`${APPS}ReplicaSetCondition`]: workloadCondition("ReplicaSet"),
  [`${AUTOSCALING}Scale`]: kind(
    { group: "autoscaling", version: "v1", kind: "Scale" },
    "Scale represents a scaling request for a resource.",
    {
      spec: r(`${AUTOSCALING}ScaleSpec`, "spec defines the behavior of the scale."),
      status: r(
        `${AUTOSCALING}ScaleStatus`,
        "status is the current status of the scale. Read-only.",
      ),
    },
  ),
  [`${AUTOSCALING}ScaleSpec`]: struct(
    "ScaleSpec describes the attributes of a scale subresource.",
    {
      replicas: i32("replicas is the desired number of instances for the scaled object."),
    },
  ),
  [`${AUTOSCALING}ScaleStatus`]: struct(
    "ScaleStatus represents the current status of a scale subresource.",
    {
      replicas: i32("replicas is the actual number of observed instances of the scaled object."),
      selector: s(
        "selector is the label query over pods that should match the replicas count. This is same as the label selector but in the string format to avoid introspection by clients.",
      ),
    },
    ["replicas"],
  ),
  ...kindWithList(
    SCHED,
    "scheduling.k8s.io",
    "PriorityClass",
    "PriorityClass defines mapping from a priority class name to the priority integer value. The value can be any valid integer.",
    {
      description: s(
        "description is an arbitrary string that usually provides guidelines on when this priority class should be used.",
      ),
      globalDefault: b(
        "globalDefault specifies whether this PriorityClass should be considered as the default priority for pods that do not have any priority class. Only one PriorityClass can be marked as `globalDefault`. However, if more than one PriorityClasses exists with their `globalDefault` field set to true, the smallest value of such global default PriorityClasses will be used as the default priority.",
      ),
      preemptionPolicy: s(
        "preemptionPolicy is the Policy for preempting pods with lower priority. One of Never, PreemptLowerPriority. Defaults to PreemptLowerPriority if unset.",
      ),
      value: i32(
        "value represents the integer value of this priority class. This is the actual priority that pods receive when they have the name of this class in their pod spec.",
      ),
    },
    ["value"],
  ),
  ...kindWithList(COORD, "coordination.k8s.io", "Lease", "Lease defines a lease concept.", {
    spec: r(`${COORD}LeaseSpec`, "spec contains the specification of the Lease."),
  }),
  [`${COORD}LeaseSpec`]: struct("LeaseSpec is a specification of a Lease.", {
    acquireTime: microTime("acquireTime is a time when the current lease was acquired."),
    holderIdentity: s("holderIdentity contains the identity of the holder of a current lease."),
    leaseDurationSeconds: i32(
      "leaseDurationSeconds is a duration that candidates for a lease need to wait to force acquire it. This is measured against the time of last observed renewTime.",
    ),
    leaseTransitions: i32(
      "leaseTransitions is the number of transitions of a lease between holders.",
    ),
    preferredHolder: s(
      "PreferredHolder signals to a lease holder that the lease has a more optimal holder and should be given up.",
    ),
    renewTime: microTime(
      "renewTime is a time when the current holder of a lease has last updated the lease.",
    ),
    strategy: s(
      "Strategy indicates the strategy for picking the leader for coordinated leader election.",
    ),
  }),
  ...kindWithList(
    DISC,
    "discovery.k8s.io",
    "EndpointSlice",
    "EndpointSlice represents a subset of the endpoints that implement a service. For a given service there may be multiple EndpointSlice objects, selected by labels, which must be joined to produce the full set of endpoints.",
    {
      addressType: e(
        "addressType specifies the type of address carried by this EndpointSlice. All addresses in this slice must be the same type. Supported types are IPv4, IPv6 and FQDN.",
        ["FQDN", "IPv4", "IPv6"],
      ),
      endpoints: atomic(
        `${DISC}Endpoint`,
        "endpoints is a list of unique endpoints in this slice. Each slice may include a maximum of 1000 endpoints.",
      ),
      ports: atomic(
        `${DISC}EndpointPort`,
        "ports specifies the list of network ports exposed by each endpoint in this slice. Each port must have a unique name. When ports is empty, it indicates that there are no defined ports.",
      ),
    },
    ["addressType", "endpoints"],
  ),
  [`${DISC}Endpoint`]: struct(
    'Endpoint represents a single logical "backend" implementing a service.',
    {
      addresses: arr(
        { type: "string" },
        "addresses of this endpoint. The contents of this field are interpreted according to the corresponding EndpointSlice addressType field.",
        {
          listType: "set",
        },
      ),
      conditions: r(
        `${DISC}EndpointConditions`,
        "conditions contains information about the current status of the endpoint.",
      ),
      deprecatedTopology: stringMap(
        "deprecatedTopology contains topology information part of the v1beta1 API. This field is deprecated.",
      ),
      hints: r(
        `${DISC}EndpointHints`,
        "hints contains information associated with how an endpoint should be consumed.",
      ),
      hostname: s(
        "hostname of this endpoint. This field may be used by consumers of endpoints to distinguish endpoints from each other.",
      ),
      nodeName: s("nodeName represents the name of the Node hosting this endpoint."),
      targetRef: r(
        `${CORE}ObjectReference`,
        "targetRef is a reference to a Kubernetes object that represents this endpoint.",
      ),
      zone: s("zone is the name of the Zone this endpoint exists in."),
    },
    ["addresses"],
  ),
  [`${DISC}EndpointConditions`]: struct(
    "EndpointConditions represents the current condition of an endpoint.",
    {
      ready: b(
        "ready indicates that this endpoint is prepared to receive traffic, according to whatever system is managing the endpoint.",
      ),
      serving: b(
        "serving is identical to ready except that it is set regardless of the terminating state of endpoints.",
      ),
      terminating: b("terminating indicates that this endpoint is terminating."),
    },
  ),
  [`${DISC}EndpointHints`]: struct(
    "EndpointHints provides hints describing how an endpoint should be consumed.",
    {
      forZones: arr(
        struct("ForZone provides information about which zones should consume this endpoint.", {
          name: s("name represents the name of the zone."),
        }, ["name"]),
        "forZones indicates the zone(s) this endpoint should be consumed by to enable topology aware routing.",
        { listType: "atomic" },
      ),
    },
  ),
  [`${DISC}EndpointPort`]: struct(
    "EndpointPort represents a Port used by an EndpointSlice",
    {
      appProtocol: s("The application protocol for this port."),
      name: s(
        "name represents the name of this port. All ports in an EndpointSlice must have a unique name.",
      ),
      port: i32(
        "port represents the port number of the endpoint. If this is not specified, ports are not restricted and must be interpreted in the context of the specific consumer.",
      ),
      protocol: e(
        "protocol represents the IP protocol for this port. Must be UDP, TCP, or SCTP. Default is TCP.",
        ["SCTP", "TCP", "UDP"],
      ),
    },
    [],
    { "x-kubernetes-map-type": "atomic" },
  ),
  ...kindWithList(
    EVENTS,
    "events.k8s.io",
    "Event",
    "Event is a report of an event somewhere in the cluster. It generally denotes some state change in the system. Events have a limited retention time and triggers and messages may evolve with time.",
    {
      action: s("action is what action was taken/failed regarding to the regarding object."),
      deprecatedCount: i32(
        "deprecatedCount is the deprecated field assuring backward compatibility with core.v1 Event type.",
      ),
      deprecatedFirstTimestamp: time(
        "deprecatedFirstTimestamp is the deprecated field assuring backward compatibility with core.v1 Event type.",
      ),
      deprecatedLastTimestamp: time(
        "deprecatedLastTimestamp is the deprecated field assuring backward compatibility with core.v1 Event type.",
      ),
      deprecatedSource: r(
        `${CORE}EventSource`,
        "deprecatedSource is the deprecated field assuring backward compatibility with core.v1 Event type.",
      ),
      eventTime: microTime(
        "eventTime is the time when this Event was first observed. It is required.",
      ),
      note: s(
        "note is a human-readable description of the status of this operation. Maximal length of the note is 1kB, but libraries should be prepared to handle values up to 64kB.",
      ),
      reason: s(
        "reason is why the action was taken. It is human-readable. This field cannot be empty for new Events and it can have at most 128 characters.",
      ),
      regarding: r(
        `${CORE}ObjectReference`,
        "regarding contains the object this Event is about. In most cases it's an Object reporting controller implements, e.g. ReplicaSetController implements ReplicaSets and this event is emitted because it acts on some changes in a ReplicaSet object.",
      ),
      related: r(
        `${CORE}ObjectReference`,
        "related is the optional secondary object for more complex actions.",
      ),
      reportingController: s(
        "reportingController is the name of the controller that emitted this Event, e.g. `kubernetes.io/kubelet`.",
      ),
      reportingInstance: s(
        "reportingInstance is the ID of the controller instance, e.g. `kubelet-xyzf`.",
      ),
      series: r(
        `${EVENTS}EventSeries`,
        "series is data about the Event series this event represents or nil if it's a singleton Event.",
      ),
      type: s(
        "type is the type of this event (Normal, Warning), new types could be added in the future. It is machine-readable.",
      ),
    },
    ["eventTime"],
  ),
  [`${EVENTS}EventSeries`]: struct(
    "EventSeries contain information on series of events, i.e. thing that was/is happening continuously for some time.",
    {
      count: i32(
        "count is the number of occurrences in this series up to the last heartbeat time.",
      ),
      lastObservedTime: microTime(
        "lastObservedTime is the time when last Event from the series was seen before last heartbeat.",
      ),
    },
    ["count", "lastObservedTime"],
  ),
};
