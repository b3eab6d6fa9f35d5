/**
 * Parsing of one container of a pod manifest (`spec.containers[]`, `spec.initContainers[]`)
 * into a {@linkcode ContainerInput}: zero values of non-pointer fields mean "not set", types
 * are checked and never coerced, every error carries file, line, column and field path.
 * Defaulting happens afterwards, in `../k8s/defaults.ts`.
 *
 * @module
 */
import { isAbsolute, resolve } from "../path.ts";
import { resolveImage } from "../image_resolve.ts";
import type { ManifestField } from "../manifest_reader.ts";
import {
  absolutePath,
  commandAndArgs,
  CONTAINER_FIELDS,
  containerPort,
  containerResources,
  envNameProblem,
  envVarName,
  envVarValue,
  optionalText,
  privilegeFields,
  runAsIds,
  SECURITY_CONTEXT_FIELDS,
} from "../container/fields.ts";
import { dns1123LabelProblem } from "./_names.ts";
import { parseLifecycle, parseProbe } from "./probe_spec.ts";
import {
  type ContainerInput,
  type PodEnvVar,
  type PodFieldPath,
  podFieldPaths,
  type PodSecurityContext,
  type PullPolicy,
  type TerminationMessagePolicy,
} from "./pod_types.ts";

/** What parsing a container needs from the pod around it. */
export interface ContainerParseContext {
  /** Directory relative image paths resolve against. */
  baseDir: string;
  /** Returns why an image path is not usable, or undefined. */
  check: (path: string) => string | undefined;
  /** Where image references (`busybox:1.36`) are looked up (see `resolveImage`). */
  imageDir?: string;
  /** Names of the pod's volumes. */
  volumes: ReadonlySet<string>;
}

/** Resolves `p` against `baseDir` unless it is absolute. */
export function absoluteFrom(baseDir: string, p: string): string {
  return isAbsolute(p) ? p : resolve(baseDir, p);
}

/** Throws `problem` at `field` when there is one. */
export function nameCheck(field: ManifestField, problem: string | undefined): void {
  if (problem) throw field.error(problem);
}

function oneOf<T extends string>(
  f: ManifestField,
  key: string,
  values: readonly T[],
): T | undefined {
  const v = optionalText(f, key);
  if (v === undefined) return undefined;
  if (!(values as readonly string[]).includes(v)) {
    throw f.get(key).error(`expected ${values.join(", ")}, got "${v}"`);
  }
  return v as T;
}

/**
 * Parses one container of a pod manifest (not yet defaulted).
 *
 * @example
 * ```ts
 * import { parsePodContainer } from "./pod_manifest_container.ts";
 * import { readManifest } from "../manifest_reader.ts";
 * import assert from "node:assert/strict";
 * const { root } = readManifest("name: app\nimage: img\nworkingDir: ''\n", "p.yaml");
 * const c = parsePodContainer(root, { baseDir: "/w", check: () => undefined, volumes: new Set() }, false);
 * assert.equal(c.image, "/w/img");
 * assert.equal(c.workingDir, undefined);
 * ```
 */
