/**
 * `LeaderElector`: client-go's `leaderelection` over a `coordination.k8s.io/v1` Lease, so that of
 * several processes running the same component (kube-scheduler, kube-controller-manager) only
 * one is active. The holder renews the Lease every `retryPeriod`; a candidate takes the Lease
 * over once its record has not changed for `leaseDuration` (measured on the candidate's own
 * clock from when it first saw that record, as client-go does, so clocks need not agree); a
 * holder that cannot renew within `renewDeadline` stops leading. Stopping a leader releases the
 * Lease (client-go's `ReleaseOnCancel`, as kube-scheduler sets it), so another process takes
 * over at once.
 *
 * Defaults are kube-scheduler's and kube-controller-manager's: lease 15 s, renew deadline 10 s,
 * retry period 2 s, Lease in `kube-system`.
 *
 * Source: k8s.io/client-go/tools/leaderelection/leaderelection.go (`tryAcquireOrRenew`,
 * `acquire`, `renew`, `release`) and resourcelock/leaselock.go.
 *
 * @module
 */
import { isConflict, isNotFound } from "./client_errors.ts";
import type { KubeClient } from "./kube_client.ts";
import type { KubeObject } from "../store/kube_object.ts";

/** Timing and naming of a leader election (seconds, as the component configs give them). */
export interface LeaderElectionConfig {
  /** Lease name, e.g. `kube-scheduler`. */
  name: string;
  /** Lease namespace (default `kube-system`). */
  namespace?: string;
  /** This candidate's identity (client-go: `<hostname>_<uuid>`). */
  identity: string;
  /** How long a non-renewed Lease keeps others away (default 15). */
  leaseDurationSeconds?: number;
  /** How long the leader keeps trying to renew before it stops leading (default 10). */
  renewDeadlineSeconds?: number;
  /** Time between tries (default 2; tries while not leading are jittered by up to 1.2×). */
  retryPeriodSeconds?: number;
  /** Log lines (default: none). */
  log?: (line: string) => void;
  /** Random numbers in [0, 1) for the jitter (default `Math.random`). */
  random?: () => number;
}

/** What to run while leading. */
export interface LeaderCallbacks {
  /** Called on becoming leader; start the component (awaited). */
  onStartedLeading(): Promise<void>;
  /** Called on losing leadership or on stop; stop the component (awaited). */
  onStoppedLeading(): Promise<void>;
}

/** The `spec` of a Lease as the election reads and writes it. */
interface LeaseRecord {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

interface Lease extends KubeObject {
  spec?: LeaseRecord;
}

/** A `MicroTime`: RFC 3339 with microseconds. */
function microTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}

/**
 * Runs one leader election. `start()` campaigns in the background and calls the callbacks;
 * `stop()` ends it (stopping the component and releasing the Lease when leading).
 *
 * @example
 * ```ts ignore
 * import { LeaderElector } from "./leader_election.ts";
 * const elector = new LeaderElector(kube, { name: "kube-scheduler", identity: "host_1" });
 * elector.start({ onStartedLeading: () => scheduler.start(), onStoppedLeading: () => scheduler.stop() });
 * await elector.stop();
 * ```
 */
export class LeaderElector {
  readonly #kube: KubeClient;
  readonly #name: string;
  readonly #namespace: string;
  readonly #identity: string;
  readonly #leaseMs: number;
  readonly #renewMs: number;
  readonly #retryMs: number;
  readonly #log: (line: string) => void;
  readonly #random: () => number;
  readonly #stop = new AbortController();
  #observed = "";
  #observedAt = 0;
  #leading = false;
  #loop: Promise<void> | undefined;
  /** Times this candidate became leader. */
  acquisitions = 0;

