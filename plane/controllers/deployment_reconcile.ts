/**
 * The Deployment controller's decisions as a pure function: kube-controller-manager's
 * pkg/controller/deployment (`syncDeployment`, `rolloutRolling`, `rolloutRecreate`, `sync`/`scale`
 * for scaling events and paused Deployments, `cleanupDeployment`, `syncRolloutStatus`), 1.32.
 *
 * @module
 */
import {
  clone,
  type Condition,
  controllerRef,
  type Deployment,
  type DeploymentStatus,
  type OwnerReference,
  ownerRefTo,
  type Pod,
  type ReplicaSet,
  rfc3339,
  selectorMatches,
  timeOf,
} from "./_objects.ts";
import { podTemplateHash } from "./pod_template_hash.ts";
import { maxSurge, maxUnavailable } from "./rolling_update_bounds.ts";
import { isRecord } from "../../core/is_record.ts";
import { semanticJson } from "./_semantic_json.ts";

/** Label that ties a ReplicaSet and its pods to one template of a Deployment. */
export const POD_TEMPLATE_HASH = "pod-template-hash";
/** Annotation with the rollout revision on Deployments and their ReplicaSets. */
export const REVISION = "deployment.kubernetes.io/revision";
/** Annotation listing the earlier revisions a ReplicaSet had (comma-separated). */
export const REVISION_HISTORY = "deployment.kubernetes.io/revision-history";
/** Annotation: the Deployment's `spec.replicas` when the ReplicaSet was last scaled. */
export const DESIRED_REPLICAS = "deployment.kubernetes.io/desired-replicas";
/** Annotation: `spec.replicas + maxSurge` when the ReplicaSet was last scaled. */
export const MAX_REPLICAS = "deployment.kubernetes.io/max-replicas";

const SKIPPED_ANNOTATIONS = new Set([
  "kubectl.kubernetes.io/last-applied-configuration",
  REVISION,
  REVISION_HISTORY,
  DESIRED_REPLICAS,
  MAX_REPLICAS,
  "deprecated.deployment.rollback.to",
]);
const MAX_REV_HISTORY_CHARS = 2000;
const MAX_INT32 = 2147483647;

/** One thing the Deployment controller asks of the API, in the order to do them. */
export type DeploymentAction =
  /** Create this ReplicaSet (named `<deployment>-<pod-template-hash>`). */
  | { type: "createReplicaSet"; replicaSet: ReplicaSet }
  /** Replace this ReplicaSet (it carries the `resourceVersion` it was read at). */
  | { type: "updateReplicaSet"; replicaSet: ReplicaSet }
  /** Delete an old ReplicaSet beyond `revisionHistoryLimit`. */
  | { type: "deleteReplicaSet"; name: string; uid: string }
  /** Add `ownerReference` to the orphan ReplicaSet `name`. */
  | { type: "adoptReplicaSet"; name: string; uid: string; ownerReference: OwnerReference }
  /** Remove the Deployment's owner reference from ReplicaSet `name`. */
  | { type: "releaseReplicaSet"; name: string; uid: string }
  /** Set these annotations on the Deployment (a merge patch; the revision). */
  | { type: "patchDeploymentAnnotations"; annotations: Record<string, string> }
  /** Write `status` through the `status` subresource. */
  | { type: "updateStatus"; status: DeploymentStatus }
  /** Record an Event on the Deployment (after the actions before it succeeded). */
  | { type: "event"; eventType: "Normal" | "Warning"; reason: string; message: string };

/** What the Deployment controller sees besides the Deployment. */
export interface DeploymentObserved {
  /** ReplicaSets of the Deployment's namespace (any owner; the reconciler claims). */
  replicaSets: readonly ReplicaSet[];
  /** Pods of the namespace (read only for `Recreate`: no new pods while old ones run). */
  pods: readonly Pod[];
}

