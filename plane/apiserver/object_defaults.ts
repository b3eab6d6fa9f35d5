/**
 * `applyDefaults`: kube-apiserver's defaulting of a served kind's JSON object (the
 * `SetDefaults_*` functions of pkg/apis/{core,apps}/v1; the `default` service account is the
 * ServiceAccount admission plugin's, in service_account_admission.ts). Pod and container rules come from `core/k8s/defaults.ts`,
 * the one defaulting step rk8s shares with `rkl`. Mutates and returns `obj`.
 *
 * @module
 */
import { isRecord } from "../../core/is_record.ts";
import {
  DEFAULT_DNS_POLICY,
  DEFAULT_PROBE_FAILURE_THRESHOLD,
  DEFAULT_PROBE_PERIOD_SECONDS,
  DEFAULT_PROBE_SUCCESS_THRESHOLD,
  DEFAULT_PROBE_TIMEOUT_SECONDS,
  DEFAULT_RESTART_POLICY,
  DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS,
  DEFAULT_TERMINATION_MESSAGE_PATH,
  DEFAULT_TERMINATION_MESSAGE_POLICY,
  defaultPullPolicy,
} from "../../core/k8s/defaults.ts";

type Obj = Record<string, unknown>;

function rec(parent: Obj, key: string): Obj {
  const v = parent[key];
  if (isRecord(v)) return v;
  const fresh: Obj = {};
  parent[key] = fresh;
  return fresh;
}

function setIfUnset(o: Obj, key: string, value: unknown): void {
  if (o[key] === undefined || o[key] === null) o[key] = value;
}

/** `SetDefaults_Probe` and the handler defaults (`SetDefaults_HTTPGetAction`: path `/`, HTTP). */
function defaultProbeJson(p: unknown): void {
  if (!isRecord(p)) return;
  setIfUnset(p, "timeoutSeconds", DEFAULT_PROBE_TIMEOUT_SECONDS);
  setIfUnset(p, "periodSeconds", DEFAULT_PROBE_PERIOD_SECONDS);
  setIfUnset(p, "successThreshold", DEFAULT_PROBE_SUCCESS_THRESHOLD);
  setIfUnset(p, "failureThreshold", DEFAULT_PROBE_FAILURE_THRESHOLD);
  if (isRecord(p.httpGet)) {
    if (p.httpGet.path === undefined || p.httpGet.path === "") p.httpGet.path = "/";
    setIfUnset(p.httpGet, "scheme", "HTTP");
  }
}

function defaultContainerJson(c: unknown): void {
  if (!isRecord(c)) return;
  if (typeof c.image === "string") setIfUnset(c, "imagePullPolicy", defaultPullPolicy(c.image));
  setIfUnset(c, "terminationMessagePath", DEFAULT_TERMINATION_MESSAGE_PATH);
  setIfUnset(c, "terminationMessagePolicy", DEFAULT_TERMINATION_MESSAGE_POLICY);
  setIfUnset(c, "resources", {});
  if (Array.isArray(c.env)) {
    // SetDefaults_ObjectFieldSelector: the fieldPath's version is v1 unless given.
    for (const e of c.env) {
      if (isRecord(e) && isRecord(e.valueFrom) && isRecord(e.valueFrom.fieldRef)) {
        if (!e.valueFrom.fieldRef.apiVersion) e.valueFrom.fieldRef.apiVersion = "v1";
      }
    }
  }
  for (const probe of ["livenessProbe", "readinessProbe", "startupProbe"]) {
    defaultProbeJson(c[probe]);
  }
  if (Array.isArray(c.ports)) {
    for (const p of c.ports) if (isRecord(p)) setIfUnset(p, "protocol", "TCP");
  }
}

/** Pod spec defaults (`SetDefaults_PodSpec`, `SetDefaults_Container`). */
export function defaultPodSpec(spec: Obj): void {
  setIfUnset(spec, "restartPolicy", DEFAULT_RESTART_POLICY);
  setIfUnset(spec, "terminationGracePeriodSeconds", DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS);
  // A negative grace period is stored as 1 (kubernetes/kubernetes#115606, 1.27): before it was
  // accepted as is, and 1 is what the delete path already treated it as.
  const grace = spec.terminationGracePeriodSeconds;
  if (typeof grace === "number" && grace < 0) spec.terminationGracePeriodSeconds = 1;
  setIfUnset(spec, "dnsPolicy", DEFAULT_DNS_POLICY);
  setIfUnset(spec, "securityContext", {});
  setIfUnset(spec, "schedulerName", "default-scheduler");
  setIfUnset(spec, "enableServiceLinks", true);
  for (const list of ["containers", "initContainers"]) {
    const cs = spec[list];
    if (Array.isArray(cs)) cs.forEach(defaultContainerJson);
  }
}