  /** Creates the elector (no request is made). */
  constructor(kube: KubeClient, cfg: LeaderElectionConfig) {
    this.#kube = kube;
    this.#name = cfg.name;
    this.#namespace = cfg.namespace ?? "kube-system";
    this.#identity = cfg.identity;
    this.#leaseMs = (cfg.leaseDurationSeconds ?? 15) * 1000;
    this.#renewMs = (cfg.renewDeadlineSeconds ?? 10) * 1000;
    this.#retryMs = (cfg.retryPeriodSeconds ?? 2) * 1000;
    this.#log = cfg.log ?? (() => {});
    this.#random = cfg.random ?? Math.random;
    if (!(this.#leaseMs > this.#renewMs)) {
      throw new RangeError(
        `leaseDuration (${this.#leaseMs / 1000}s) must be greater than renewDeadline (${
          this.#renewMs / 1000
        }s)`,
      );
    }
    if (!(this.#renewMs > this.#retryMs * 1.2)) {
      throw new RangeError(
        `renewDeadline (${this.#renewMs / 1000}s) must be greater than retryPeriod*1.2 (${
          this.#retryMs * 1.2 / 1000
        }s)`,
      );
    }
  }

  /** Whether this candidate leads now. */
  get isLeader(): boolean {
    return this.#leading;
  }

  /** This candidate's identity. */
  get identity(): string {
    return this.#identity;
  }

  /** The Lease's name. */
  get name(): string {
    return this.#name;
  }

  /** Starts campaigning in the background. */
  start(callbacks: LeaderCallbacks): void {
    this.#loop ??= this.#run(callbacks);
  }

  /** Stops campaigning; a leader stops its component and releases the Lease. */
  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#loop;
  }

  #sleep(ms: number): Promise<void> {
    const signal = this.#stop.signal;
    if (signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        signal.removeEventListener("abort", done);
        resolve();
      }
      signal.addEventListener("abort", done, { once: true });
    });
  }

  async #run(cb: LeaderCallbacks): Promise<void> {
    const stopped = () => this.#stop.signal.aborted;
    while (!stopped()) {
      // acquire: retry every retryPeriod, jittered (wait.JitterUntil with factor 1.2).
      while (!stopped() && !(await this.#tryAcquireOrRenew())) {
        await this.#sleep(this.#retryMs * (1 + this.#random() * 1.2));
      }
      if (stopped()) break;
      this.#leading = true;
      this.acquisitions++;
      this.#log(`leader election: ${this.#identity} acquired lease ${this.#lease()}`);
      try {
        await cb.onStartedLeading();
      } catch (e) {
        // The component could not start: give the Lease up (another candidate may do better)
        // and try again after a retry period.
        this.#log(
          `leader election: starting under lease ${this.#lease()} failed: ${
            e instanceof Error ? e.message : e
          }`,
        );
        this.#leading = false;
        await this.#stopped(cb);
        await this.#release();
        await this.#sleep(this.#retryMs);
        continue;
      }
      // renew: every retryPeriod; give up when no renewal succeeded within renewDeadline.
      let lastRenew = Date.now();
      while (!stopped()) {
        await this.#sleep(this.#retryMs);
        if (stopped()) break;
        if (await this.#tryAcquireOrRenew()) {
          lastRenew = Date.now();
        } else if (Date.now() - lastRenew >= this.#renewMs) {
          this.#log(`leader election: ${this.#identity} lost lease ${this.#lease()}`);
          break;
        }
      }
      this.#leading = false;
      await this.#stopped(cb);
      if (stopped()) await this.#release();
    }
  }

  /** Calls `onStoppedLeading`, logging (not throwing) its failure. */
  async #stopped(cb: LeaderCallbacks): Promise<void> {
    try {
      await cb.onStoppedLeading();
    } catch (e) {
      this.#log(`leader election: stopping failed: ${e instanceof Error ? e.message : e}`);
    }
  }

  #lease(): string {
    return `${this.#namespace}/${this.#name}`;
  }

  /** client-go's `tryAcquireOrRenew`: true when this candidate holds the Lease afterwards. */
  async #tryAcquireOrRenew(): Promise<boolean> {
    const now = new Date();
    const desired: LeaseRecord = {
      holderIdentity: this.#identity,
      leaseDurationSeconds: this.#leaseMs / 1000,
      acquireTime: microTime(now),
      renewTime: microTime(now),
      leaseTransitions: 0,
    };
    let lease: Lease;
    try {
      lease = await this.#kube.get<Lease>(
        "coordination.k8s.io/v1/leases",
        this.#namespace,
        this.#name,
      );
    } catch (e) {
      if (!isNotFound(e)) {
        this.#log(
          `leader election: reading lease ${this.#lease()}: ${e instanceof Error ? e.message : e}`,
        );
        return false;
      }
      try {
        await this.#kube.create("coordination.k8s.io/v1/leases", {
          apiVersion: "coordination.k8s.io/v1",
          kind: "Lease",
          metadata: { name: this.#name, namespace: this.#namespace },
          spec: desired,
        }, { namespace: this.#namespace });
      } catch (err) {
        this.#log(
          `leader election: creating lease ${this.#lease()}: ${
            err instanceof Error ? err.message : err
          }`,
        );
        return false;
      }
      this.#observe(desired, now.getTime());
      return true;
    }
    const old = lease.spec ?? {};
    const text = JSON.stringify(old);
    if (text !== this.#observed) this.#observe(old, now.getTime());
    const holder = old.holderIdentity ?? "";
    const duration = (old.leaseDurationSeconds ?? 0) * 1000;
    if (holder !== "" && holder !== this.#identity && this.#observedAt + duration > now.getTime()) {
      return false; // held by another candidate and not expired
    }
    if (holder === this.#identity) {
      if (old.acquireTime !== undefined) desired.acquireTime = old.acquireTime;
      desired.leaseTransitions = old.leaseTransitions ?? 0;
    } else {
      desired.leaseTransitions = (old.leaseTransitions ?? 0) + 1;
    }
    try {
      await this.#kube.update("coordination.k8s.io/v1/leases", { ...lease, spec: desired });
    } catch (e) {
      if (!isConflict(e)) {
        this.#log(
          `leader election: updating lease ${this.#lease()}: ${e instanceof Error ? e.message : e}`,
        );
      }
      return false;
    }
    this.#observe(desired, now.getTime());
    return true;
  }

  #observe(record: LeaseRecord, at: number): void {
    this.#observed = JSON.stringify(record);
    this.#observedAt = at;
  }

  /** client-go's `release`: an empty holder with a 1 s lease, if this candidate still holds it. */
  async #release(): Promise<void> {
    try {
      const lease = await this.#kube.get<Lease>(
        "coordination.k8s.io/v1/leases",
        this.#namespace,
        this.#name,
      );
      if (lease.spec?.holderIdentity !== this.#identity) return;
      const now = microTime(new Date());
      await this.#kube.update("coordination.k8s.io/v1/leases", {
        ...lease,
        spec: {
          leaseDurationSeconds: 1,
          acquireTime: now,
          renewTime: now,
          leaseTransitions: lease.spec.leaseTransitions ?? 0,
        },
      });
    } catch (e) {
      this.#log(
        `leader election: releasing lease ${this.#lease()}: ${e instanceof Error ? e.message : e}`,
      );
    }
  }
}