export function parsePodContainer(
  f: ManifestField,
  ctx: ContainerParseContext,
  init: boolean,
): ContainerInput {
  f.object().known([
    ...CONTAINER_FIELDS,
    "imagePullPolicy",
    "tty",
    "stdin",
    "terminationMessagePath",
    "terminationMessagePolicy",
    "startupProbe",
    "livenessProbe",
    "readinessProbe",
    "lifecycle",
    "envFrom",
  ]);
  if (f.list("envFrom").length > 0) throw f.get("envFrom").error(NEEDS_CLUSTER("envFrom"));
  const name = f.requiredString("name");
  nameCheck(f.get("name"), dns1123LabelProblem(name));
  const imageRaw = optionalText(f, "image");
  if (imageRaw === undefined) throw f.get("image").error("required field is missing");
  const found = resolveImage(imageRaw, {
    baseDir: ctx.baseDir,
    check: ctx.check,
    ...(ctx.imageDir !== undefined ? { imageDir: ctx.imageDir } : {}),
  });
  if ("problem" in found) throw f.get("image").error(found.problem);
  const image = found.path;
  const c: ContainerInput = {
    name,
    image,
    env: f.list("env").map(parseEnv),
    ports: f.list("ports").map((p) => containerPort(p, { ignoreProtocolCase: false })),
    volumeMounts: f.list("volumeMounts").map((m) => parseMount(m, ctx.volumes)),
    securityContext: parseContainerSecurity(f.get("securityContext")),
    ...commandAndArgs(f),
  };
  const r = containerResources(f.get("resources"), {
    quantityFields: ["cpu", "memory", "ephemeral-storage"],
  });
  if (r !== undefined) c.resources = r;
  const pull = oneOf<PullPolicy>(f, "imagePullPolicy", ["Always", "IfNotPresent", "Never"]);
  if (pull !== undefined) c.imagePullPolicy = pull;
  const tmPath = optionalText(f, "terminationMessagePath");
  if (tmPath !== undefined) {
    c.terminationMessagePath = absolutePath(f.get("terminationMessagePath"));
  }
  const tmPolicy = oneOf<TerminationMessagePolicy>(f, "terminationMessagePolicy", [
    "File",
    "FallbackToLogsOnError",
  ]);
  if (tmPolicy !== undefined) c.terminationMessagePolicy = tmPolicy;
  for (const probe of ["startupProbe", "livenessProbe", "readinessProbe"] as const) {
    if (init && f.has(probe)) throw f.get(probe).error(`init containers may not have a ${probe}`);
    const spec = parseProbe(f, probe);
    if (spec) c[probe] = spec;
  }
  const stopSignal = parseStopSignal(f.get("lifecycle"));
  if (stopSignal !== undefined) c.stopSignal = stopSignal;
  const lifecycle = parseLifecycle(f);
  if (lifecycle?.postStart || lifecycle?.preStop) {
    if (init) throw f.get("lifecycle").error("init containers may not have lifecycle hooks");
    c.lifecycle = lifecycle;
  }
  if (f.optionalBoolean("tty") === true) {
    f.get("tty").warn("tty is not supported for pod containers; ignored");
  }
  if (optionalText(f, "workingDir") !== undefined) c.workingDir = absolutePath(f.get("workingDir"));
  if (init && (c.ports?.length ?? 0) > 0) {
    f.get("ports").warn("ports of an init container are ignored");
  }
  const names = new Set<string>();
  f.list("env").forEach((e, i) => {
    const n = c.env![i]!.name;
    if (names.has(n)) e.get("name").warn(`duplicate variable "${n}": the last value wins`);
    names.add(n);
  });
  const paths = new Map<string, number>();
  f.list("volumeMounts").forEach((m, i) => {
    const p = c.volumeMounts![i]!.mountPath;
    if (paths.has(p)) {
      throw m.get("mountPath").error(
        `mount path "${p}" is already used by volumeMounts[${paths.get(p)}]`,
      );
    }
    paths.set(p, i);
  });
  return c;
}

/**
 * The env sources a cluster node resolves before the pod reaches this parser (it rewrites them
 * into literal values); anywhere else they are refused.
 */
const CLUSTER_ENV_SOURCES = ["configMapKeyRef", "secretKeyRef", "resourceFieldRef"] as const;

const NEEDS_CLUSTER = (field: string) =>
  field.endsWith("resourceFieldRef")
    ? `${field} is resolved only on a cluster node (create the pod with kubectl on an rks cluster)`
    : `${field} needs a cluster: only a cluster node reads ConfigMaps and Secrets (create the pod with kubectl on an rks cluster)`;

function parseEnv(f: ManifestField): PodEnvVar {
  const name = envVarName(f, ["name", "value", "valueFrom"], envNameProblem);
  const vf = f.get("valueFrom");
  if (!vf.isNull) {
    if (optionalText(f, "value") !== undefined) {
      throw f.error("value and valueFrom cannot both be set");
    }
    vf.object().known(["fieldRef", ...CLUSTER_ENV_SOURCES]);
    for (const k of CLUSTER_ENV_SOURCES) {
      if (!vf.get(k).isNull) throw vf.get(k).error(NEEDS_CLUSTER(`valueFrom.${k}`));
    }
    const ref = vf.get("fieldRef");
    if (ref.isNull) throw vf.error("expected one of fieldRef, configMapKeyRef, secretKeyRef");
    ref.object().known(["fieldPath", "apiVersion"]);
    const path = ref.requiredString("fieldPath");
    if (!(podFieldPaths as readonly string[]).includes(path)) {
      throw ref.get("fieldPath").error(
        `expected one of ${podFieldPaths.join(", ")}, got "${path}"`,
      );
    }
    return { name, fieldRef: path as PodFieldPath };
  }
  return { name, value: envVarValue(f) };
}

