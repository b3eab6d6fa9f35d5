/**
 * `ApiHandler`: the request handler of rks's Kubernetes API — authentication, version, health,
 * discovery, OpenAPI, and the REST verbs of every served resource over the store (with watch
 * through one shared {@linkcode WatchCache} per kind). Answers are what kube-apiserver 1.32
 * sends, so the real kubectl works against it.
 *
 * @module
 */
import {
  admitDefaultTolerations,
  type DefaultTolerationSettings,
} from "./default_toleration_seconds.ts";
import { isRecord } from "../../core/is_record.ts";
import {
  CompactedError,
  StoreTimeoutError,
  StoreUnavailableError,
  ValueTooLargeError,
} from "../store/errors.ts";
import type { KvStore } from "../store/kv_store.ts";
import { openapiV3Document, openapiV3Index } from "../api/openapi/mod.ts";
import { unknownFields } from "../api/validation.ts";
import { jsonTypeError } from "../api/json_type_error.ts";
import { goValueText } from "../api/_go_text.ts";
import { ApplyConflictError, serverSideApply } from "../api/server_side_apply.ts";
import { updateManagedFields } from "../api/managed_fields.ts";
import { applyPatch, PATCH_TYPES_ACCEPTED, PatchError, type PatchType } from "../api/patch.ts";
import { type ApiResource, apiVersionOf, findResource } from "../api/resources.ts";
import { parseFieldSelector } from "../api/field_selector.ts";
import { parseLabelSelector, SelectorError } from "../api/label_selector.ts";
import { toTable } from "../api/table/mod.ts";
import { PriorityAdmission, priorityClassResource } from "./priority_admission.ts";
import { ApiError } from "./api_error.ts";
import {
  aggregatedDiscovery,
  apiResourceList,
  discoveryContentType,
  legacyApiGroup,
  legacyApiGroupList,
  legacyApiVersions,
  negotiateDiscovery,
} from "./discovery.ts";
import { jsonResponse, mediaType, readBody, statusResponse, wantsTable } from "./http_io.ts";
import { Authenticator, selfSubjectReview, type UserInfo } from "./authenticator.ts";
import { selfSubjectAccessReview, selfSubjectRulesReview } from "./access_review.ts";
import { ServiceAccountAdmission } from "./service_account_admission.ts";
import type { TokenIssuer } from "./token_issuer.ts";
import { createTokenRequest } from "./token_request.ts";
import { GarbageCollector } from "./garbage_collector.ts";
import { cidrRange, SERVICE_CIDR, ServiceAllocator } from "./service_allocator.ts";
import { NamespaceLifecycle } from "./namespace_lifecycle.ts";
import { type NodeConnector, noNodeConnector } from "./node_connector.ts";
import { decodeProtobufObject, PROTOBUF_MEDIA_TYPE } from "./protobuf_body.ts";
import { podExecResponse, podLogResponse } from "./pod_proxy.ts";
import {
  OPENAPI_V2_PROTOBUF,
  openapiV2Json,
  openapiV2Protobuf,
  wantsOpenapiV2Protobuf,
} from "./openapi_v2.ts";
import { type ApiObject, decodeObject, objectKey, resourcePrefix } from "./object_codec.ts";
import { convertEvent } from "./event_conversion.ts";
import { parseRequestInfo, type ResourceRequest } from "./request_info.ts";
import { type DeleteQuery, type ListQuery, RestStorage } from "./rest_storage.ts";
import { serverVersion } from "./server_version.ts";
import { WatchCache } from "./watch_cache.ts";
import { LeaseManager } from "./lease_manager.ts";
import { watchResponse } from "./watch_stream.ts";
import { cloneJson } from "../api/clone_json.ts";

/** Options of {@linkcode ApiHandler}. */
export interface ApiHandlerOptions {
  /** The seconds of the tolerations the DefaultTolerationSeconds admission adds (300 each). */
  defaultTolerations?: DefaultTolerationSettings;
  /** The cluster store. */
  store: KvStore;
  /** The admin bearer token. */
  token: string;
  /** `host:port` clients reach the server at (legacy `/api` discovery). */
  serverAddress: string;
  /**
   * The address the `default/kubernetes` Endpoints name (kube-apiserver's
   * `--advertise-address`): what pods reach the API at through 10.96.0.1. Default: the listen
   * address when it is a specific IPv4 address, else 127.0.0.1.
   */
  advertiseAddress?: string;
  /** The clock (tests). */
  now?: () => Date;
  /** Called with one line for each unexpected server error (default `console.error`). */
  log?: (line: string) => void;
  /** Reaches nodes for `pods/log` and `pods/exec` (default: none, 503). */
  nodes?: NodeConnector;
  /**
   * How long Events are kept after their last write, seconds (kube-apiserver's `--event-ttl`,
   * default 3600; 0 keeps them until deleted).
   */
  eventTtlSeconds?: number;
  /** Service-account tokens: TokenRequest, authentication, OIDC discovery (default: none). */
  serviceAccounts?: ServiceAccountSettings;
}

/** How rks issues and checks service-account tokens. */
export interface ServiceAccountSettings {
  /** Signs and verifies tokens; its issuer is the API's audience. */
  issuer: TokenIssuer;
  /**
   * The ServiceAccount admission plugin adds the `kube-api-access-*` token volume to pods
   * (`--service-account-token-volume`; rks defaults it on, this interface to off).
   */
  mountToken?: boolean;
  /** `--service-account-extend-token-expiration` (default true). */
  extendExpiration?: boolean;
  /** How long a token's successful authentication is reused (default 10 s, as kube's cache). */
  tokenCacheTtlMs?: number;
}

/** kube-apiserver's `--event-ttl` default, seconds. */
export const DEFAULT_EVENT_TTL_SECONDS = 3600;

const publicPaths = new Set(["/healthz", "/livez", "/readyz", "/version"]);

function intParam(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === "") return undefined;
  if (!/^-?\d+$/.test(v)) throw ApiError.badRequest(`invalid ${name}: ${JSON.stringify(v)}`);
  return Number(v);
}

/** The API server's request handler. */
export class ApiHandler {
  readonly #store: KvStore;
  readonly #auth: Authenticator;
  readonly #serviceAccounts: ServiceAccountSettings | undefined;
  readonly #serverAddress: string;
  readonly #advertiseAddress: string | undefined;
  readonly #now: () => Date;
  readonly #log: (line: string) => void;
  readonly #nodes: NodeConnector;
  readonly #services: ServiceAllocator;
  readonly #storages = new Map<ApiResource, RestStorage>();
  readonly #caches = new Map<ApiResource, WatchCache>();
  readonly #closing = new AbortController();
  readonly #eventTtlSeconds: number;
  readonly #leases: LeaseManager;
  /** Namespace creation, deletion and bootstrap. */
  readonly namespaces: NamespaceLifecycle;
  /** Cascading deletion by owner references. */
  readonly gc: GarbageCollector;
  /** The Priority admission plugin and the system PriorityClasses. */
  readonly priority: PriorityAdmission;
  /** The ServiceAccount admission plugin. */
  readonly serviceAccountAdmission: ServiceAccountAdmission;

