/**
 * The `paths` of a group-version OpenAPI v3 document: one entry per route rks serves, each
 * operation tagged with `x-kubernetes-action` and `x-kubernetes-group-version-kind` and listing
 * its query parameters as kube-apiserver 1.32 does. kubectl reads the PATCH operation of a kind
 * to decide whether the server validates fields itself (`fieldValidation`), and sends
 * `fieldValidation=Strict` when it does.
 *
 * @module
 */
import { type ApiResource, apiVersionOf, subresourceInfo } from "../resources.ts";
import { refPath } from "./_dsl.ts";
import { schemaName } from "./schemas.ts";

type Json = Record<string, unknown>;

const META = "io.k8s.apimachinery.pkg.apis.meta.v1.";

function query(name: string, description: string, type = "string"): Json {
  return { name, in: "query", description, schema: { type, uniqueItems: true } };
}

function pathParam(name: string, description: string): Json {
  return {
    name,
    in: "path",
    description,
    required: true,
    schema: { type: "string", uniqueItems: true },
  };
}

const P = {
  pretty: query(
    "pretty",
    "If 'true', then the output is pretty printed. Defaults to 'false' unless the user-agent indicates a browser or command-line HTTP tool (curl and wget).",
  ),
  dryRun: query(
    "dryRun",
    "When present, indicates that modifications should not be persisted. An invalid or unrecognized dryRun directive will result in an error response and no further processing of the request. Valid values are: - All: all dry run stages will be processed",
  ),
  fieldManager: query(
    "fieldManager",
    "fieldManager is a name associated with the actor or entity that is making these changes. The value must be less than or 128 characters long, and only contain printable characters, as defined by https://golang.org/pkg/unicode/#IsPrint.",
  ),
  fieldManagerPatch: query(
    "fieldManager",
    "fieldManager is a name associated with the actor or entity that is making these changes. The value must be less than or 128 characters long, and only contain printable characters, as defined by https://golang.org/pkg/unicode/#IsPrint. This field is required for apply requests (application/apply-patch) but optional for non-apply patch types (JsonPatch, MergePatch, StrategicMergePatch).",
  ),
  fieldValidation: query(
    "fieldValidation",
    "fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore: This will ignore any unknown fields that are silently dropped from the object, and will ignore all but the last duplicate field that the decoder encounters. - Warn: This will send a warning via the standard warning response header for each unknown field that is dropped from the object, and for each duplicate field that is encountered. The request will still succeed if there are no other errors, and will only persist the last of any duplicate fields. This is the default in v1.23+ - Strict: This will fail the request with a BadRequest error if any unknown fields would be dropped from the object, or if any duplicate fields are present. The error returned from the server will contain all unknown and duplicate fields encountered.",
  ),
  force: query(
    "force",
    'Force is going to "force" Apply requests. It means user will re-acquire conflicting fields owned by other people. Force flag must be unset for non-apply patch requests.',
    "boolean",
  ),
  allowWatchBookmarks: query(
    "allowWatchBookmarks",
    'allowWatchBookmarks requests watch events with type "BOOKMARK". Servers that do not implement bookmarks may ignore this flag and bookmarks are sent at the server\'s discretion.',
    "boolean",
  ),
  continue: query(
    "continue",
    "The continue option should be set when retrieving more results from the server. Since this value is server defined, clients may only use the continue value from a previous query result with identical query parameters (except for the value of continue) and the server may reject a continue value it does not recognize.",
  ),
  fieldSelector: query(
    "fieldSelector",
    "A selector to restrict the list of returned objects by their fields. Defaults to everything.",
  ),
  labelSelector: query(
    "labelSelector",
    "A selector to restrict the list of returned objects by their labels. Defaults to everything.",
  ),
  limit: query(
    "limit",
    "limit is a maximum number of responses to return for a list call. If more items exist, the server will set the `continue` field on the list metadata to a value that can be used with the same initial query to retrieve the next set of results.",
    "integer",
  ),
  resourceVersion: query(
    "resourceVersion",
    "resourceVersion sets a constraint on what resource versions a request may be served from. See https://kubernetes.io/docs/reference/using-api/api-concepts/#resource-versions for details.\n\nDefaults to unset",
  ),
  resourceVersionMatch: query(
    "resourceVersionMatch",
    "resourceVersionMatch determines how resourceVersion is applied to list calls. It is highly recommended that resourceVersionMatch be set for list calls where resourceVersion is set See https://kubernetes.io/docs/reference/using-api/api-concepts/#resource-versions for details.\n\nDefaults to unset",
  ),
  sendInitialEvents: query(
    "sendInitialEvents",
    "`sendInitialEvents=true` may be set together with `watch=true`. In that case, the watch stream will begin with synthetic events to produce the current state of objects in the collection.",
    "boolean",
  ),
  timeoutSeconds: query(
    "timeoutSeconds",
    "Timeout for the list/watch call. This limits the duration of the call, regardless of any activity or inactivity.",
    "integer",
  ),
  watch: query(
    "watch",
    "Watch for changes to the described resources and return them as a stream of add, update, and remove notifications. Specify resourceVersion.",
    "boolean",
  ),
  gracePeriodSeconds: query(
    "gracePeriodSeconds",
    "The duration in seconds before the object should be deleted. Value must be non-negative integer. The value zero indicates delete immediately. If this value is nil, the default grace period for the specified type will be used. Defaults to a per object value if not specified. zero means delete immediately.",
    "integer",
  ),
  orphanDependents: query(
    "orphanDependents",
    'Deprecated: please use the PropagationPolicy, this field will be deprecated in 1.7. Should the dependent objects be orphaned. If true/false, the "orphan" finalizer will be added to/removed from the object\'s finalizers list. Either this field or PropagationPolicy may be set, but not both.',
    "boolean",
  ),
  propagationPolicy: query(
    "propagationPolicy",
    "Whether and how garbage collection will be performed. Either this field or OrphanDependents may be set, but not both. The default policy is decided by the existing finalizer set in the metadata.finalizers and the resource-specific default policy. Acceptable values are: 'Orphan' - orphan the dependents; 'Background' - allow the garbage collector to delete the dependents in the background; 'Foreground' - a cascading policy that deletes all dependents in the foreground.",
  ),
} as const;