/** A component run under a Lease: `start` when leading, `stop` when not any more. */
export interface ElectedComponent {
  /** Starts the component (called on each acquisition). */
  start(): Promise<void>;
  /** Stops it (called on loss of the Lease and at the end). */
  stop(): Promise<void>;
}

/**
 * Runs `component` until `until` resolves: at once without `election`, else only while holding
 * the Lease `election` names (as kube-scheduler and kube-controller-manager run). With
 * election, the credentials are checked first (the namespace of the Lease is read), so a bad
 * kubeconfig fails at once instead of retrying forever.
 *
 * @example
 * ```ts ignore
 * await runElected(kube, { name: "kube-scheduler", identity: "host_1" }, {
 *   start: () => scheduler.start(),
 *   stop: () => scheduler.stop(),
 * }, signalled);
 * ```
 */
export async function runElected(
  kube: KubeClient,
  election: LeaderElectionConfig | undefined,
  component: ElectedComponent,
  until: Promise<unknown>,
): Promise<void> {
  if (!election) {
    await component.start();
    try {
      await until;
    } finally {
      await component.stop();
    }
    return;
  }
  await kube.get("namespaces", undefined, election.namespace ?? "kube-system");
  const elector = new LeaderElector(kube, election);
  elector.start({ onStartedLeading: component.start, onStoppedLeading: component.stop });
  try {
    await until;
  } finally {
    await elector.stop();
  }
}
