/**
 * {@linkcode ConfigObjects}: the ConfigMaps and Secrets the pods bound to this node refer to,
 * and the service account tokens their projected volumes need, kept by the node agent as the
 * kubelet's watch-based ConfigMap/Secret managers and its token manager keep them:
 *
 * - each referenced object is listed and watched on its own
 *   (`/api/v1/namespaces/NS/configmaps?fieldSelector=metadata.name=NAME`, the kubelet's
 *   per-object watch; the node authorizer lets a node read only objects its pods refer to), so
 *   a missing object is known to be missing and its creation arrives as an event;
 * - objects no pod refers to any more are dropped and their watches stopped;
 * - tokens come from the TokenRequest API
 *   (`POST /api/v1/namespaces/NS/serviceaccounts/NAME/token`, bound to the pod) and are
 *   requested again once 80 % of their lifetime has passed (or after 24 h), as the kubelet
 *   does.
 *
 * Every change calls `onChange`.
 *
 * @module
 */
import { isRecord } from "../../core/is_record.ts";
import type { ClusterSession } from "./cluster_session.ts";
import { SessionInformer } from "./session_informer.ts";
import { sleep } from "./_nudge.ts";
import type { ConfigKind } from "./pod_config_resolve.ts";

type Obj = Record<string, unknown>;

/** A key of a referenced object: `configmaps/NS/NAME` or `secrets/NS/NAME`. */
export function configObjectKey(kind: ConfigKind, namespace: string, name: string): string {
  return `${kind}/${namespace}/${name}`;
}

/** The path a node lists and watches one object through. */
export function configObjectPath(kind: ConfigKind, namespace: string, name: string): string {
  return `/api/v1/namespaces/${namespace}/${kind}?fieldSelector=${
    encodeURIComponent(`metadata.name=${name}`)
  }`;
}

interface Watched {
  informer: SessionInformer;
  ac?: AbortController;
}

interface Token {
  token: string;
  /** When to ask again, ms since the epoch. */
  refreshAt: number;
  /** When it expires. */
  expiresAt: number;
}

/** What a token is for. */
export interface TokenTarget {
  /** The pod's namespace. */
  namespace: string;
  /** The pod's name. */
  pod: string;
  /** The pod's uid (the token is bound to it). */
  uid: string;
  /** The service account. */
  serviceAccount: string;
  /** The audience (`""`: the API server's). */
  audience: string;
  /** Requested lifetime, seconds. */
  expirationSeconds: number;
}

function tokenKey(t: TokenTarget): string {
  return [t.namespace, t.uid, t.serviceAccount, t.audience, t.expirationSeconds].join("|");
}

/** The referenced ConfigMaps, Secrets and tokens (see the module doc). */
export class ConfigObjects {
  readonly #o: { log: (line: string) => void; onChange: () => void };
  readonly #watched = new Map<string, Watched>();
  readonly #tokens = new Map<string, Token>();
  readonly #tokenInFlight = new Set<string>();
  readonly #tokenFailedAt = new Map<string, number>();
  #session: ClusterSession | undefined;
  #signal: AbortSignal | undefined;

  /** Creates the cache (nothing is read until {@linkcode ConfigObjects.serve}). */
  constructor(o: { log: (line: string) => void; onChange: () => void }) {
    this.#o = o;
  }