  /** Creates the handler; call {@linkcode ApiHandler.bootstrap} before serving. */
  constructor(opts: ApiHandlerOptions) {
    this.#store = opts.store;
    this.#serviceAccounts = opts.serviceAccounts;
    this.#serverAddress = opts.serverAddress;
    this.#advertiseAddress = opts.advertiseAddress;
    this.#now = opts.now ?? (() => new Date());
    this.#log = opts.log ?? ((l) => console.error(l));
    this.#nodes = opts.nodes ?? noNodeConnector;
    this.#services = new ServiceAllocator(this.#store);
    this.#eventTtlSeconds = opts.eventTtlSeconds ?? DEFAULT_EVENT_TTL_SECONDS;
    this.#leases = new LeaseManager(this.#store);
    this.namespaces = new NamespaceLifecycle(this.#store, (r) => this.storage(r));
    this.gc = new GarbageCollector((r) => this.storage(r), this.#log);
    this.priority = new PriorityAdmission(
      this.storage(priorityClassResource),
      this.watchCache(priorityClassResource),
    );
    this.#auth = new Authenticator({
      adminToken: opts.token,
      ...(opts.serviceAccounts ? { issuer: opts.serviceAccounts.issuer } : {}),
      objects: {
        serviceAccount: (ns, name) => this.#lookup("serviceaccounts", ns, name),
        pod: (ns, name) => this.#lookup("pods", ns, name),
        secret: (ns, name) => this.#lookup("secrets", ns, name),
        node: (name) => this.#lookup("nodes", undefined, name),
      },
      now: () => this.#now(),
      ...(opts.serviceAccounts?.tokenCacheTtlMs !== undefined
        ? { cacheTtlMs: opts.serviceAccounts.tokenCacheTtlMs }
        : {}),
    });
    this.serviceAccountAdmission = new ServiceAccountAdmission({
      serviceAccount: (ns, name) => this.#lookup("serviceaccounts", ns, name),
      mountToken: opts.serviceAccounts?.mountToken ?? false,
    });
    // Admission order as kube-apiserver's: ServiceAccount, Priority, DefaultTolerationSeconds.
    this.storage(findResource("", "v1", "pods")!).admission = async (obj, old) => {
      await this.serviceAccountAdmission.admitPod(obj, old);
      await this.priority.admitPod(obj, old);
      admitDefaultTolerations(obj, old, opts.defaultTolerations);
    };
    this.storage(priorityClassResource).admission = (obj, old) =>
      this.priority.admitPriorityClass(obj, old !== undefined);
  }

  /** The storage of one resource. */
  storage(r: ApiResource): RestStorage {
    let s = this.#storages.get(r);
    if (!s) {
      s = new RestStorage(
        this.#store,
        r,
        this.namespaces,
        (res, obj) => this.#removed(res, obj),
        (key) => this.#caches.get(r)?.peek(key),
      );
      if (r.resource === "events" && this.#eventTtlSeconds > 0) {
        s.ttl = { seconds: this.#eventTtlSeconds, leases: this.#leases };
      }
      this.#storages.set(r, s);
    }
    return s;
  }

  /** The shared watch of one resource kind (created on first use). */
  watchCache(r: ApiResource): WatchCache {
    let c = this.#caches.get(r);
    if (!c) {
      c = new WatchCache(this.#store, `/registry/${r.resource}/`, {
        decode: (kv) => convertEvent(decodeObject(kv), apiVersionOf(r)),
      });
      this.#caches.set(r, c);
    }
    return c;
  }