/**
 * Decides one sync of Deployment `d` at `now`: claims ReplicaSets (adopt matching orphans,
 * release non-matching), finds the new ReplicaSet (template equal ignoring `pod-template-hash`)
 * or creates `<name>-<hash>` ({@linkcode podTemplateHash}), scales for a `spec.replicas` change
 * (proportionally across ReplicaSets for RollingUpdate), rolls out by `RollingUpdate` (new RS up
 * to `replicas + maxSurge` pods in total, old RSs down while at least `replicas - maxUnavailable`
 * pods are available) or `Recreate` (old RSs to 0, wait for their pods to go, then the new RS up),
 * keeps the revision annotations (`deployment.kubernetes.io/revision` = highest old revision + 1
 * on the new RS and the Deployment, `revision-history` when an old RS becomes new again as after
 * `kubectl rollout undo`), deletes old empty RSs beyond `revisionHistoryLimit`, and computes the
 * status with the `Progressing` (NewReplicaSetCreated, FoundNewReplicaSet, ReplicaSetUpdated,
 * NewReplicaSetAvailable, ProgressDeadlineExceeded, DeploymentPaused, DeploymentResumed) and
 * `Available` (MinimumReplicasAvailable/Unavailable) conditions. `paused` Deployments only scale.
 * Throws `IntOrPercentError` for a bad maxSurge/maxUnavailable (the API rejects those).
 *
 * @example
 * ```ts
 * import { reconcileDeployment } from "./deployment_reconcile.ts";
 * import assert from "node:assert/strict";
 * const d = {
 *   metadata: { name: "web", namespace: "default", uid: "d1", generation: 1 },
 *   spec: { replicas: 3, selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "c", image: "nginx" }] } } },
 * };
 * const actions = reconcileDeployment(d, { replicaSets: [], pods: [] }, new Date("2024-01-01T00:00:00Z"));
 * const create = actions.find((a) => a.type === "createReplicaSet");
 * assert.ok(create && create.type === "createReplicaSet");
 * assert.equal(create.replicaSet.spec.replicas, 3);
 * assert.match(create.replicaSet.metadata.name ?? "", /^web-[bcdfghjklmnpqrstvwxz2456789]+$/);
 * assert.equal(create.replicaSet.metadata.annotations?.["deployment.kubernetes.io/revision"], "1");
 * ```
 */
export function reconcileDeployment(
  d: Deployment,
  observed: DeploymentObserved,
  now: Date,
): DeploymentAction[] {
  return new DeploymentSync(d, observed, now).run();
}

class DeploymentSync {
  readonly d: Deployment;
  readonly orig: Deployment;
  readonly now: Date;
  readonly pods: readonly Pod[];
  readonly actions: DeploymentAction[] = [];
  readonly updated = new Set<ReplicaSet>();
  rsList: ReplicaSet[] = [];
  all?: { newRS: ReplicaSet | undefined; oldRSs: ReplicaSet[] };
  annotations: Record<string, string> | undefined;

  constructor(d: Deployment, observed: DeploymentObserved, now: Date) {
    this.orig = d;
    this.d = clone(d);
    this.d.status ??= {};
    this.now = now;
    this.pods = observed.pods;
    this.claim(observed.replicaSets);
  }

  get replicas(): number {
    return this.d.spec.replicas ?? 1;
  }

  run(): DeploymentAction[] {
    const d = this.d;
    if (!hasSelector(d.spec.selector)) {
      this.event(
        "Warning",
        "SelectorRequired",
        "This deployment is selecting all pods. A non-empty selector is required.",
      );
      if ((d.status?.observedGeneration ?? 0) < (d.metadata.generation ?? 0)) {
        this.actions.push({
          type: "updateStatus",
          status: { ...d.status, observedGeneration: d.metadata.generation ?? 0 },
        });
      }
      return this.actions;
    }
    if (d.metadata.deletionTimestamp !== undefined) {
      const { newRS, oldRSs } = this.getAll(false);
      this.syncStatus(withNew(oldRSs, newRS), newRS);
      return this.finish();
    }
    this.checkPausedConditions();
    if (d.spec.paused || this.isScalingEvent()) {
      this.sync();
      return this.finish();
    }
    if (d.spec.strategy?.type === "Recreate") this.rolloutRecreate();
    else this.rolloutRolling();
    return this.finish();
  }

  finish(): DeploymentAction[] {
    if (this.annotations) {
      this.actions.push({ type: "patchDeploymentAnnotations", annotations: this.annotations });
    }
    return this.actions;
  }

  // ---- claiming ----
  claim(all: readonly ReplicaSet[]): void {
    const d = this.d;
    const uid = d.metadata.uid ?? "";
    const deleting = d.metadata.deletionTimestamp !== undefined;
    for (const rs0 of all) {
      if (rs0.metadata.namespace !== undefined && rs0.metadata.namespace !== d.metadata.namespace) {
        continue;
      }
      const ref = controllerRef(rs0.metadata);
      const matches = selectorMatches(d.spec.selector, rs0.metadata.labels);
      if (ref) {
        if (ref.uid !== uid) continue;
        if (matches || deleting) this.rsList.push(clone(rs0));
        else {
          this.actions.push({
            type: "releaseReplicaSet",
            name: rs0.metadata.name ?? "",
            uid: rs0.metadata.uid ?? "",
          });
        }
        continue;
      }
      if (!matches || deleting || rs0.metadata.deletionTimestamp !== undefined) continue;
      const ownerReference = ownerRefTo(d, "apps/v1", "Deployment");
      this.actions.push({
        type: "adoptReplicaSet",
        name: rs0.metadata.name ?? "",
        uid: rs0.metadata.uid ?? "",
        ownerReference,
      });
      const rs = clone(rs0);
      rs.metadata.ownerReferences = [...(rs.metadata.ownerReferences ?? []), ownerReference];
      this.rsList.push(rs);
    }
    this.rsList.sort(byCreation);
  }