  /**
   * Sets the objects wanted now (keys from {@linkcode configObjectKey}): new ones start
   * watching (when connected), others are dropped.
   */
  want(keys: ReadonlySet<string>): void {
    for (const [key, w] of this.#watched) {
      if (keys.has(key)) continue;
      w.ac?.abort();
      this.#watched.delete(key);
    }
    for (const key of keys) {
      if (this.#watched.has(key)) continue;
      const [kind, ns, name] = key.split("/") as [ConfigKind, string, string];
      const w: Watched = {
        informer: new SessionInformer(configObjectPath(kind, ns, name), {
          log: this.#o.log,
          onChange: this.#o.onChange,
        }),
      };
      this.#watched.set(key, w);
      this.#start(w);
    }
  }

  /** Drops the tokens of pods not in `uids`. */
  keepTokens(uids: ReadonlySet<string>): void {
    for (const key of this.#tokens.keys()) {
      if (!uids.has(key.split("|")[1]!)) this.#tokens.delete(key);
    }
  }

  /** The object; `null` when it does not exist; `undefined` when not (yet) known. */
  object(kind: ConfigKind, namespace: string, name: string): Obj | null | undefined {
    const w = this.#watched.get(configObjectKey(kind, namespace, name));
    if (!w?.informer.synced) return undefined;
    return w.informer.list()[0] ?? null;
  }

  /**
   * The token for `t`, or `undefined` while it is requested (the request starts here, once;
   * `onChange` is called when it arrives). A token due for refresh is returned while its
   * successor is requested.
   */
  token(t: TokenTarget): string | undefined {
    const key = tokenKey(t);
    const have = this.#tokens.get(key);
    const now = Date.now();
    if (have && now < have.refreshAt) return have.token;
    const failed = this.#tokenFailedAt.get(key);
    if (
      this.#session && !this.#tokenInFlight.has(key) &&
      (failed === undefined || now - failed > 10_000)
    ) {
      this.#tokenInFlight.add(key);
      void this.#requestToken(this.#session, t, key).finally(() => this.#tokenInFlight.delete(key));
    }
    return have && now < have.expiresAt ? have.token : undefined;
  }

  /** The earliest time a held token wants a refresh (ms since the epoch), if any. */
  get nextRefresh(): number | undefined {
    let at: number | undefined;
    for (const t of this.#tokens.values()) {
      at = at === undefined ? t.refreshAt : Math.min(at, t.refreshAt);
    }
    return at;
  }

  async #requestToken(session: ClusterSession, t: TokenTarget, key: string): Promise<void> {
    const body = {
      apiVersion: "authentication.k8s.io/v1",
      kind: "TokenRequest",
      spec: {
        ...(t.audience ? { audiences: [t.audience] } : {}),
        expirationSeconds: t.expirationSeconds,
        boundObjectRef: { apiVersion: "v1", kind: "Pod", name: t.pod, uid: t.uid },
      },
    };
    try {
      const r = await session.request(
        "POST",
        `/api/v1/namespaces/${t.namespace}/serviceaccounts/${t.serviceAccount}/token`,
        body,
      );
      const status = isRecord(r.body) && isRecord(r.body.status) ? r.body.status : {};
      if ((r.status !== 200 && r.status !== 201) || typeof status.token !== "string") {
        const m = isRecord(r.body) && typeof r.body.message === "string" ? r.body.message : "";
        throw new Error(`HTTP ${r.status} ${m}`.trim());
      }
      const now = Date.now();
      const exp = typeof status.expirationTimestamp === "string"
        ? Date.parse(status.expirationTimestamp)
        : now + t.expirationSeconds * 1000;
      const ttl = Math.max(0, exp - now);
      this.#tokens.set(key, {
        token: status.token,
        expiresAt: exp,
        refreshAt: now + Math.min(ttl * 0.8, 24 * 3600 * 1000),
      });
      this.#tokenFailedAt.delete(key);
      this.#o.onChange();
    } catch (e) {
      this.#tokenFailedAt.set(key, Date.now());
      this.#o.log(
        `node agent: cannot get a token of service account ${t.namespace}/${t.serviceAccount} for pod ${t.pod}: ${
          e instanceof Error ? e.message : String(e)
        }`,
      );
    }
  }

  #start(w: Watched): void {
    const session = this.#session;
    const signal = this.#signal;
    if (!session || !signal || signal.aborted) return;
    const ac = new AbortController();
    w.ac = ac;
    const stop = () => ac.abort();
    signal.addEventListener("abort", stop, { once: true });
    void w.informer.run(session, ac.signal).finally(() =>
      signal.removeEventListener("abort", stop)
    );
  }

  /**
   * Watches the wanted objects over `session` until it closes or `signal` aborts (objects
   * wanted later start at once). Never throws.
   */
  async serve(session: ClusterSession, signal: AbortSignal): Promise<void> {
    const ac = new AbortController();
    const stop = () => ac.abort();
    signal.addEventListener("abort", stop, { once: true });
    void session.closed.then(stop);
    this.#session = session;
    this.#signal = ac.signal;
    for (const w of this.#watched.values()) this.#start(w);
    try {
      while (!ac.signal.aborted) {
        // Tokens due for refresh are asked for by the next resolution; wake it.
        const next = this.nextRefresh;
        await sleep(next === undefined ? 60_000 : Math.max(1000, next - Date.now()), ac.signal);
        if (next !== undefined && Date.now() >= next) this.#o.onChange();
      }
    } finally {
      signal.removeEventListener("abort", stop);
      if (this.#session === session) {
        this.#session = undefined;
        this.#signal = undefined;
      }
    }
  }
}
