/**
 * Static pods: one pod manifest per file in a directory (the kubelet's `staticPodPath`, rk8s's
 * `/etc/rk8s/manifests`). YAML and JSON; dotfiles, `*.swp`, `*~` and other editor files are
 * ignored. A file that fails to parse is reported once per change and skipped, the others keep
 * running. The pod name gets the node name as suffix (`web-node1`) and annotations naming the
 * source, the spec hash and the file, as the kubelet does.
 *
 * @module
 */
import { basename, join } from "node:path";
import { ManifestError } from "../errors.ts";
import { readManifest, readManifestFile } from "../manifest_reader.ts";
import { parsePodManifest, type PodManifest } from "../pod/pod_manifest.ts";
import { dns1123SubdomainProblem } from "../pod/_names.ts";
import type { DesiredPod } from "./pod_sync_planner.ts";

/** Annotation naming where a pod came from (`file`), as the kubelet sets it. */
export const STATIC_POD_ANNOTATION_SOURCE = "kubernetes.io/config.source";
/** Annotation holding the hash of the parsed spec, as the kubelet sets it. */
export const STATIC_POD_ANNOTATION_HASH = "kubernetes.io/config.hash";
/** Annotation naming the manifest file of a static pod. */
export const STATIC_POD_ANNOTATION_FILE = "rk8s.io/config.file";

/**
 * True for file names the static pod source reads: `*.yaml`, `*.yml`, `*.json`, except dotfiles
 * and editor leftovers (`*.swp`, `*~`, `#*#`, `4913`).
 *
 * @example
 * ```ts
 * import { isManifestFileName } from "./static_pods.ts";
 * import assert from "node:assert/strict";
 * assert.ok(isManifestFileName("web.yaml"));
 * assert.ok(isManifestFileName("web.json"));
 * assert.ok(!isManifestFileName(".web.yaml"));
 * assert.ok(!isManifestFileName("web.yaml~"));
 * assert.ok(!isManifestFileName(".web.yaml.swp"));
 * assert.ok(!isManifestFileName("README.md"));
 * ```
 */
export function isManifestFileName(name: string): boolean {
  if (name.startsWith(".") || name.endsWith("~") || name.endsWith(".swp")) return false;
  if (name.startsWith("#") && name.endsWith("#")) return false;
  return /\.(ya?ml|json)$/i.test(name);
}

/**
 * The name of a static pod on a node: `<name>-<node>` (the kubelet's rule).
 *
 * @example
 * ```ts
 * import { staticPodName } from "./static_pods.ts";
 * import assert from "node:assert/strict";
 * assert.equal(staticPodName("web", "Node1"), "web-node1");
 * ```
 */
export function staticPodName(name: string, nodeName: string): string {
  return `${name}-${nodeName.toLowerCase()}`;
}

/** `file:line:column` of `metadata.name` in a manifest that parsed (the file alone if unknown). */
function namePosition(text: string, file: string): string {
  const p = readManifest(text, file).root.get("metadata").get("name").position;
  return p.line > 0 ? `${file}:${p.line}:${p.column}` : file;
}

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Parses one static pod file into a desired pod: validates it like `rkl pod run` does (relative
 * image paths resolve against the manifest directory), renames it for the node and annotates it.
 * Throws {@linkcode ManifestError} with file, line, column and field path.
 *
 * @example
 * ```ts
 * import { parseStaticPod } from "./static_pods.ts";
 * import assert from "node:assert/strict";
 * const text = "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  containers: [{name: a, image: /img}]\n";
 * const d = await parseStaticPod(text, "/m/web.yaml", "node1", { checkImage: () => undefined });
 * assert.equal(d.key, "default/web-node1");
 * assert.equal(d.manifest.annotations["rk8s.io/config.file"], "/m/web.yaml");
 * ```
 */
export async function parseStaticPod(
  text: string,
  file: string,
  nodeName: string,
  opts: { checkImage?: (path: string) => string | undefined; imageDir?: string } = {},
): Promise<DesiredPod> {
  const dir = file.slice(0, Math.max(0, file.length - basename(file).length)) || ".";
  const { pod } = parsePodManifest(text, file, {
    baseDir: dir,
    ...(opts.checkImage ? { checkImage: opts.checkImage } : {}),
    ...(opts.imageDir !== undefined ? { imageDir: opts.imageDir } : {}),
  });
  const name = staticPodName(pod.name, nodeName);
  const problem = dns1123SubdomainProblem(name);
  if (problem) {
    const p = readManifest(text, file).root.get("metadata").get("name").position;
    throw new ManifestError(`static pod name "${name}": ${problem}`, {
      ...p,
      path: "metadata.name",
    });
  }
  const hash = (await sha256Hex(JSON.stringify(pod))).slice(0, 16);
  const manifest: PodManifest = {
    ...pod,
    name,
    annotations: {
      ...pod.annotations,
      [STATIC_POD_ANNOTATION_SOURCE]: "file",
      [STATIC_POD_ANNOTATION_HASH]: hash,
      [STATIC_POD_ANNOTATION_FILE]: file,
    },
  };
  return { key: `${manifest.namespace}/${name}`, manifest, hash, source: "file" };
}

/** A manifest file that could not be used, reported once per change. */
export interface ManifestProblem {
  /**
   * The event reason: `FailedRead` (not a readable regular text file of at most 1 MiB),
   * `FailedParse` (not a valid Pod), `DuplicatePod` (another file defines the same pod).
   */
  reason: "FailedRead" | "FailedParse" | "DuplicatePod";
  /** The file. */
  file: string;
  /** `file:line:column: path: reason`. */
  message: string;
}