  /**
   * An object of a core-group resource, from its watch cache when the cache follows the store
   * and holds it (as kube-apiserver's admission and token authenticator read informers), else
   * from the store.
   */
  async #lookup(
    resource: string,
    ns: string | undefined,
    name: string,
  ): Promise<ApiObject | undefined> {
    const r = findResource("", "v1", resource)!;
    return this.#caches.get(r)?.peek(objectKey(r, ns, name)) ??
      await this.storage(r).find(ns, name);
  }

  /** Number of shared store watches open (one per watched kind). */
  get storeWatchCount(): number {
    return this.#caches.size;
  }

  #removed(r: ApiResource, obj: ApiObject): void {
    if (r.kind === "Namespace") return; // its objects went with it
    if (r.kind === "Service") {
      this.#services.release(obj).catch((e) =>
        this.#log(
          `rks: releasing the addresses of a service failed: ${e instanceof Error ? e.message : e}`,
        )
      );
    }
    const ns = r.namespaced && typeof obj.metadata.namespace === "string"
      ? obj.metadata.namespace
      : undefined;
    this.gc.collect(ns, String(obj.metadata.uid));
  }

  /** Creates the system namespaces and default service accounts. */
  async bootstrap(): Promise<void> {
    await this.namespaces.bootstrap();
    await this.#kubernetesService();
    await this.priority.bootstrap();
    // Pod admission and token authentication read service accounts from this cache.
    await this.watchCache(findResource("", "v1", "serviceaccounts")!).start();
  }

  /**
   * The `default/kubernetes` Service (10.96.0.1:443, the first address of the service range)
   * and its Endpoints and EndpointSlice pointing at this server, as kube-apiserver keeps them.
   */
  async #kubernetesService(): Promise<void> {
    const svcs = this.storage(findResource("", "v1", "services")!);
    const m = /^\[?([^\]]*)\]?:(\d+)$/.exec(this.#serverAddress);
    const host = this.#advertiseAddress ??
      (m?.[1] && /^\d+\.\d+\.\d+\.\d+$/.test(m[1]) ? m[1] : "127.0.0.1");
    const port = Number(m?.[2] ?? 6443);
    if (!(await svcs.find("default", "kubernetes"))) {
      const svc: ApiObject = {
        apiVersion: "v1",
        kind: "Service",
        metadata: {
          name: "kubernetes",
          namespace: "default",
          labels: { component: "apiserver", provider: "kubernetes" },
        },
        spec: {
          type: "ClusterIP",
          clusterIP: cidrRange(SERVICE_CIDR)[0],
          ports: [{ name: "https", port: 443, protocol: "TCP", targetPort: port }],
          sessionAffinity: "None",
        },
      };
      const release = await this.#services.allocate(svc);
      try {
        await svcs.create("default", svc);
      } catch (e) {
        await release();
        if (!(e instanceof ApiError && e.code === 409)) throw e;
      }
    }
    const eps = this.storage(findResource("", "v1", "endpoints")!);
    const subsets = [{
      addresses: [{ ip: host }],
      ports: [{ name: "https", port, protocol: "TCP" }],
    }];
    const current = await eps.find("default", "kubernetes");
    if (!current) {
      await eps.create("default", {
        apiVersion: "v1",
        kind: "Endpoints",
        metadata: {
          name: "kubernetes",
          namespace: "default",
          labels: { "endpointslice.kubernetes.io/skip-mirror": "true" },
        },
        subsets,
      }).catch((e) => {
        if (!(e instanceof ApiError && e.code === 409)) throw e;
      });
    } else if (JSON.stringify(current.subsets) !== JSON.stringify(subsets)) {
      await eps.update("default", "kubernetes", undefined, (cur) => {
        cur.subsets = subsets;
        delete cur.metadata.resourceVersion;
        return cur;
      });
    }
    // The EndpointSlice kube-apiserver writes beside it (endpointSliceFromEndpoints): what node
    // service proxies read to route 10.96.0.1 to this server.
    const slices = this.storage(findResource("discovery.k8s.io", "v1", "endpointslices")!);
    const slice = {
      addressType: "IPv4",
      endpoints: [{ addresses: [host], conditions: { ready: true } }],
      ports: [{ name: "https", port, protocol: "TCP" }],
    };
    const have = await slices.find("default", "kubernetes");
    if (!have) {
      await slices.create("default", {
        apiVersion: "discovery.k8s.io/v1",
        kind: "EndpointSlice",
        metadata: {
          name: "kubernetes",
          namespace: "default",
          labels: { "kubernetes.io/service-name": "kubernetes" },
        },
        ...slice,
      }).catch((e) => {
        if (!(e instanceof ApiError && e.code === 409)) throw e;
      });
    } else if (
      JSON.stringify([have.endpoints, have.ports]) !==
        JSON.stringify([slice.endpoints, slice.ports])
    ) {
      await slices.update("default", "kubernetes", undefined, (cur) => {
        cur.endpoints = slice.endpoints;
        cur.ports = slice.ports;
        delete cur.metadata.resourceVersion;
        return cur;
      });
    }
  }

  /** Stops watches and background work. */
  async close(): Promise<void> {
    this.#closing.abort();
    for (const c of this.#caches.values()) c.close();
    this.#caches.clear();
    await this.namespaces.close();
    await this.gc.close();
  }

  /**
   * Answers one request. `done` aborts when the client is gone or the response is complete
   * (default `req.signal`); streaming answers (watch, logs) stop then.
   */
  async handle(req: Request, done: AbortSignal = req.signal): Promise<Response> {
    const url = new URL(req.url);
    const path = url.pathname.replace(/\/+$/, "") || "/";
    try {
      const authorization = req.headers.get("authorization");
      let user: UserInfo | undefined;
      if (!(authorization === null && publicPaths.has(path))) {
        const auth = await this.#auth.authenticate(authorization);
        if (!auth.ok) return statusResponse(ApiError.unauthorized().status);
        user = auth.user;
      }
      return await this.#route(req, url, path, done, user);
    } catch (e) {
      return statusResponse(this.#toApiError(e).status);
    }
  }

  #toApiError(e: unknown): ApiError {
    if (e instanceof ApiError) return e;
    if (e instanceof SelectorError) return ApiError.badRequest(e.message);
    if (e instanceof ApplyConflictError) {
      return new ApiError(409, "Conflict", e.message, { causes: [...e.causes] });
    }
    if (e instanceof PatchError) {
      return e.code === 415
        ? ApiError.unsupportedMediaType("", PATCH_TYPES_ACCEPTED)
        : new ApiError(
          e.code,
          e.code === 422 ? "Invalid" : e.code === 409 ? "Conflict" : "BadRequest",
          e.message,
        );
    }
    if (e instanceof CompactedError) {
      return ApiError.expired("The resourceVersion for the provided list is too old.");
    }
    if (e instanceof ValueTooLargeError) return ApiError.tooLarge(e.size);
    if (e instanceof StoreUnavailableError) return ApiError.unavailable(e.message);
    if (e instanceof StoreTimeoutError) return ApiError.timeout(e.message);
    const msg = e instanceof Error ? e.message : String(e);
    this.#log(`rks: internal error: ${msg}`);
    return ApiError.internal(msg);
  }

  async #route(
    req: Request,
    url: URL,
    path: string,
    done: AbortSignal,
    user: UserInfo | undefined,
  ): Promise<Response> {
    const accept = req.headers.get("accept");
    switch (path) {
      case "/.well-known/openid-configuration": {
        const issuer = this.#serviceAccounts?.issuer;
        if (!issuer) throw ApiError.pathNotFound();
        return jsonResponse(
          issuer.openidConfiguration(`${issuer.issuer}/openid/v1/jwks`),
          200,
          "application/json",
          { "cache-control": "public, max-age=3600" },
        );
      }
      case "/openid/v1/jwks": {
        const issuer = this.#serviceAccounts?.issuer;
        if (!issuer) throw ApiError.pathNotFound();
        return jsonResponse(issuer.jwks(), 200, "application/jwk-set+json", {
          "cache-control": "public, max-age=3600",
        });
      }
      case "/version":
        return jsonResponse(serverVersion());
      case "/healthz":
      case "/livez":
        return new Response("ok", { headers: { "content-type": "text/plain; charset=utf-8" } });
      case "/readyz": {
        await this.#store.range("/registry/namespaces/default", { countOnly: true });
        return new Response("ok", { headers: { "content-type": "text/plain; charset=utf-8" } });
      }
      case "/api":
      case "/apis": {
        const v = negotiateDiscovery(accept);
        if (v) {
          return jsonResponse(
            aggregatedDiscovery(path === "/api", v),
            200,
            discoveryContentType(v),
            {
              vary: "Accept",
            },
          );
        }
        return jsonResponse(
          path === "/api" ? legacyApiVersions(this.#serverAddress) : legacyApiGroupList(),
          200,
          "application/json",
          { vary: "Accept" },
        );
      }
      case "/openapi/v3":
        return jsonResponse(openapiV3Index());
      case "/openapi/v2":
        if (wantsOpenapiV2Protobuf(accept)) {
          return new Response(openapiV2Protobuf(), {
            headers: { "content-type": OPENAPI_V2_PROTOBUF, vary: "Accept" },
          });
        }
        return jsonResponse(openapiV2Json(), 200, "application/json", { vary: "Accept" });
    }
    if (path.startsWith("/openapi/v3/")) {
      const doc = openapiV3Document(path.slice("/openapi/v3/".length));
      if (!doc) throw ApiError.pathNotFound();
      return jsonResponse(doc);
    }
    const group = /^\/apis\/([^/]+)$/.exec(path);
    if (group) {
      const g = legacyApiGroup(group[1]!);
      if (!g) throw ApiError.pathNotFound();
      return jsonResponse(g);
    }
    const q = url.searchParams;
    const watch = q.get("watch") === "true" || q.get("watch") === "1";
    const info = parseRequestInfo(req.method, path, watch);
    if (!info) throw ApiError.pathNotFound();
    if (info.type === "groupVersion") {
      const list = apiResourceList(info.group, info.version);
      if (!list) throw ApiError.pathNotFound();
      return jsonResponse(list);
    }
    if (
      info.group === "authentication.k8s.io" && info.version === "v1" &&
      info.resource === "selfsubjectreviews" && info.name === undefined
    ) {
      if (info.verb !== "create") throw ApiError.methodNotAllowed();
      const body = await this.#bodyObject(req, info, "SelfSubjectReview");
      return jsonResponse(selfSubjectReview(body, user!, this.#now()), 201);
    }
    if (
      info.group === "authentication.k8s.io" && info.version === "v1" &&
      info.resource === "tokenreviews" && info.name === undefined
    ) {
      if (info.verb !== "create") throw ApiError.methodNotAllowed();
      const body = await this.#bodyObject(req, info, "TokenReview");
      const spec = isRecord(body.spec) ? body.spec : {};
      if (typeof spec.token !== "string" || spec.token === "") {
        throw ApiError.badRequest("token is required for TokenReview in authentication");
      }
      const auds = Array.isArray(spec.audiences) ? spec.audiences.map(String) : [];
      return jsonResponse({
        kind: "TokenReview",
        apiVersion: "authentication.k8s.io/v1",
        metadata: { ...body.metadata, creationTimestamp: null },
        spec,
        status: await this.#auth.review(spec.token, auds),
      }, 201);
    }
    if (
      info.group === "authorization.k8s.io" && info.version === "v1" &&
      (info.resource === "selfsubjectaccessreviews" ||
        info.resource === "selfsubjectrulesreviews") &&
      info.name === undefined
    ) {
      if (info.verb !== "create") throw ApiError.methodNotAllowed();
      const access = info.resource === "selfsubjectaccessreviews";
      const body = await this.#bodyObject(
        req,
        info,
        access ? "SelfSubjectAccessReview" : "SelfSubjectRulesReview",
      );
      return jsonResponse(
        access ? selfSubjectAccessReview(body) : selfSubjectRulesReview(body),
        201,
      );
    }
    const r = findResource(info.group, info.version, info.resource);
    if (!r) throw ApiError.pathNotFound();
    if (info.subresource !== undefined && !r.subresources.includes(info.subresource)) {
      throw ApiError.pathNotFound();
    }
    if (!r.namespaced && info.namespace !== undefined) throw ApiError.pathNotFound();
    return await this.#resource(req, q, r, info, done);
  }

  #listQuery(q: URLSearchParams, r: ApiResource, name?: string): ListQuery {
    const out: ListQuery = {};
    const ls = q.get("labelSelector");
    if (ls) out.labelSelector = parseLabelSelector(ls);
    const fs = [q.get("fieldSelector") ?? "", name !== undefined ? `metadata.name=${name}` : ""]
      .filter((s) => s !== "").join(",");
    if (fs) out.fieldSelector = parseFieldSelector(fs, r.resource, r.group);
    const limit = intParam(q, "limit");
    if (limit !== undefined) out.limit = limit;
    const cont = q.get("continue");
    if (cont) out.continue = cont;
    const rv = q.get("resourceVersion");
    if (rv) out.resourceVersion = rv;
    const rvm = q.get("resourceVersionMatch");
    if (rvm) {
      if (rvm !== "Exact" && rvm !== "NotOlderThan") {
        throw ApiError.badRequest(
          `resourceVersionMatch: Unsupported value: "${rvm}": supported values: "Exact", "NotOlderThan"`,
        );
      }
      out.resourceVersionMatch = rvm;
    }
    return out;
  }

  #dryRun(q: URLSearchParams): boolean {
    const values = q.getAll("dryRun");
    for (const v of values) {
      if (v !== "All") {
        throw ApiError.badRequest(`dryRun: Unsupported value: "${v}": supported values: "All"`);
      }
    }
    return values.length > 0;
  }

  /**
   * The `fieldValidation` check of a write (kube-apiserver's default is `Warn`): returns a
   * function that looks for unknown fields in an object of `kind` and, with `Strict`, throws
   * what `fail` makes of `strict decoding error: unknown field "spec.x", unknown field
   * "spec.y"` (the decoding error of a create or update, the `patch` cause of a patch), with
   * `Warn` adds one warning `unknown field "spec.x"` per field to `warnings`.
   */
  #fieldValidation(
    q: URLSearchParams,
    warnings: string[],
  ): (kind: string, obj: unknown, fail: (message: string) => ApiError) => void {
    const v = q.get("fieldValidation") || "Warn";
    if (!["Strict", "Warn", "Ignore"].includes(v)) {
      throw ApiError.badRequest(
        `fieldValidation: Unsupported value: "${v}": supported values: "Ignore", "Strict", "Warn"`,
      );
    }
    return (kind, obj, fail) => {
      if (v === "Ignore") return;
      const unknown = unknownFields(kind, obj);
      if (unknown.length === 0) return;
      const texts = unknown.map((f) => `unknown field ${JSON.stringify(f)}`);
      if (v === "Strict") throw fail(`strict decoding error: ${texts.join(", ")}`);
      warnings.push(...texts);
    };
  }

  /**
   * The type check of decoding (kube-apiserver unmarshals a body into the kind's Go struct
   * before anything else): a value of the wrong JSON type is `400 BadRequest`
   * `Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal string into Go
   * struct field Container.spec.containers.command of type []string`, whatever
   * `fieldValidation` says.
   */
  #checkTypes(r: ApiResource, kind: string, body: Record<string, unknown>): void {
    const apiVersion = kind === "Scale" ? "autoscaling/v1" : this.#apiVersion(r);
    const given = typeof body.apiVersion === "string" && body.apiVersion !== ""
      ? body.apiVersion
      : apiVersion;
    const bodyKind = typeof body.kind === "string" && body.kind !== "" ? body.kind : kind;
    // Go decodes into the kind the body names (a mismatch with the URL is reported later).
    const err = bodyKind === kind && given === apiVersion
      ? jsonTypeError(kind, body, apiVersion)
      : jsonTypeError(bodyKind, body, given);
    if (err === undefined) return;
    throw this.#decodeError(r, kind, body, err.message);
  }

  /**
   * A decoding failure of a create or update body as kube-apiserver words it
   * (`transformDecodeError`): 400 `Pod in version "v1" cannot be handled as a Pod: <message>`,
   * naming the kind and version the body gives.
   */
  #decodeError(
    r: ApiResource,
    kind: string,
    body: Record<string, unknown>,
    message: string,
  ): ApiError {
    const apiVersion = kind === "Scale" ? "autoscaling/v1" : this.#apiVersion(r);
    const given = typeof body.apiVersion === "string" && body.apiVersion !== ""
      ? body.apiVersion
      : apiVersion;
    const bodyKind = typeof body.kind === "string" && body.kind !== "" ? body.kind : kind;
    return ApiError.badRequest(
      `${bodyKind} in version ${JSON.stringify(given.slice(given.indexOf("/") + 1))} ` +
        `cannot be handled as a ${kind}: ${message}`,
    );
  }

  /**
   * A failure to decode a patch's result as kube-apiserver words it: `422 Invalid` with the
   * cause `patch: Invalid value: "<shown>": <message>` and the message
   * ` "" is invalid: patch: ...` (`errors.NewInvalid` with an empty kind and name).
   */
  #patchError(shown: string, message: string): ApiError {
    return ApiError.invalid("", "", "", [{
      reason: "FieldValueInvalid",
      message: `Invalid value: ${JSON.stringify(shown)}: ${message}`,
      field: "patch",
    }]);
  }

  /**
   * The type check of a patch's result: kube-apiserver decodes the patched object into the
   * kind's Go struct and answers a failure with `422 Invalid`, cause `patch`, whose value is
   * the patched object's JSON for JSON and merge patches and the patch printed as a Go map
   * (`map[spec:map[replicas:2]]`) for a strategic merge patch, e.g. `patch: Invalid value:
   * "map[spec:map[replicas:2]]": json: cannot unmarshal string into Go struct field
   * DeploymentSpec.spec.replicas of type int32`.
   */
  #checkPatchedTypes(r: ApiResource, kind: string, out: ApiObject, shown: () => string): void {
    const apiVersion = kind === "Scale" ? "autoscaling/v1" : this.#apiVersion(r);
    const err = jsonTypeError(kind, out, apiVersion);
    if (err === undefined) return;
    throw this.#patchError(shown(), err.message);
  }

  /** The field manager of a write: `?fieldManager=`, else the client's user agent name. */
  #manager(req: Request, q: URLSearchParams): string {
    const given = q.get("fieldManager");
    if (given) {
      if (given.length > 128) {
        throw ApiError.badRequest(
          `fieldManager: Too long: may not be more than 128 bytes`,
        );
      }
      return given;
    }
    const ua = req.headers.get("user-agent") ?? "unknown";
    return ua.split("/")[0]!.slice(0, 128) || "unknown";
  }

  async #bodyObject(
    req: Request,
    r: { group: string; version: string },
    kind: string,
  ): Promise<ApiObject> {
    const type = mediaType(req.headers.get("content-type"));
    const bytes = await readBody(req);
    const text = new TextDecoder().decode(bytes);
    let value: unknown;
    if (type === "" || type === "application/json" || type === "*/*") {
      try {
        value = JSON.parse(text);
      } catch (e) {
        throw ApiError.badRequest(
          `couldn't get version/kind; json parse error: ${e instanceof Error ? e.message : e}`,
        );
      }
    } else if (type === PROTOBUF_MEDIA_TYPE) {
      value = await decodeProtobufObject(bytes, r.group, r.version, kind);
    } else if (type === "application/yaml") {
      const { parse } = await import("yaml");
      try {
        value = parse(text);
      } catch (e) {
        throw ApiError.badRequest(
          `error converting YAML to JSON: ${e instanceof Error ? e.message.split("\n")[0] : e}`,
        );
      }
    } else {
      throw ApiError.unsupportedMediaType(type, [
        "application/json",
        "application/yaml",
        PROTOBUF_MEDIA_TYPE,
      ]);
    }
    if (!isRecord(value)) {
      throw ApiError.badRequest("Object 'Kind' is missing in the request body: expected an object");
    }
    if (value.metadata === undefined) value.metadata = {};
    if (!isRecord(value.metadata)) {
      throw ApiError.badRequest("metadata: expected an object");
    }
    return value as ApiObject;
  }

  #listKind(r: ApiResource): string {
    return `${r.kind}List`;
  }

  #apiVersion(r: ApiResource): string {
    return r.group ? `${r.group}/${r.version}` : r.version;
  }

  #encodeOne(
    req: Request,
    q: URLSearchParams,
    r: ApiResource,
    obj: ApiObject,
    code = 200,
    subresource?: string,
  ): Response {
    if (wantsTable(req.headers.get("accept"))) {
      return jsonResponse(
        toTable(r, [obj], {
          now: this.#now(),
          includeObject: this.#includeObject(q),
          listMeta: { resourceVersion: String(obj.metadata.resourceVersion ?? "") },
          ...(subresource ? { subresource } : {}),
        }),
        code,
        "application/json;as=Table;v=v1;g=meta.k8s.io",
      );
    }
    return jsonResponse(obj, code);
  }

  #includeObject(q: URLSearchParams): "None" | "Metadata" | "Object" {
    const v = q.get("includeObject") ?? "Metadata";
    if (v !== "None" && v !== "Metadata" && v !== "Object") {
      throw ApiError.badRequest(`includeObject: Unsupported value: "${v}"`);
    }
    return v;
  }

  async #resource(
    req: Request,
    q: URLSearchParams,
    r: ApiResource,
    info: ResourceRequest,
    done: AbortSignal,
  ): Promise<Response> {
    const warnings: string[] = [];
    const res = await this.#verb(req, q, r, info, done, warnings);
    for (const w of warnings) res.headers.append("warning", `299 - ${JSON.stringify(w)}`);
    return res;
  }

  async #verb(
    req: Request,
    q: URLSearchParams,
    r: ApiResource,
    info: ResourceRequest,
    done: AbortSignal,
    warnings: string[],
  ): Promise<Response> {
    const st = this.storage(r);
    const ns = r.namespaced ? info.namespace : undefined;
    const name = info.name;
    const sub = info.subresource;
    switch (info.verb) {
      case "get": {
        if (sub === "scale") {
          return this.#encodeOne(req, q, r, scaleOf(await st.get(ns, name!)), 200, "scale");
        }
        if (sub === "log") {
          return await podLogResponse(this.#nodes, await st.get(ns, name!), q, done);
        }
        if (sub === "exec") return this.#exec(req, st, ns, name!, q);
        return this.#encodeOne(req, q, r, await st.get(ns, name!));
      }
      case "list": {
        const page = await st.list(ns, this.#listQuery(q, r));
        const listMeta = {
          resourceVersion: page.resourceVersion,
          ...(page.continue ? { continue: page.continue } : {}),
          ...(page.remainingItemCount !== undefined
            ? { remainingItemCount: page.remainingItemCount }
            : {}),
        };
        if (wantsTable(req.headers.get("accept"))) {
          return jsonResponse(
            toTable(r, page.items, {
              now: this.#now(),
              includeObject: this.#includeObject(q),
              listMeta,
            }),
            200,
            "application/json;as=Table;v=v1;g=meta.k8s.io",
          );
        }
        return jsonResponse({
          kind: this.#listKind(r),
          apiVersion: this.#apiVersion(r),
          metadata: listMeta,
          items: page.items,
        });
      }
      case "watch": {
        const query = this.#listQuery(q, r, name);
        const rvText = q.get("resourceVersion");
        let rv: number | undefined;
        if (rvText && rvText !== "0") {
          rv = Number(rvText);
          if (!/^\d+$/.test(rvText)) {
            throw ApiError.badRequest(`invalid resource version: ${JSON.stringify(rvText)}`);
          }
        }
        const timeout = intParam(q, "timeoutSeconds") ?? 1800 * (1 + Math.random());
        const table = wantsTable(req.headers.get("accept"))
          ? { includeObject: this.#includeObject(q) }
          : undefined;
        return watchResponse(this.watchCache(r), r, {
          prefix: resourcePrefix(r, ns),
          resourceVersion: rv,
          query,
          allowBookmarks: q.get("allowWatchBookmarks") === "true",
          table,
          timeoutSeconds: timeout,
          signal: AbortSignal.any([done, this.#closing.signal]),
          log: this.#log,
        });
      }
      case "create": {
        const check = this.#fieldValidation(q, warnings);
        const dryRun = this.#dryRun(q);
        if (sub === "binding") return await this.#bind(req, st, ns!, name!, dryRun);
        if (sub === "token") return await this.#tokenRequest(req, ns!, name!);
        if (sub === "eviction") return await this.#evict(req, st, ns!, name!, dryRun);
        if (sub === "exec") return this.#exec(req, st, ns, name!, q);
        if (name !== undefined || sub !== undefined) throw ApiError.methodNotAllowed();
        const body = await this.#bodyObject(req, r, r.kind);
        this.#checkTypes(r, r.kind, body);
        check(r.kind, body, (m) => this.#decodeError(r, r.kind, body, m));
        let release = async () => {};
        if (r.kind === "Service" && !dryRun) {
          body.metadata.namespace = ns;
          release = await this.#services.allocate(body);
        }
        const tracked = updateManagedFields(undefined, body, {
          manager: this.#manager(req, q),
          kind: r.kind,
          now: this.#now(),
        }) as ApiObject;
        let created: ApiObject;
        try {
          created = await st.create(ns, tracked, { dryRun, now: this.#now() });
        } catch (e) {
          await release();
          throw e;
        }
        if (r.kind === "Namespace" && !dryRun) {
          await this.namespaces.ensureServiceAccount(String(created.metadata.name));
        }
        return jsonResponse(created, 201);
      }
      case "update": {
        const check = this.#fieldValidation(q, warnings);
        const dryRun = this.#dryRun(q);
        const body = await this.#bodyObject(req, r, sub === "scale" ? "Scale" : r.kind);
        const bodyKind = sub === "scale" ? "Scale" : r.kind;
        this.#checkTypes(r, bodyKind, body);
        check(bodyKind, body, (m) => this.#decodeError(r, bodyKind, body, m));
        if (sub === "scale") return await this.#updateScale(st, ns, name!, () => body, dryRun);
        const manager = this.#manager(req, q);
        const updated = await st.update(
          ns,
          name!,
          sub === "finalize" ? undefined : sub,
          (cur) => this.#track(cur, body, manager, r, sub),
          { dryRun, now: this.#now() },
        );
        return jsonResponse(updated);
      }
      case "patch": {
        const check = this.#fieldValidation(q, warnings);
        const dryRun = this.#dryRun(q);
        const type = mediaType(req.headers.get("content-type")) as PatchType;
        if (!PATCH_TYPES_ACCEPTED.includes(type)) {
          throw ApiError.unsupportedMediaType(type, PATCH_TYPES_ACCEPTED);
        }
        const text = new TextDecoder().decode(await readBody(req));
        let patch: unknown;
        try {
          patch = type === "application/apply-patch+yaml"
            ? (await import("yaml")).parse(text)
            : JSON.parse(text);
        } catch (e) {
          throw ApiError.badRequest(
            `error decoding patch: ${e instanceof Error ? e.message.split("\n")[0] : e}`,
          );
        }
        if (type === "application/apply-patch+yaml") {
          return await this.#apply(q, st, ns, name!, sub, patch, dryRun, check);
        }
        const setsRv = isRecord(patch) && isRecord(patch.metadata) &&
          patch.metadata.resourceVersion !== undefined;
        const kind = sub === "scale" ? "Scale" : r.kind;
        const patched = (cur: ApiObject): ApiObject => {
          const out = applyPatch(type, cur, patch, kind) as ApiObject;
          if (!isRecord(out.metadata)) out.metadata = {};
          if (!setsRv) delete out.metadata.resourceVersion;
          // kube-apiserver shows the patch as a Go map for a strategic merge patch, the
          // patched object's JSON for the others.
          const shown = () =>
            type === "application/strategic-merge-patch+json"
              ? goValueText(patch)
              : JSON.stringify(out);
          this.#checkPatchedTypes(r, kind, out, shown);
          check(kind, out, (m) => this.#patchError(shown(), m));
          return out;
        };
        if (sub === "scale") return await this.#updateScale(st, ns, name!, patched, dryRun);
        const manager = this.#manager(req, q);
        return jsonResponse(
          await st.update(
            ns,
            name!,
            sub,
            (cur) => this.#track(cur, patched(cur), manager, r, sub),
            { dryRun, now: this.#now() },
          ),
        );
      }
      case "delete": {
        const dryRun = this.#dryRun(q);
        const d = await this.#deleteQuery(req, q);
        if (r.kind === "PriorityClass") this.priority.checkDelete(name!);
        if (r.kind === "Namespace") {
          return jsonResponse(await this.namespaces.delete(name!, dryRun, this.#now()));
        }
        const opts = { dryRun, now: this.#now() };
        if (dryRun || d.propagationPolicy === undefined || d.propagationPolicy === "Background") {
          const out = await st.delete(ns, name!, d, opts);
          if (!dryRun) this.gc.afterDelete(st, out); // an `orphan`/`foregroundDeletion` finalizer
          return jsonResponse(out);
        }
        // Check existence and preconditions before touching dependents.
        await st.delete(ns, name!, d, { ...opts, dryRun: true });
        if (d.propagationPolicy === "Orphan") {
          return jsonResponse(await this.gc.markOrphan(st, ns, name!));
        }
        return jsonResponse(await this.gc.markForeground(st, ns, name!));
      }
      case "deletecollection": {
        const dryRun = this.#dryRun(q);
        const d = await this.#deleteQuery(req, q);
        const page = await st.deleteCollection(ns, this.#listQuery(q, r), d, {
          dryRun,
          now: this.#now(),
        });
        return jsonResponse({
          kind: this.#listKind(r),
          apiVersion: this.#apiVersion(r),
          metadata: { resourceVersion: page.resourceVersion },
          items: page.items,
        });
      }
    }
  }

  #exec(
    req: Request,
    st: RestStorage,
    ns: string | undefined,
    name: string,
    q: URLSearchParams,
  ): Response {
    if ((req.headers.get("upgrade") ?? "").toLowerCase() !== "websocket") {
      throw ApiError.badRequest("Upgrade request required");
    }
    return podExecResponse(req, this.#nodes, () => st.get(ns, name), q);
  }

  /** The desired object with its managed fields updated for a non-apply write. */
  #track(
    cur: ApiObject,
    desired: ApiObject,
    manager: string,
    r: ApiResource,
    sub: string | undefined,
  ): ApiObject {
    return updateManagedFields(cur, desired, {
      manager,
      kind: r.kind,
      now: this.#now(),
      ...(sub ? { subresource: sub } : {}),
    }) as ApiObject;
  }

  /** Server-side apply: creates the object when absent (201), else merges and tracks owners. */
  async #apply(
    q: URLSearchParams,
    st: RestStorage,
    ns: string | undefined,
    name: string,
    sub: string | undefined,
    patch: unknown,
    dryRun: boolean,
    check: (kind: string, obj: unknown, fail: (message: string) => ApiError) => void,
  ): Promise<Response> {
    const manager = q.get("fieldManager");
    if (!manager) {
      throw ApiError.badRequest(
        'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
      );
    }
    if (!isRecord(patch)) throw ApiError.badRequest("the applied configuration must be an object");
    const force = q.get("force") === "true";
    const r = st.resource;
    // kube-apiserver 1.32 answers a type error of an applied configuration with 500 (its
    // typed conversion's error is not a Status); 400 as for a create, which is what
    // kubernetes/kubernetes#139255 proposes.
    this.#checkTypes(r, r.kind, patch);
    check(r.kind, patch, (m) => this.#decodeError(r, r.kind, patch, m));
    const opts = {
      manager,
      force,
      now: this.#now(),
      kind: r.kind,
      ...(sub ? { subresource: sub } : {}),
    };
    const existing = await st.find(ns, name);
    if (!existing) {
      if (sub !== undefined) throw ApiError.notFound(st.gr, name);
      const applied = cloneJson(patch) as ApiObject;
      if (!isRecord(applied.metadata)) applied.metadata = {};
      const metaName = applied.metadata.name;
      if (metaName !== undefined && metaName !== name) {
        throw ApiError.badRequest(
          `the name of the object (${
            String(metaName)
          }) does not match the name on the URL (${name})`,
        );
      }
      applied.metadata.name = name;
      const obj = serverSideApply(undefined, applied, opts).object as ApiObject;
      const created = await st.create(ns, obj, { dryRun, now: this.#now() });
      if (r.kind === "Namespace" && !dryRun) await this.namespaces.ensureServiceAccount(name);
      return jsonResponse(created, 201);
    }
    const setsRv = isRecord(patch.metadata) && patch.metadata.resourceVersion !== undefined;
    return jsonResponse(
      await st.update(ns, name, sub, (cur) => {
        const out = serverSideApply(cur, patch, opts).object as ApiObject;
        if (!isRecord(out.metadata)) out.metadata = {};
        if (!setsRv) delete out.metadata.resourceVersion;
        return out;
      }, { dryRun, now: this.#now() }),
    );
  }

  async #deleteQuery(req: Request, q: URLSearchParams): Promise<DeleteQuery> {
    const bytes = await readBody(req);
    let d: DeleteQuery = {};
    if (bytes.length > 0) {
      let body: unknown;
      if (mediaType(req.headers.get("content-type")) === PROTOBUF_MEDIA_TYPE) {
        // client-go's typed clients (kubectl drain without pods/eviction) send protobuf.
        body = await decodeProtobufObject(bytes, "", "v1", "DeleteOptions");
      } else {
        try {
          body = JSON.parse(new TextDecoder().decode(bytes));
        } catch (e) {
          throw ApiError.badRequest(
            `error decoding DeleteOptions: ${e instanceof Error ? e.message : e}`,
          );
        }
      }
      d = deleteOptionsOf(body);
    }
    const grace = intParam(q, "gracePeriodSeconds");
    if (grace !== undefined) d.gracePeriodSeconds = grace;
    const pp = q.get("propagationPolicy");
    if (pp) d.propagationPolicy = pp;
    checkPropagationPolicy(d);
    return d;
  }

  async #updateScale(
    st: RestStorage,
    ns: string | undefined,
    name: string,
    mutate: (scale: ApiObject) => ApiObject,
    dryRun: boolean,
  ): Promise<Response> {
    const updated = await st.update(ns, name, undefined, (cur) => {
      const scale = mutate(scaleOf(cur));
      const spec = isRecord(scale.spec) ? scale.spec : {};
      const replicas = spec.replicas;
      if (typeof replicas !== "number" || !Number.isInteger(replicas) || replicas < 0) {
        throw ApiError.invalid("autoscaling", "Scale", name, [{
          reason: "FieldValueInvalid",
          message: `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`,
          field: "spec.replicas",
        }]);
      }
      const next = cloneJson(cur);
      (next.spec as Record<string, unknown>).replicas = replicas;
      const rv = scale.metadata.resourceVersion;
      if (rv === undefined || rv === "") delete next.metadata.resourceVersion;
      else next.metadata.resourceVersion = rv;
      return next;
    }, { dryRun, now: this.#now() });
    return jsonResponse(scaleOf(updated));
  }

  /** `POST …/serviceaccounts/{name}/token`: a TokenRequest (see token_request.ts). */
  async #tokenRequest(req: Request, ns: string, name: string): Promise<Response> {
    const sa = this.#serviceAccounts;
    if (!sa) throw ApiError.pathNotFound();
    const body = await this.#bodyObject(
      req,
      { group: "authentication.k8s.io", version: "v1" },
      "TokenRequest",
    );
    const get = async (resource: string, ns: string | undefined, name: string) => {
      const obj = await this.#lookup(resource, ns, name);
      if (!obj) throw ApiError.notFound({ group: "", resource }, name);
      return obj;
    };
    const out = await createTokenRequest(body, ns, name, {
      issuer: sa.issuer,
      audiences: this.#auth.audiences,
      serviceAccount: (ns, name) => get("serviceaccounts", ns, name),
      boundObject: (kind, ns, name) =>
        kind === "Pod"
          ? get("pods", ns, name)
          : kind === "Secret"
          ? get("secrets", ns, name)
          : get("nodes", undefined, name),
      now: this.#now(),
      ...(sa.extendExpiration !== undefined ? { extendExpiration: sa.extendExpiration } : {}),
    });
    return jsonResponse(out, 201);
  }

  /**
   * `POST pods/{name}/eviction` (kube-apiserver's `EvictionREST`): a `policy/v1` (or `v1beta1`)
   * Eviction deletes the pod with the Eviction's `deleteOptions` and answers 201 with a Success
   * Status. rks serves no PodDisruptionBudgets, so no budget can refuse an eviction (kube's 429).
   */
  async #evict(
    req: Request,
    st: RestStorage,
    ns: string,
    name: string,
    dryRun: boolean,
  ): Promise<Response> {
    const body = await this.#bodyObject(req, { group: "policy", version: "v1" }, "Eviction");
    const apiVersion = body.apiVersion;
    if (
      body.kind !== "Eviction" ||
      (apiVersion !== "policy/v1" && apiVersion !== "policy/v1beta1")
    ) {
      throw ApiError.badRequest(
        `the body of pods/eviction must be a policy/v1 Eviction, got ${
          JSON.stringify(`${String(apiVersion ?? "")}, Kind=${String(body.kind ?? "")}`)
        }`,
      );
    }
    const evName = body.metadata.name;
    if (typeof evName === "string" && evName !== "" && evName !== name) {
      throw ApiError.badRequest("name in URL does not match name in Eviction object");
    }
    const d = deleteOptionsOf(body.deleteOptions);
    checkPropagationPolicy(d);
    const opts = isRecord(body.deleteOptions) ? body.deleteOptions : {};
    const dry = dryRun || (Array.isArray(opts.dryRun) && opts.dryRun.includes("All"));
    const out = await st.delete(ns, name, d, { dryRun: dry, now: this.#now() });
    if (!dry) this.gc.afterDelete(st, out);
    return createdStatus();
  }

  async #bind(
    req: Request,
    st: RestStorage,
    ns: string,
    name: string,
    dryRun: boolean,
  ): Promise<Response> {
    const body = await this.#bodyObject(req, st.resource, "Binding");
    const target = isRecord(body.target) ? body.target : {};
    const node = target.name;
    if (typeof node !== "string" || node === "") {
      throw ApiError.invalid("", "Binding", name, [{
        reason: "FieldValueRequired",
        message: "Required value",
        field: "target.name",
      }]);
    }
    const meta = isRecord(body.metadata) ? body.metadata : {};
    const now = this.#now();
    await st.update(ns, name, "binding", (cur) => {
      const spec = isRecord(cur.spec) ? cur.spec : {};
      if (typeof meta.uid === "string" && meta.uid !== "" && meta.uid !== cur.metadata.uid) {
        throw ApiError.conflict(
          st.gr,
          name,
          `Precondition failed: UID in precondition: ${meta.uid}, UID in object meta: ${
            String(cur.metadata.uid ?? "")
          }`,
        );
      }
      if (cur.metadata.deletionTimestamp !== undefined) {
        throw ApiError.conflict(
          { group: "", resource: "pods/binding" },
          name,
          `pod ${name} is being deleted, cannot be assigned to a host`,
        );
      }
      if (typeof spec.nodeName === "string" && spec.nodeName !== "") {
        throw ApiError.conflict(
          { group: "", resource: "pods/binding" },
          name,
          `pod ${name} is already assigned to node "${spec.nodeName}"`,
        );
      }
      spec.nodeName = node;
      cur.spec = spec;
      if (isRecord(meta.annotations)) {
        const had = isRecord(cur.metadata.annotations) ? cur.metadata.annotations : {};
        cur.metadata.annotations = { ...had, ...meta.annotations };
      }
      // As kube-apiserver's assignPod: the PodScheduled condition becomes True.
      const status = isRecord(cur.status) ? cur.status : {};
      const conds = (Array.isArray(status.conditions) ? status.conditions : []).filter((c) =>
        !(isRecord(c) && c.type === "PodScheduled")
      );
      conds.push({
        type: "PodScheduled",
        status: "True",
        lastProbeTime: null,
        lastTransitionTime: now.toISOString().replace(/\.\d+Z$/, "Z"),
      });
      cur.status = { ...status, conditions: conds };
      delete cur.metadata.resourceVersion;
      return cur;
    }, { dryRun, now, skipValidation: true });
    return createdStatus();
  }
}

/** A 201 `Status` of `Success`, kube-apiserver's answer to a created binding or eviction. */
function createdStatus(): Response {
  return jsonResponse(
    { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 201 },
    201,
  );
}

/** The fields of a `DeleteOptions` body (JSON form) rks honours; other values are ignored. */
function deleteOptionsOf(body: unknown): DeleteQuery {
  const d: DeleteQuery = {};
  if (!isRecord(body)) return d;
  if (typeof body.gracePeriodSeconds === "number") d.gracePeriodSeconds = body.gracePeriodSeconds;
  if (typeof body.propagationPolicy === "string") d.propagationPolicy = body.propagationPolicy;
  if (isRecord(body.preconditions)) {
    d.preconditions = {};
    if (typeof body.preconditions.uid === "string") d.preconditions.uid = body.preconditions.uid;
    if (typeof body.preconditions.resourceVersion === "string") {
      d.preconditions.resourceVersion = body.preconditions.resourceVersion;
    }
  }
  return d;
}

/** 400 for a `propagationPolicy` other than kube's three. */
function checkPropagationPolicy(d: DeleteQuery): void {
  if (
    d.propagationPolicy !== undefined &&
    !["Orphan", "Background", "Foreground"].includes(d.propagationPolicy)
  ) {
    throw ApiError.badRequest(
      `propagationPolicy: Unsupported value: "${d.propagationPolicy}": supported values: "Foreground", "Background", "Orphan"`,
    );
  }
}

/** The `autoscaling/v1 Scale` of a Deployment or ReplicaSet. */
export function scaleOf(obj: ApiObject): ApiObject {
  const spec = isRecord(obj.spec) ? obj.spec : {};
  const status = isRecord(obj.status) ? obj.status : {};
  const selector = isRecord(spec.selector) && isRecord(spec.selector.matchLabels)
    ? Object.entries(spec.selector.matchLabels).map(([k, v]) => `${k}=${v}`).join(",")
    : "";
  const m = obj.metadata;
  return {
    kind: "Scale",
    apiVersion: "autoscaling/v1",
    metadata: {
      name: m.name,
      namespace: m.namespace,
      uid: m.uid,
      resourceVersion: m.resourceVersion,
      creationTimestamp: m.creationTimestamp,
    },
    spec: { replicas: typeof spec.replicas === "number" ? spec.replicas : 0 },
    status: { replicas: typeof status.replicas === "number" ? status.replicas : 0, selector },
  };
}