  // ---- new / old ReplicaSets and revisions ----
  getAll(create: boolean): { newRS: ReplicaSet | undefined; oldRSs: ReplicaSet[] } {
    if (this.all && (this.all.newRS || !create)) return this.all;
    const d = this.d;
    const found = this.all?.newRS ??
      this.rsList.find((rs) => equalIgnoreHash(rs.spec.template, d.spec.template));
    const oldRSs = this.rsList.filter((rs) => rs !== found);
    const newRevision = String(Math.max(0, ...oldRSs.map(revisionOf)) + 1);
    if (found) {
      this.all = { newRS: found, oldRSs };
      if (this.all.newRS === found && !this.synced) {
        this.synced = true;
        let changed = this.setNewReplicaSetAnnotations(found, newRevision, true);
        if ((found.spec.minReadySeconds ?? 0) !== (d.spec.minReadySeconds ?? 0)) {
          found.spec.minReadySeconds = d.spec.minReadySeconds ?? 0;
          changed = true;
        }
        if (changed) this.updateRS(found);
        this.setDeploymentRevision(found.metadata.annotations?.[REVISION] ?? "");
        if (hasProgressDeadline(d) && !getCondition(d.status, "Progressing")) {
          setCondition(
            d.status!,
            this.condition(
              "Progressing",
              "True",
              "FoundNewReplicaSet",
              `Found new replica set "${found.metadata.name}"`,
            ),
          );
        }
      }
      return this.all;
    }
    this.all = { newRS: undefined, oldRSs };
    if (!create) return this.all;
    const hash = podTemplateHash(d.spec.template, d.status?.collisionCount);
    const template = clone(d.spec.template ?? {});
    template.metadata ??= {};
    template.metadata.labels = { ...(template.metadata.labels ?? {}), [POD_TEMPLATE_HASH]: hash };
    const selector = clone(isRecord(d.spec.selector) ? d.spec.selector : {});
    selector.matchLabels = {
      ...(isRecord(selector.matchLabels) ? selector.matchLabels : {}),
      [POD_TEMPLATE_HASH]: hash,
    };
    const newRS: ReplicaSet = {
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      metadata: {
        name: `${d.metadata.name}-${hash}`,
        namespace: d.metadata.namespace ?? "default",
        labels: template.metadata.labels,
        ownerReferences: [ownerRefTo(d, "apps/v1", "Deployment")],
      },
      spec: {
        replicas: 0,
        minReadySeconds: d.spec.minReadySeconds ?? 0,
        selector,
        template,
      },
    };
    const count = this.newRSNewReplicas([...oldRSs, newRS], newRS);
    newRS.spec.replicas = count;
    this.setNewReplicaSetAnnotations(newRS, newRevision, false);
    this.actions.push({ type: "createReplicaSet", replicaSet: newRS });
    if (count > 0) {
      this.event(
        "Normal",
        "ScalingReplicaSet",
        `Scaled up replica set ${newRS.metadata.name} from 0 to ${count}`,
      );
    }
    this.setDeploymentRevision(newRevision);
    if (hasProgressDeadline(d)) {
      setCondition(
        d.status!,
        this.condition(
          "Progressing",
          "True",
          "NewReplicaSetCreated",
          `Created new replica set "${newRS.metadata.name}"`,
        ),
      );
    }
    this.rsList.push(newRS);
    this.all = { newRS, oldRSs };
    return this.all;
  }
  synced = false;