function defaultTemplate(spec: Obj): void {
  const template = rec(spec, "template");
  const podSpec = rec(template, "spec");
  defaultPodSpec(podSpec);
}

/**
 * Applies the defaults of `kind` to `obj` (in place) and returns it.
 *
 * @example
 * ```ts
 * import { applyDefaults } from "./object_defaults.ts";
 * import assert from "node:assert/strict";
 * const pod: Record<string, unknown> = applyDefaults("Pod", {
 *   metadata: { name: "web" },
 *   spec: { containers: [{ name: "c", image: "nginx", ports: [{ containerPort: 80 }] }] },
 * });
 * const spec = pod.spec as { restartPolicy: string; containers: { imagePullPolicy: string; ports: { protocol: string }[] }[] };
 * assert.equal(spec.restartPolicy, "Always");
 * assert.equal(spec.containers[0]!.imagePullPolicy, "Always");
 * assert.equal(spec.containers[0]!.ports[0]!.protocol, "TCP");
 * ```
 */
export function applyDefaults<T extends Obj>(kind: string, obj: T): T {
  switch (kind) {
    case "Pod": {
      const spec = rec(obj, "spec");
      defaultPodSpec(spec);
      // v1 conversion: the deprecated `serviceAccount` names the account when
      // `serviceAccountName` does not, and always mirrors it on the way out.
      if (
        (spec.serviceAccountName === undefined || spec.serviceAccountName === "") &&
        typeof spec.serviceAccount === "string" && spec.serviceAccount !== ""
      ) spec.serviceAccountName = spec.serviceAccount;
      if (typeof spec.serviceAccountName === "string" && spec.serviceAccountName !== "") {
        spec.serviceAccount = spec.serviceAccountName;
      }
      break;
    }
    case "Deployment": {
      const spec = rec(obj, "spec");
      setIfUnset(spec, "replicas", 1);
      const strategy = rec(spec, "strategy");
      setIfUnset(strategy, "type", "RollingUpdate");
      if (strategy.type === "RollingUpdate") {
        const ru = rec(strategy, "rollingUpdate");
        setIfUnset(ru, "maxUnavailable", "25%");
        setIfUnset(ru, "maxSurge", "25%");
      }
      setIfUnset(spec, "revisionHistoryLimit", 10);
      setIfUnset(spec, "progressDeadlineSeconds", 600);
      defaultTemplate(spec);
      break;
    }
    case "ReplicaSet": {
      const spec = rec(obj, "spec");
      setIfUnset(spec, "replicas", 1);
      defaultTemplate(spec);
      break;
    }
    case "Service": {
      const spec = rec(obj, "spec");
      setIfUnset(spec, "type", "ClusterIP");
      setIfUnset(spec, "sessionAffinity", "None");
      if (spec.type !== "ExternalName") {
        setIfUnset(spec, "ipFamilyPolicy", "SingleStack");
        setIfUnset(spec, "ipFamilies", ["IPv4"]);
        setIfUnset(spec, "internalTrafficPolicy", "Cluster");
      }
      if (Array.isArray(spec.ports)) {
        for (const p of spec.ports) {
          if (!isRecord(p)) continue;
          setIfUnset(p, "protocol", "TCP");
          setIfUnset(p, "targetPort", p.port);
        }
      }
      break;
    }
    case "Secret": {
      setIfUnset(obj, "type", "Opaque");
      // v1 conversion: the write-only `stringData` is merged into `data` (base64 of its UTF-8),
      // overwriting keys there, and never stored or served.
      if (isRecord(obj.stringData)) {
        const data: Obj = isRecord(obj.data) ? { ...obj.data } : {};
        for (const [k, v] of Object.entries(obj.stringData)) {
          let bin = "";
          for (const b of new TextEncoder().encode(String(v ?? ""))) bin += String.fromCharCode(b);
          data[k] = btoa(bin);
        }
        (obj as Obj).data = data;
      }
      delete (obj as Obj).stringData;
      break;
    }
    case "PriorityClass":
      setIfUnset(obj, "preemptionPolicy", "PreemptLowerPriority");
      break;
    case "Namespace": {
      const spec = rec(obj, "spec");
      setIfUnset(spec, "finalizers", ["kubernetes"]);
      break;
    }
  }
  return obj;
}