/** Result of {@linkcode StaticPodSource.scan}. */
export interface StaticPodScan {
  /** Every usable static pod. */
  desired: DesiredPod[];
  /** Problems new since the previous scan (changed files only). */
  newProblems: ManifestProblem[];
  /** Every current problem (for `rkl daemon status`). */
  problems: ManifestProblem[];
}

interface FileState {
  stamp: string;
  result: DesiredPod | ManifestProblem;
  /** `file:line:column` of `metadata.name` (for a duplicate name). */
  where: string;
}

/**
 * Reads a manifest directory, re-parsing only files whose size, mtime or inode changed. Two files
 * defining the same pod: the first by file name wins, the other is a problem.
 */
export class StaticPodSource {
  /** The directory. */
  readonly dir: string;
  /** The node name (pod name suffix). */
  readonly nodeName: string;
  readonly #files = new Map<string, FileState>();
  readonly #reportedDuplicates = new Map<string, string>();
  readonly #opts: { checkImage?: (path: string) => string | undefined; imageDir?: string };

  /**
   * Creates a source for `dir` on node `nodeName` (`checkImage`, `imageDir`: see
   * `parsePodManifest`).
   */
  constructor(
    dir: string,
    nodeName: string,
    opts: { checkImage?: (path: string) => string | undefined; imageDir?: string } = {},
  ) {
    this.dir = dir;
    this.nodeName = nodeName;
    this.#opts = opts;
  }

  /**
   * A cheap fingerprint of the directory: the size, mtime and inode of every manifest file,
   * read with synchronous stats (no file is opened or parsed). Two equal stamps mean a scan
   * would find nothing new; the daemon compares it on each tick to see edits in place, which
   * do not change the directory's own mtime.
   */
  stamp(): string {
    const parts: string[] = [];
    try {
      for (const e of Deno.readDirSync(this.dir)) {
        if (e.isDirectory || !isManifestFileName(e.name)) continue;
        try {
          const st = Deno.statSync(join(this.dir, e.name));
          parts.push(`${e.name}:${st.size}:${st.mtime?.getTime() ?? 0}:${st.ino ?? 0}`);
        } catch (err) {
          if (!(err instanceof Deno.errors.NotFound)) throw err;
        }
      }
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return "missing";
      throw err;
    }
    return parts.sort().join("|");
  }

  /** Scans the directory (a missing directory holds no pods). */
  async scan(): Promise<StaticPodScan> {
    const names: string[] = [];
    try {
      for await (const e of Deno.readDir(this.dir)) {
        if (!e.isDirectory && isManifestFileName(e.name)) names.push(e.name);
      }
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
    names.sort();
    const newProblems: ManifestProblem[] = [];
    const seen = new Set<string>();
    for (const name of names) {
      const file = join(this.dir, name);
      seen.add(file);
      let stamp: string;
      try {
        const st = await Deno.stat(file);
        stamp = `${st.size}:${st.mtime?.getTime() ?? 0}:${st.ino ?? 0}`;
      } catch (e) {
        if (e instanceof Deno.errors.NotFound) {
          seen.delete(file);
          continue;
        }
        stamp = `error:${e instanceof Error ? e.message : String(e)}`;
      }
      const prev = this.#files.get(file);
      if (prev?.stamp === stamp) continue;
      const { result, where } = await this.#parse(file);
      this.#files.set(file, { stamp, result, where });
      if (!("key" in result)) newProblems.push(result);
    }
    for (const file of [...this.#files.keys()]) if (!seen.has(file)) this.#files.delete(file);

    const desired: DesiredPod[] = [];
    const problems: ManifestProblem[] = [];
    const owner = new Map<string, string>();
    for (const [file, st] of [...this.#files].sort(([a], [b]) => a.localeCompare(b))) {
      if (!("key" in st.result)) {
        problems.push(st.result);
        continue;
      }
      const first = owner.get(st.result.key);
      if (first !== undefined) {
        const p: ManifestProblem = {
          reason: "DuplicatePod",
          file,
          message:
            `${st.where}: metadata.name: pod "${st.result.key}" is already defined in ${first}`,
        };
        problems.push(p);
        if (this.#reportedDuplicates.get(file) !== `${st.stamp}|${first}`) {
          this.#reportedDuplicates.set(file, `${st.stamp}|${first}`);
          newProblems.push(p);
        }
        continue;
      }
      this.#reportedDuplicates.delete(file);
      owner.set(st.result.key, file);
      desired.push(st.result);
    }
    return { desired, newProblems, problems };
  }

  async #parse(file: string): Promise<{ result: DesiredPod | ManifestProblem; where: string }> {
    let text: string;
    try {
      // Only a regular file of at most 1 MiB: a FIFO or device dropped here never blocks the loop.
      text = await readManifestFile(file);
    } catch (e) {
      if (e instanceof ManifestError) {
        return { result: { reason: "FailedRead", file, message: e.message }, where: file };
      }
      throw e;
    }
    try {
      const result = await parseStaticPod(
        text,
        file,
        this.nodeName,
        this.#opts,
      );
      return { result, where: namePosition(text, file) };
    } catch (e) {
      if (e instanceof ManifestError) {
        return { result: { reason: "FailedParse", file, message: e.message }, where: file };
      }
      throw e;
    }
  }
}