const LIST_PARAMS = [
  P.allowWatchBookmarks,
  P.continue,
  P.fieldSelector,
  P.labelSelector,
  P.limit,
  P.resourceVersion,
  P.resourceVersionMatch,
  P.sendInitialEvents,
  P.timeoutSeconds,
  P.watch,
];
const WRITE_PARAMS = [P.dryRun, P.fieldManager, P.fieldValidation];
const PATCH_PARAMS = [P.dryRun, P.fieldManagerPatch, P.fieldValidation, P.force];
const DELETE_PARAMS = [P.dryRun, P.gracePeriodSeconds, P.orphanDependents, P.propagationPolicy];

const LOG_PARAMS = [
  query(
    "container",
    "The container for which to stream logs. Defaults to only container if there is one container in the pod.",
  ),
  query("follow", "Follow the log stream of the pod. Defaults to false.", "boolean"),
  query(
    "insecureSkipTLSVerifyBackend",
    "insecureSkipTLSVerifyBackend indicates that the apiserver should not confirm the validity of the serving certificate of the backend it is connecting to.",
    "boolean",
  ),
  query(
    "limitBytes",
    "If set, the number of bytes to read from the server before terminating the log output. This may not display a complete final line of logging, and may return slightly more or slightly less than the specified limit.",
    "integer",
  ),
  query("previous", "Return previous terminated container logs. Defaults to false.", "boolean"),
  query(
    "sinceSeconds",
    "A relative time in seconds before the current time from which to show logs. If this value precedes the time a pod was started, only logs since the pod start will be returned.",
    "integer",
  ),
  query(
    "tailLines",
    "If set, the number of lines from the end of the logs to show. If not specified, logs are shown from the creation of the container or sinceSeconds or sinceTime",
    "integer",
  ),
  query(
    "timestamps",
    "If true, add an RFC3339 or RFC3339Nano timestamp at the beginning of every line of log output. Defaults to false.",
    "boolean",
  ),
];

const EXEC_PARAMS = [
  query(
    "command",
    "Command is the remote command to execute. argv array. Not executed within a shell.",
  ),
  query(
    "container",
    "Container in which to execute the command. Defaults to only container if there is only one container in the pod.",
  ),
  query("stderr", "Redirect the standard error stream of the pod for this call.", "boolean"),
  query(
    "stdin",
    "Redirect the standard input stream of the pod for this call. Defaults to false.",
    "boolean",
  ),
  query("stdout", "Redirect the standard output stream of the pod for this call.", "boolean"),
  query(
    "tty",
    "TTY if true indicates that a tty will be allocated for the exec call. Defaults to false.",
    "boolean",
  ),
];

const MEDIA = ["application/json", "application/yaml", "application/vnd.kubernetes.protobuf"];

function content(schema: string, media = MEDIA): Json {
  return Object.fromEntries(media.map((m) => [m, { schema: { $ref: refPath(schema) } }]));
}

function responses(codes: Record<string, string>): Json {
  const out: Json = {};
  for (const [code, schema] of Object.entries(codes)) {
    out[code] = {
      description: code === "201" ? "Created" : code === "202" ? "Accepted" : "OK",
      content: content(schema),
    };
  }
  out["401"] = { description: "Unauthorized" };
  return out;
}