  setNewReplicaSetAnnotations(rs: ReplicaSet, newRevision: string, exists: boolean): boolean {
    const d = this.d;
    const ann = rs.metadata.annotations ??= {};
    let changed = false;
    for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) {
      if (SKIPPED_ANNOTATIONS.has(k) || ann[k] === v) continue;
      ann[k] = v;
      changed = true;
    }
    const oldRevision = ann[REVISION];
    const oldInt = oldRevision === undefined ? 0 : Number(oldRevision);
    if (!Number.isInteger(oldInt)) return false;
    if (oldInt < Number(newRevision)) {
      ann[REVISION] = newRevision;
      changed = true;
      if (oldRevision !== undefined && oldRevision !== "") {
        const hist = ann[REVISION_HISTORY];
        let list = hist ? hist.split(",") : [];
        list.push(oldRevision);
        while (list.join(",").length > MAX_REV_HISTORY_CHARS && list.length > 1) {
          list = list.slice(1);
        }
        ann[REVISION_HISTORY] = list.join(",");
      }
    }
    if (!exists && this.setReplicasAnnotations(rs)) changed = true;
    return changed;
  }

  setReplicasAnnotations(rs: ReplicaSet): boolean {
    const ann = rs.metadata.annotations ??= {};
    const desired = String(this.replicas);
    const max = String(this.replicas + maxSurge(this.d));
    if (ann[DESIRED_REPLICAS] === desired && ann[MAX_REPLICAS] === max) return false;
    ann[DESIRED_REPLICAS] = desired;
    ann[MAX_REPLICAS] = max;
    return true;
  }

  setDeploymentRevision(revision: string): void {
    const current = this.annotations?.[REVISION] ?? this.d.metadata.annotations?.[REVISION];
    if (current === revision) return;
    this.annotations = { ...(this.annotations ?? {}), [REVISION]: revision };
  }

  newRSNewReplicas(allRSs: readonly ReplicaSet[], newRS: ReplicaSet): number {
    const d = this.d;
    if (d.spec.strategy?.type === "Recreate") return this.replicas;
    const current = specSum(allRSs);
    const maxTotal = this.replicas + maxSurge(d);
    const newReplicas = newRS.spec.replicas ?? 0;
    if (current >= maxTotal) return newReplicas;
    const up = Math.min(maxTotal - current, this.replicas - newReplicas);
    return newReplicas + up;
  }

  // ---- scaling ----
  isScalingEvent(): boolean {
    const { newRS, oldRSs } = this.getAll(false);
    for (const rs of withNew(oldRSs, newRS).filter(isActive)) {
      const desired = intAnnotation(rs, DESIRED_REPLICAS);
      if (desired !== undefined && desired !== this.replicas) return true;
    }
    return false;
  }

  sync(): void {
    const { newRS, oldRSs } = this.getAll(false);
    this.scale(newRS, oldRSs);
    if (this.d.spec.paused) this.cleanup(oldRSs);
    this.syncStatus(withNew(oldRSs, newRS), newRS);
  }

  scale(newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): void {
    const d = this.d;
    const activeOrLatest = findActiveOrLatest(newRS, oldRSs);
    if (activeOrLatest) {
      if ((activeOrLatest.spec.replicas ?? 0) !== this.replicas) {
        this.scaleRS(activeOrLatest, this.replicas);
      }
      return;
    }
    if (newRS && isSaturated(newRS, this.replicas)) {
      for (const old of oldRSs.filter(isActive)) this.scaleRS(old, 0);
      return;
    }
    if (d.spec.strategy?.type === "Recreate") return;
    const allRSs = withNew(oldRSs, newRS).filter(isActive);
    const allowed = this.replicas > 0 ? this.replicas + maxSurge(d) : 0;
    const toAdd = allowed - specSum(allRSs);
    if (toAdd > 0) allRSs.sort(bySizeNewer);
    else if (toAdd < 0) allRSs.sort(bySizeOlder);
    let added = 0;
    const sizes = new Map<ReplicaSet, number>();
    for (const rs of allRSs) {
      if (toAdd !== 0) {
        const p = this.proportion(rs, toAdd, added);
        sizes.set(rs, (rs.spec.replicas ?? 0) + p);
        added += p;
      } else sizes.set(rs, rs.spec.replicas ?? 0);
    }
    if (toAdd !== 0 && allRSs.length > 0) {
      const first = allRSs[0]!;
      sizes.set(first, Math.max(0, (sizes.get(first) ?? 0) + toAdd - added));
    }
    for (const rs of allRSs) this.scaleRS(rs, sizes.get(rs) ?? 0);
  }

  proportion(rs: ReplicaSet, toAdd: number, added: number): number {
    const r = rs.spec.replicas ?? 0;
    if (r === 0 || toAdd === 0 || toAdd === added) return 0;
    let fraction: number;
    if (this.replicas === 0) fraction = -r;
    else {
      const deploymentReplicas = this.replicas + maxSurge(this.d);
      const annotated = intAnnotation(rs, MAX_REPLICAS) ?? (this.d.status?.replicas ?? 0);
      fraction = annotated === 0 ? 0 : roundHalfAway((r * deploymentReplicas) / annotated) - r;
    }
    const allowed = toAdd - added;
    return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
  }

  scaleRS(rs: ReplicaSet, newScale: number): void {
    const old = rs.spec.replicas ?? 0;
    const sizeChanged = old !== newScale;
    const annChanged = this.setReplicasAnnotations(rs);
    if (!sizeChanged && !annChanged) return;
    rs.spec.replicas = newScale;
    this.updateRS(rs);
    if (sizeChanged) {
      this.event(
        "Normal",
        "ScalingReplicaSet",
        `Scaled ${
          old < newScale ? "up" : "down"
        } replica set ${rs.metadata.name} from ${old} to ${newScale}`,
      );
    }
  }

  updateRS(rs: ReplicaSet): void {
    if (this.updated.has(rs)) return;
    if (this.actions.some((a) => a.type === "createReplicaSet" && a.replicaSet === rs)) return;
    this.updated.add(rs);
    this.actions.push({ type: "updateReplicaSet", replicaSet: rs });
  }

  // ---- strategies ----
  rolloutRolling(): void {
    const { newRS, oldRSs } = this.getAll(true);
    const allRSs = withNew(oldRSs, newRS);
    if (this.reconcileNewRS(allRSs, newRS!) || this.reconcileOldRSs(allRSs, oldRSs, newRS!)) {
      this.syncRolloutStatus(allRSs, newRS);
      return;
    }
    if (deploymentComplete(this.d, this.d.status ?? {}, this.replicas)) this.cleanup(oldRSs);
    this.syncRolloutStatus(allRSs, newRS);
  }

  reconcileNewRS(allRSs: readonly ReplicaSet[], newRS: ReplicaSet): boolean {
    const r = newRS.spec.replicas ?? 0;
    if (r === this.replicas) return false;
    if (r > this.replicas) {
      this.scaleRS(newRS, this.replicas);
      return true;
    }
    const n = this.newRSNewReplicas(allRSs, newRS);
    if (n === r) return false;
    this.scaleRS(newRS, n);
    return true;
  }

  reconcileOldRSs(
    allRSs: readonly ReplicaSet[],
    oldRSs0: readonly ReplicaSet[],
    newRS: ReplicaSet,
  ): boolean {
    const oldRSs = oldRSs0.filter(isActive).sort(byCreation);
    if (specSum(oldRSs) === 0) return false;
    const minAvailable = this.replicas - maxUnavailable(this.d);
    const newUnavailable = (newRS.spec.replicas ?? 0) - (newRS.status?.availableReplicas ?? 0);
    const maxScaledDown = specSum(allRSs) - minAvailable - newUnavailable;
    if (maxScaledDown <= 0) return false;
    let cleaned = 0;
    for (const rs of oldRSs) {
      if (cleaned >= maxScaledDown) break;
      const r = rs.spec.replicas ?? 0;
      const avail = rs.status?.availableReplicas ?? 0;
      if (r === 0 || r === avail) continue;
      const down = Math.min(maxScaledDown - cleaned, r - avail);
      this.scaleRS(rs, r - down);
      cleaned += down;
    }
    // scaleDownOldReplicaSetsForRollingUpdate
    const available = allRSs.reduce((n, rs) => n + (rs.status?.availableReplicas ?? 0), 0);
    let scaled = 0;
    if (available > minAvailable) {
      const total = available - minAvailable;
      for (const rs of oldRSs) {
        if (scaled >= total) break;
        const r = rs.spec.replicas ?? 0;
        if (r === 0) continue;
        const down = Math.min(r, total - scaled);
        this.scaleRS(rs, r - down);
        scaled += down;
      }
    }
    return cleaned + scaled > 0;
  }

  rolloutRecreate(): void {
    let { newRS, oldRSs } = this.getAll(false);
    let allRSs = withNew(oldRSs, newRS);
    let scaledDown = false;
    for (const rs of oldRSs.filter(isActive)) {
      this.scaleRS(rs, 0);
      scaledDown = true;
    }
    if (scaledDown || this.oldPodsRunning(newRS, oldRSs)) {
      this.syncRolloutStatus(allRSs, newRS);
      return;
    }
    if (!newRS) {
      ({ newRS, oldRSs } = this.getAll(true));
      allRSs = withNew(oldRSs, newRS);
    }
    this.scaleRS(newRS!, this.replicas);
    if (deploymentComplete(this.d, this.d.status ?? {}, this.replicas)) this.cleanup(oldRSs);
    this.syncRolloutStatus(allRSs, newRS);
  }

  oldPodsRunning(newRS: ReplicaSet | undefined, oldRSs: readonly ReplicaSet[]): boolean {
    if (oldRSs.reduce((n, rs) => n + (rs.status?.replicas ?? 0), 0) > 0) return true;
    const oldUids = new Set(oldRSs.map((rs) => rs.metadata.uid).filter((u) => u !== undefined));
    return this.pods.some((p) => {
      const ref = controllerRef(p.metadata);
      if (!ref || !oldUids.has(ref.uid) || ref.uid === newRS?.metadata.uid) return false;
      if (
        p.metadata.namespace !== undefined && p.metadata.namespace !== this.d.metadata.namespace
      ) return false;
      const phase = p.status?.phase;
      return phase !== "Failed" && phase !== "Succeeded";
    });
  }

  cleanup(oldRSs: readonly ReplicaSet[]): void {
    const limit = this.d.spec.revisionHistoryLimit;
    if (limit === undefined || limit === MAX_INT32) return;
    const cleanable = oldRSs.filter((rs) => rs.metadata.deletionTimestamp === undefined);
    const diff = cleanable.length - limit;
    if (diff <= 0) return;
    cleanable.sort((a, b) => revisionOf(a) - revisionOf(b) || byCreation(a, b));
    for (const rs of cleanable.slice(0, diff)) {
      if ((rs.status?.replicas ?? 0) !== 0 || (rs.spec.replicas ?? 0) !== 0) continue;
      if ((rs.metadata.generation ?? 0) > (rs.status?.observedGeneration ?? 0)) continue;
      this.actions.push({
        type: "deleteReplicaSet",
        name: rs.metadata.name ?? "",
        uid: rs.metadata.uid ?? "",
      });
    }
  }

  // ---- status ----
  checkPausedConditions(): void {
    const d = this.d;
    if (!hasProgressDeadline(d)) return;
    const cond = getCondition(d.status, "Progressing");
    if (cond?.reason === "ProgressDeadlineExceeded") return;
    const pausedExists = cond?.reason === "DeploymentPaused";
    if (d.spec.paused && !pausedExists) {
      setCondition(
        d.status!,
        this.condition("Progressing", "Unknown", "DeploymentPaused", "Deployment is paused"),
      );
    } else if (!d.spec.paused && pausedExists) {
      setCondition(
        d.status!,
        this.condition("Progressing", "Unknown", "DeploymentResumed", "Deployment is resumed"),
      );
    }
  }

  calculateStatus(allRSs: readonly ReplicaSet[], newRS: ReplicaSet | undefined): DeploymentStatus {
    const d = this.d;
    const available = allRSs.reduce((n, rs) => n + (rs.status?.availableReplicas ?? 0), 0);
    const total = allRSs.reduce((n, rs) => n + (rs.status?.replicas ?? 0), 0);
    const unavailable = Math.max(0, specSum(allRSs) - available);
    const status: DeploymentStatus = {
      observedGeneration: d.metadata.generation ?? 0,
      replicas: total,
      updatedReplicas: newRS?.status?.replicas ?? 0,
      readyReplicas: allRSs.reduce((n, rs) => n + (rs.status?.readyReplicas ?? 0), 0),
      availableReplicas: available,
      unavailableReplicas: unavailable,
      conditions: clone(d.status?.conditions ?? []),
    };
    if (d.status?.collisionCount !== undefined) status.collisionCount = d.status.collisionCount;
    if (available >= this.replicas - maxUnavailable(d)) {
      setCondition(
        status,
        this.condition(
          "Available",
          "True",
          "MinimumReplicasAvailable",
          "Deployment has minimum availability.",
        ),
      );
    } else {
      setCondition(
        status,
        this.condition(
          "Available",
          "False",
          "MinimumReplicasUnavailable",
          "Deployment does not have minimum availability.",
        ),
      );
    }
    return status;
  }

  syncStatus(allRSs: readonly ReplicaSet[], newRS: ReplicaSet | undefined): void {
    this.writeStatus(this.calculateStatus(allRSs, newRS));
  }

  syncRolloutStatus(allRSs: readonly ReplicaSet[], newRS: ReplicaSet | undefined): void {
    const d = this.d;
    const s = this.calculateStatus(allRSs, newRS);
    if (!hasProgressDeadline(d)) {
      s.conditions = (s.conditions ?? []).filter((c) => c.type !== "Progressing");
    }
    const current = getCondition(d.status, "Progressing");
    const complete = s.replicas === s.updatedReplicas &&
      current?.reason === "NewReplicaSetAvailable";
    if (hasProgressDeadline(d) && !complete) {
      const rsName = newRS?.metadata.name;
      if (deploymentComplete(d, s, this.replicas)) {
        const msg = rsName
          ? `ReplicaSet "${rsName}" has successfully progressed.`
          : `Deployment "${d.metadata.name}" has successfully progressed.`;
        setCondition(s, this.condition("Progressing", "True", "NewReplicaSetAvailable", msg));
      } else if (deploymentProgressing(d.status ?? {}, s)) {
        const msg = rsName
          ? `ReplicaSet "${rsName}" is progressing.`
          : `Deployment "${d.metadata.name}" is progressing.`;
        const c = this.condition("Progressing", "True", "ReplicaSetUpdated", msg);
        const cur = getCondition(s, "Progressing");
        if (cur) {
          if (cur.status === "True" && cur.lastTransitionTime) {
            c.lastTransitionTime = cur.lastTransitionTime;
          }
          s.conditions = (s.conditions ?? []).filter((x) => x.type !== "Progressing");
        }
        setCondition(s, c);
      } else if (this.timedOut(s)) {
        const msg = rsName
          ? `ReplicaSet "${rsName}" has timed out progressing.`
          : `Deployment "${d.metadata.name}" has timed out progressing.`;
        setCondition(s, this.condition("Progressing", "False", "ProgressDeadlineExceeded", msg));
      }
    }
    this.writeStatus(s);
  }

  timedOut(s: DeploymentStatus): boolean {
    const c = getCondition(s, "Progressing");
    if (!c || c.reason === "NewReplicaSetAvailable") return false;
    if (c.reason === "ProgressDeadlineExceeded") return true;
    const from = timeOf(c.lastUpdateTime);
    if (from === undefined) return false;
    return from + (this.d.spec.progressDeadlineSeconds ?? 0) * 1000 < this.now.getTime();
  }

  writeStatus(s: DeploymentStatus): void {
    if (JSON.stringify(normStatus(s)) === JSON.stringify(normStatus(this.orig.status))) return;
    this.actions.push({ type: "updateStatus", status: omitZeros(s) });
  }

  condition(type: string, status: string, reason: string, message: string): Condition {
    const t = rfc3339(this.now);
    return { type, status, lastUpdateTime: t, lastTransitionTime: t, reason, message };
  }

  event(eventType: "Normal" | "Warning", reason: string, message: string): void {
    this.actions.push({ type: "event", eventType, reason, message });
  }
}