function parseMount(
  f: ManifestField,
  volumes: ReadonlySet<string>,
): NonNullable<ContainerInput["volumeMounts"]>[number] {
  f.object().known(["name", "mountPath", "readOnly", "subPath", "subPathExpr"]);
  const name = f.requiredString("name");
  if (!volumes.has(name)) {
    throw f.get("name").error(
      `unknown volume "${name}" (spec.volumes has ${
        volumes.size > 0 ? [...volumes].map((v) => `"${v}"`).join(", ") : "no volumes"
      })`,
    );
  }
  if (optionalText(f, "mountPath") === undefined) {
    throw f.get("mountPath").error("required field is missing");
  }
  const mountPath = absolutePath(f.get("mountPath"));
  const m: NonNullable<ContainerInput["volumeMounts"]>[number] = { name, mountPath };
  const ro = f.optionalBoolean("readOnly");
  if (ro !== undefined) m.readOnly = ro;
  const sub = optionalText(f, "subPath");
  if (sub !== undefined) {
    if (sub.startsWith("/") || sub.split("/").includes("..")) {
      throw f.get("subPath").error(`expected a relative path without "..", got "${sub}"`);
    }
    m.subPath = sub;
  }
  // kube-apiserver's ValidateVolumeMounts: the expression text is a relative path without
  // "..", and excludes subPath; what it expands to is checked when the container is created.
  const expr = optionalText(f, "subPathExpr");
  if (expr !== undefined) {
    if (sub !== undefined) {
      throw f.get("subPathExpr").error("subPathExpr and subPath are mutually exclusive");
    }
    if (expr.startsWith("/") || expr.split("/").includes("..")) {
      throw f.get("subPathExpr").error(`expected a relative path without "..", got "${expr}"`);
    }
    m.subPathExpr = expr;
  }
  return m;
}

function parseContainerSecurity(f: ManifestField): PodSecurityContext {
  const out: PodSecurityContext = {};
  if (f.isNull) return out;
  f.object().known([...SECURITY_CONTEXT_FIELDS, "runAsNonRoot"]);
  Object.assign(out, runAsIds(f));
  const ro = f.optionalBoolean("readOnlyRootFilesystem");
  if (ro !== undefined) out.readOnlyRootFilesystem = ro;
  const nonRoot = f.optionalBoolean("runAsNonRoot");
  if (nonRoot !== undefined) out.runAsNonRoot = nonRoot;
  Object.assign(out, privilegeFields(f));
  return out;
}

/**
 * The signals `lifecycle.stopSignal` accepts on Linux (the API server's
 * `supportedStopSignalsLinux`, Kubernetes 1.33).
 */
export const LINUX_STOP_SIGNALS: readonly string[] = [
  ..."ABRT ALRM BUS CHLD CLD CONT FPE HUP ILL INT IO IOT KILL PIPE POLL PROF PWR QUIT SEGV STKFLT STOP SYS TERM TRAP TSTP TTIN TTOU URG USR1 USR2 VTALRM WINCH XCPU XFSZ RTMIN"
    .split(" ").map((s) => `SIG${s}`),
  ...Array.from({ length: 15 }, (_, i) => `SIGRTMIN+${i + 1}`),
  ...Array.from({ length: 14 }, (_, i) => `SIGRTMAX-${14 - i}`),
  "SIGRTMAX",
];

/** `lifecycle.stopSignal` (the hooks are parsed by `parseLifecycle` in probe_spec.ts). */
function parseStopSignal(f: ManifestField): string | undefined {
  if (f.isNull) return undefined;
  const signal = optionalText(f, "stopSignal");
  if (signal === undefined) return undefined;
  if (!LINUX_STOP_SIGNALS.includes(signal)) {
    throw f.get("stopSignal").error(
      `unsupported value "${signal}": expected a Linux signal name such as SIGTERM, SIGINT, SIGUSR1 or SIGRTMIN+1`,
    );
  }
  return signal;
}