/** `CoreV1`, `AppsV1`, `CoordinationV1`, … as in upstream operation ids. */
function opGroup(r: ApiResource): string {
  const g = r.group === "" ? "core" : r.group.split(".")[0]!;
  return g[0]!.toUpperCase() + g.slice(1) + r.version[0]!.toUpperCase() + r.version.slice(1);
}

function tag(r: ApiResource): string {
  const g = r.group === "" ? "core" : r.group.split(".")[0]!;
  return `${g}_${r.version}`;
}

interface OpSpec {
  verb: string;
  action: string;
  description: string;
  kind: { group: string; version: string; kind: string };
  params: Json[];
  body?: string | "patch";
  codes: Record<string, string>;
}

function operation(r: ApiResource, spec: OpSpec): Json {
  const op: Json = {
    tags: [tag(r)],
    description: spec.description,
    operationId: spec.verb,
    parameters: spec.params,
  };
  if (spec.body === "patch") {
    op["requestBody"] = {
      content: Object.fromEntries(
        [
          "application/apply-patch+yaml",
          "application/json-patch+json",
          "application/merge-patch+json",
          "application/strategic-merge-patch+json",
        ].map((m) => [m, { schema: { $ref: refPath(`${META}Patch`) } }]),
      ),
      required: true,
    };
  } else if (spec.body) {
    op["requestBody"] = {
      content: { "*/*": { schema: { $ref: refPath(spec.body) } } },
      required: true,
    };
  }
  op["responses"] = responses(spec.codes);
  op["x-kubernetes-action"] = spec.action;
  op["x-kubernetes-group-version-kind"] = spec.kind;
  return op;
}

/**
 * The `paths` entries of one resource and its subresources.
 *
 * @param r a resource of `apiResources`.
 * @returns path → path item (`parameters` shared by its operations, then `get`/`put`/`post`/`patch`/`delete`).
 *
 * @example
 * ```ts
 * import { findResource } from "../resources.ts";
 * import { resourcePaths } from "./paths.ts";
 * import assert from "node:assert/strict";
 * const paths = resourcePaths(findResource("apps", "v1", "deployments")!);
 * const patch = paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]!["patch"] as {
 *   parameters: { name: string }[];
 * };
 * assert.ok(patch.parameters.some((p) => p.name === "fieldValidation"));
 * ```
 */