// ---- helpers (deploymentutil) ----

function hasSelector(sel: unknown): boolean {
  if (!isRecord(sel)) return false;
  const ml = isRecord(sel.matchLabels) ? Object.keys(sel.matchLabels).length : 0;
  const me = Array.isArray(sel.matchExpressions) ? sel.matchExpressions.length : 0;
  return ml + me > 0;
}

function hasProgressDeadline(d: Deployment): boolean {
  const p = d.spec.progressDeadlineSeconds;
  return p !== undefined && p !== MAX_INT32;
}

function getCondition(s: DeploymentStatus | undefined, type: string): Condition | undefined {
  return (s?.conditions ?? []).find((c) => c.type === type);
}

/** Upstream `SetDeploymentCondition`: same status and reason keeps the old one. */
function setCondition(s: DeploymentStatus, c: Condition): void {
  const cur = getCondition(s, c.type);
  if (cur && cur.status === c.status && cur.reason === c.reason) return;
  if (cur && cur.status === c.status && cur.lastTransitionTime) {
    c.lastTransitionTime = cur.lastTransitionTime;
  }
  s.conditions = [...(s.conditions ?? []).filter((x) => x.type !== c.type), c];
}

function deploymentComplete(d: Deployment, s: DeploymentStatus, replicas: number): boolean {
  return s.updatedReplicas === replicas && s.replicas === replicas &&
    s.availableReplicas === replicas && (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0);
}

function deploymentProgressing(old: DeploymentStatus, s: DeploymentStatus): boolean {
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const newOld = (s.replicas ?? 0) - (s.updatedReplicas ?? 0);
  return (s.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) || newOld < oldOld ||
    (s.readyReplicas ?? 0) > (old.readyReplicas ?? 0) ||
    (s.availableReplicas ?? 0) > (old.availableReplicas ?? 0);
}

function normStatus(s: DeploymentStatus | undefined): unknown {
  return {
    observedGeneration: s?.observedGeneration ?? 0,
    replicas: s?.replicas ?? 0,
    updatedReplicas: s?.updatedReplicas ?? 0,
    readyReplicas: s?.readyReplicas ?? 0,
    availableReplicas: s?.availableReplicas ?? 0,
    unavailableReplicas: s?.unavailableReplicas ?? 0,
    collisionCount: s?.collisionCount,
    conditions: s?.conditions ?? [],
  };
}

/** Drops the zero counts, as the API's `omitempty` fields read back. */
function omitZeros(s: DeploymentStatus): DeploymentStatus {
  const out: DeploymentStatus = {};
  for (const [k, v] of Object.entries(s) as [keyof DeploymentStatus, unknown][]) {
    if (v === 0 || v === undefined) continue;
    if (Array.isArray(v) && v.length === 0) continue;
    (out as Record<string, unknown>)[k] = v;
  }
  return out;
}