export function resourcePaths(r: ApiResource): Record<string, Json> {
  const root = r.group === "" ? `/api/${r.version}` : `/apis/${r.group}/${r.version}`;
  const gvk = { group: r.group, version: r.version, kind: r.kind };
  const kindSchema = schemaName(r.group, r.version, r.kind);
  const listSchema = `${kindSchema}List`;
  const ns = r.namespaced ? "Namespaced" : "";
  const id = (verb: string, suffix = "") => `${verb}${opGroup(r)}${ns}${r.kind}${suffix}`;
  const collection = r.namespaced
    ? `${root}/namespaces/{namespace}/${r.resource}`
    : `${root}/${r.resource}`;
  const shared = [
    ...(r.namespaced
      ? [pathParam("namespace", "object name and auth scope, such as for teams and projects")]
      : []),
    P.pretty,
  ];
  const named = [pathParam("name", `name of the ${r.kind}`), ...shared];
  const paths: Record<string, Json> = {};
  const verbs = new Set(r.verbs);

  const coll: Json = { parameters: shared };
  if (verbs.has("list")) {
    coll["get"] = operation(r, {
      verb: id("list"),
      action: "list",
      description: `list or watch objects of kind ${r.kind}`,
      kind: gvk,
      params: LIST_PARAMS,
      codes: { "200": listSchema },
    });
  }
  if (verbs.has("create")) {
    coll["post"] = operation(r, {
      verb: id("create"),
      action: "post",
      description: `create a ${r.kind}`,
      kind: gvk,
      params: WRITE_PARAMS,
      body: kindSchema,
      codes: { "200": kindSchema, "201": kindSchema, "202": kindSchema },
    });
  }
  if (verbs.has("deletecollection")) {
    coll["delete"] = operation(r, {
      verb: `delete${opGroup(r)}Collection${ns}${r.kind}`,
      action: "deletecollection",
      description: `delete collection of ${r.kind}`,
      kind: gvk,
      params: [
        ...LIST_PARAMS.filter((p) => p["name"] !== "watch" && p["name"] !== "allowWatchBookmarks"),
        ...DELETE_PARAMS,
      ],
      body: `${META}DeleteOptions`,
      codes: { "200": `${META}Status` },
    });
  }
  paths[collection] = coll;

  paths[`${collection}/{name}`] = {
    parameters: named,
    get: operation(r, {
      verb: id("read"),
      action: "get",
      description: `read the specified ${r.kind}`,
      kind: gvk,
      params: [],
      codes: { "200": kindSchema },
    }),
    put: operation(r, {
      verb: id("replace"),
      action: "put",
      description: `replace the specified ${r.kind}`,
      kind: gvk,
      params: WRITE_PARAMS,
      body: kindSchema,
      codes: { "200": kindSchema, "201": kindSchema },
    }),
    patch: operation(r, {
      verb: id("patch"),
      action: "patch",
      description: `partially update the specified ${r.kind}`,
      kind: gvk,
      params: PATCH_PARAMS,
      body: "patch",
      codes: { "200": kindSchema, "201": kindSchema },
    }),
    delete: operation(r, {
      verb: id("delete"),
      action: "delete",
      description: `delete a ${r.kind}`,
      kind: gvk,
      params: DELETE_PARAMS,
      body: `${META}DeleteOptions`,
      codes: { "200": kindSchema, "202": kindSchema },
    }),
  };

  if (r.namespaced && verbs.has("list")) {
    paths[`${root}/${r.resource}`] = {
      parameters: [P.pretty],
      get: operation(r, {
        verb: `list${opGroup(r)}${r.kind}ForAllNamespaces`,
        action: "list",
        description: `list or watch objects of kind ${r.kind}`,
        kind: gvk,
        params: LIST_PARAMS,
        codes: { "200": listSchema },
      }),
    };
  }

  for (const sub of r.subresources) {
    const info = subresourceInfo(r, sub);
    // `serviceaccounts/token` takes an authentication.k8s.io TokenRequest and
    // `pods/eviction` a policy Eviction, kinds the documents do not describe.
    if (!info || sub === "token" || sub === "eviction") continue;
    const subKind = info.responseKind;
    const subSchema = schemaName(subKind.group, subKind.version, subKind.kind);
    const suffix = sub[0]!.toUpperCase() + sub.slice(1);
    const item: Json = { parameters: named };
    if (sub === "status" || sub === "scale") {
      const what = sub === "status"
        ? `status of the specified ${r.kind}`
        : `scale of the specified ${r.kind}`;
      item["get"] = operation(r, {
        verb: id("read", suffix),
        action: "get",
        description: `read ${what}`,
        kind: subKind,
        params: [],
        codes: { "200": subSchema },
      });
      item["put"] = operation(r, {
        verb: id("replace", suffix),
        action: "put",
        description: `replace ${what}`,
        kind: subKind,
        params: WRITE_PARAMS,
        body: subSchema,
        codes: { "200": subSchema, "201": subSchema },
      });
      item["patch"] = operation(r, {
        verb: id("patch", suffix),
        action: "patch",
        description: `partially update ${what}`,
        kind: subKind,
        params: PATCH_PARAMS,
        body: "patch",
        codes: { "200": subSchema, "201": subSchema },
      });
    } else if (sub === "binding") {
      item["parameters"] = named.map((p) =>
        p["name"] === "name" ? pathParam("name", "name of the Binding") : p
      );
      item["post"] = operation(r, {
        verb: `create${opGroup(r)}NamespacedPodBinding`,
        action: "post",
        description: "create binding of a Pod",
        kind: subKind,
        params: WRITE_PARAMS,
        body: subSchema,
        codes: { "200": subSchema, "201": subSchema, "202": subSchema },
      });
    } else if (sub === "log") {
      item["get"] = {
        tags: [tag(r)],
        description: `read log of the specified ${r.kind}`,
        operationId: id("read", "Log"),
        parameters: LOG_PARAMS,
        responses: {
          "200": { description: "OK", content: { "text/plain": { schema: { type: "string" } } } },
          "401": { description: "Unauthorized" },
        },
        "x-kubernetes-action": "get",
        "x-kubernetes-group-version-kind": gvk,
      };
    } else if (sub === "exec") {
      for (const [method, verb] of [["get", "connectGet"], ["post", "connectPost"]] as const) {
        item[method] = {
          tags: [tag(r)],
          description: `connect ${method.toUpperCase()} requests to exec of ${r.kind}`,
          operationId: id(verb, "Exec"),
          parameters: EXEC_PARAMS,
          responses: {
            "200": { description: "OK", content: { "*/*": { schema: { type: "string" } } } },
            "401": { description: "Unauthorized" },
          },
          "x-kubernetes-action": "connect",
          "x-kubernetes-group-version-kind": subKind,
        };
      }
    }
    paths[`${collection}/{name}/${sub}`] = item;
  }
  return paths;
}

/** `"api/v1"` or `"apis/<group>/<version>"`: the key of a group-version in `/openapi/v3`. */
export function groupVersionPath(r: Pick<ApiResource, "group" | "version">): string {
  return r.group === "" ? `api/${r.version}` : `apis/${apiVersionOf(r)}`;
}