function withNew(oldRSs: readonly ReplicaSet[], newRS: ReplicaSet | undefined): ReplicaSet[] {
  return newRS ? [...oldRSs, newRS] : [...oldRSs];
}

function isActive(rs: ReplicaSet): boolean {
  return (rs.spec.replicas ?? 0) > 0;
}

function specSum(rss: readonly ReplicaSet[]): number {
  return rss.reduce((n, rs) => n + (rs.spec.replicas ?? 0), 0);
}

function revisionOf(rs: ReplicaSet): number {
  const n = Number(rs.metadata.annotations?.[REVISION] ?? "0");
  return Number.isInteger(n) ? n : 0;
}

function intAnnotation(rs: ReplicaSet, key: string): number | undefined {
  const v = rs.metadata.annotations?.[key];
  if (v === undefined || !/^-?\d+$/.test(v)) return undefined;
  return Number(v);
}

function byCreation(a: ReplicaSet, b: ReplicaSet): number {
  const ta = timeOf(a.metadata.creationTimestamp) ?? Infinity;
  const tb = timeOf(b.metadata.creationTimestamp) ?? Infinity;
  if (ta !== tb) return ta - tb;
  const na = a.metadata.name ?? "", nb = b.metadata.name ?? "";
  return na < nb ? -1 : na > nb ? 1 : 0;
}

/** Larger first; equal size: newer first (upstream `ReplicaSetsBySizeNewer`). */
function bySizeNewer(a: ReplicaSet, b: ReplicaSet): number {
  const d = (b.spec.replicas ?? 0) - (a.spec.replicas ?? 0);
  return d !== 0 ? d : byCreation(b, a);
}

/** Larger first; equal size: older first (upstream `ReplicaSetsBySizeOlder`). */
function bySizeOlder(a: ReplicaSet, b: ReplicaSet): number {
  const d = (b.spec.replicas ?? 0) - (a.spec.replicas ?? 0);
  return d !== 0 ? d : byCreation(a, b);
}

function findActiveOrLatest(
  newRS: ReplicaSet | undefined,
  oldRSs: readonly ReplicaSet[],
): ReplicaSet | undefined {
  if (!newRS && oldRSs.length === 0) return undefined;
  const newestFirst = [...oldRSs].sort((a, b) => byCreation(b, a));
  const active = withNew(newestFirst, newRS).filter(isActive);
  if (active.length === 0) return newRS ?? newestFirst[0];
  if (active.length === 1) return active[0];
  return undefined;
}

function isSaturated(rs: ReplicaSet, replicas: number): boolean {
  return intAnnotation(rs, DESIRED_REPLICAS) === replicas &&
    (rs.status?.availableReplicas ?? 0) === replicas && (rs.spec.replicas ?? 0) === replicas;
}

function roundHalfAway(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

/**
 * Whether two pod templates are equal once the `pod-template-hash` label is removed from both,
 * compared semantically (null, `{}` and `[]` equal to absent), as upstream `EqualIgnoreHash`.
 *
 * @example
 * ```ts
 * import { equalIgnoreHash } from "./deployment_reconcile.ts";
 * import assert from "node:assert/strict";
 * assert.ok(equalIgnoreHash(
 *   { metadata: { labels: { app: "a", "pod-template-hash": "x" } }, spec: { c: 1 } },
 *   { metadata: { creationTimestamp: null, labels: { app: "a" } }, spec: { c: 1, d: {} } },
 * ));
 * ```
 */
export function equalIgnoreHash(a: unknown, b: unknown): boolean {
  const strip = (t: unknown) => {
    const c = clone(isRecord(t) ? t : {}) as Record<string, unknown>;
    const meta = isRecord(c.metadata) ? c.metadata : undefined;
    if (meta && isRecord(meta.labels)) {
      delete meta.labels[POD_TEMPLATE_HASH];
      if (Object.keys(meta.labels).length === 0) delete meta.labels;
    }
    return semanticJson(c) ?? "";
  };
  return strip(a) === strip(b);
}
