/**
 * The per-attachment cache: what rkl needs to tear an attachment down later exactly as it was
 * set up (each network's configuration as used for ADD, its result, the runtime config), also
 * after a crash or reboot. Written before ADD runs, updated after each network.
 *
 * @module
 */
import { join } from "../core/path.ts";
import { RkError } from "../core/errors.ts";
import { isRecord } from "../core/is_record.ts";
import { readDirIfExists, readTextIfExists, removeIfExists } from "../core/fs.ts";
import type { OwnerProcess } from "../core/owner_process.ts";
import { parseCniResult } from "./cni_result.ts";
import { parseNetworkConfig } from "./cni_config.ts";
import type { CniNetworkConfigList, CniPortMapping, CniResult } from "./cni_types.ts";

/** One network of an attachment. */
export interface AttachedNetwork {
  /** The configuration list as used for ADD (DEL must get the same). */
  config: CniNetworkConfigList;
  /** Interface name in the sandbox (`eth0`, `eth1`, ...). */
  ifName: string;
  /** Result of ADD; absent while ADD runs or when it failed. */
  result?: CniResult;
}

/** Lifecycle of an attachment record. */
export type AttachmentState = "adding" | "ready" | "deleting";

/** Type guard for {@linkcode AttachmentState}. */
export function isAttachmentState(v: unknown): v is AttachmentState {
  return v === "adding" || v === "ready" || v === "deleting";
}

/** Everything rkl remembers about one sandbox's networking. */
export interface AttachmentRecord {
  /** Sandbox id (CNI container id). */
  id: string;
  /** Human name. */
  name: string;
  /** Hostname written to /etc/hosts. */
  hostname: string;
  /** Network namespace path. */
  netnsPath: string;
  /** Where the attachment is in its lifecycle. */
  state: AttachmentState;
  /** Published ports. */
  ports: CniPortMapping[];
  /** `CNI_ARGS` entries. */
  cniArgs: Record<string, string>;
  /** Networks in attachment order. */
  networks: AttachedNetwork[];
  /** Creation time (ISO 8601). */
  createdAt: string;
  /**
   * The process that set the attachment up (pid and start time), written with the record
   * before anything is acquired: an attachment still `adding` whose owner is gone was
   * interrupted and is released by gc at once. Absent in records of older rkl versions.
   */
  owner?: OwnerProcess;
}

/**
 * The sandbox's addresses, primary first (without prefix length).
 *
 * @example
 * ```ts
 * import { recordIps } from "./attachment_record.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(recordIps({ networks: [] }), []);
 * ```
 */
export function recordIps(rec: Pick<AttachmentRecord, "networks">): string[] {
  const out: string[] = [];
  for (const n of rec.networks) {
    const r = n.result;
    if (!r) continue;
    for (const ip of r.ips) {
      const iface = ip.interface === undefined ? undefined : r.interfaces[ip.interface];
      if (iface && iface.sandbox === undefined) continue;
      out.push(ip.address.replace(/\/\d+$/, ""));
    }
  }
  return out;
}

/**
 * Network configurations parsed from records, by file and text: every attachment of a network
 * caches the same configuration, and `parseNetworkConfig` (line and column for every problem)
 * costs milliseconds each — a pod's removal reads every record of the node (idle bridges).
 */
const parsedConfigs = new Map<string, CniNetworkConfigList>();

function cachedNetworkConfig(text: string, file: string): CniNetworkConfigList {
  const key = `${file}\0${text}`;
  const hit = parsedConfigs.get(key);
  if (hit) return hit;
  const { list } = parseNetworkConfig(text, file);
  if (parsedConfigs.size >= 64) parsedConfigs.clear();
  parsedConfigs.set(key, list);
  return list;
}

/**
 * Parses a record read from disk; anything malformed is an error naming the file and field.
 *
 * @example
 * ```ts
 * import { parseAttachmentRecord } from "./attachment_record.ts";
 * import assert from "node:assert/strict";
 * assert.throws(() => parseAttachmentRecord({ id: 1 }, "a.json"), /a\.json: id must be a string/);
 * const rec = {
 *   id: "c1", name: "web", hostname: "web", netnsPath: "/run/rkl/netns/c1", state: "adding",
 *   ports: [], cniArgs: {}, networks: [], createdAt: "2026-01-01T00:00:00Z",
 *   owner: { pid: 42, startedAt: 1_000 },
 * };
 * assert.deepEqual(parseAttachmentRecord(rec, "a.json").owner, { pid: 42, startedAt: 1_000 });
 * assert.throws(
 *   () => parseAttachmentRecord({ ...rec, owner: { pid: "42" } }, "a.json"),
 *   /a\.json: owner must be an object with integer pid and startedAt/,
 * );
 * ```
 */
export function parseAttachmentRecord(value: unknown, file: string): AttachmentRecord {
  const fail = (what: string) => new RkError(`Invalid attachment record ${file}: ${what}`);
  if (!isRecord(value)) throw fail("expected an object");
  const s = (k: string): string => {
    const v = value[k];
    if (typeof v !== "string") throw fail(`${k} must be a string`);
    return v;
  };
  const id = s("id");
  if (!isAttachmentState(value.state)) throw fail(`state must be adding, ready or deleting`);
  if (!Array.isArray(value.ports)) throw fail("ports must be a list");
  const ports = value.ports.map((p, i): CniPortMapping => {
    if (
      !isRecord(p) || typeof p.hostPort !== "number" || typeof p.containerPort !== "number" ||
      (p.protocol !== "tcp" && p.protocol !== "udp" && p.protocol !== "sctp") ||
      (p.hostIP !== undefined && typeof p.hostIP !== "string")
    ) throw fail(`ports[${i}] is malformed`);
    return {
      hostPort: p.hostPort,
      containerPort: p.containerPort,
      protocol: p.protocol,
      ...(typeof p.hostIP === "string" ? { hostIP: p.hostIP } : {}),
    };
  });
  let owner: OwnerProcess | undefined;
  if (value.owner !== undefined) {
    const o = value.owner;
    if (
      !isRecord(o) || !Number.isSafeInteger(o.pid) || (o.pid as number) <= 0 ||
      !Number.isSafeInteger(o.startedAt)
    ) throw fail("owner must be an object with integer pid and startedAt");
    owner = { pid: o.pid as number, startedAt: o.startedAt as number };
  }
  if (!isRecord(value.cniArgs)) throw fail("cniArgs must be an object");
  const cniArgs: Record<string, string> = {};
  for (const [k, v] of Object.entries(value.cniArgs)) {
    if (typeof v !== "string") throw fail(`cniArgs.${k} must be a string`);
    cniArgs[k] = v;
  }
  if (!Array.isArray(value.networks)) throw fail("networks must be a list");
  const networks = value.networks.map((n, i): AttachedNetwork => {
    if (!isRecord(n) || typeof n.ifName !== "string" || !isRecord(n.config)) {
      throw fail(`networks[${i}] is malformed`);
    }
    const configFile = typeof n.configFile === "string" ? n.configFile : file;
    const list = cachedNetworkConfig(JSON.stringify(n.config), configFile);
    const src = { plugin: "(cached)", command: "DEL", network: list.name };
    return {
      config: { ...list, file: configFile },
      ifName: n.ifName,
      ...(n.result === undefined ? {} : { result: parseCniResult(n.result, src) }),
    };
  });
  return {
    id,
    name: s("name"),
    hostname: s("hostname"),
    netnsPath: s("netnsPath"),
    state: value.state,
    ports,
    cniArgs,
    networks,
    createdAt: s("createdAt"),
    ...(owner ? { owner } : {}),
  };
}

/** The JSON form of a record (configs kept verbatim). */
export function serializeAttachmentRecord(rec: AttachmentRecord): string {
  return JSON.stringify(
    {
      ...rec,
      networks: rec.networks.map((n) => ({
        config: n.config.raw,
        configFile: n.config.file,
        ifName: n.ifName,
        ...(n.result ? { result: n.result } : {}),
      })),
    },
    null,
    2,
  ) + "\n";
}

/**
 * Stores records as `DIR/ID/attachment.json`, next to the sandbox's hosts and resolv.conf.
 *
 * @example
 * ```ts
 * import { AttachmentStore } from "./attachment_record.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir(); // rkl uses /var/lib/rkl/cni/attachments
 * const store = new AttachmentStore(`${dir}/attachments`);
 * assert.deepEqual(await store.list(), []); // a missing directory holds no records
 * assert.equal(await store.get("c1"), undefined);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class AttachmentStore {
  /** Directory of per-attachment directories. */
  readonly dir: string;

  /** Creates a store rooted at `dir`. */
  constructor(dir: string) {
    this.dir = dir;
  }

  /** Directory of attachment `id`. */
  dirOf(id: string): string {
    return join(this.dir, id);
  }

  /** Reads a record, or undefined when there is none. */
  async get(id: string): Promise<AttachmentRecord | undefined> {
    const file = join(this.dirOf(id), "attachment.json");
    const text = await readTextIfExists(file);
    if (text === undefined) return undefined;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new RkError(`Invalid attachment record ${file}: not JSON`, { cause: error });
    }
    return parseAttachmentRecord(value, file);
  }

  /** Writes a record atomically (temp file + rename). */
  async put(rec: AttachmentRecord): Promise<void> {
    const dir = this.dirOf(rec.id);
    await Deno.mkdir(dir, { recursive: true });
    const tmp = join(dir, "attachment.json.tmp");
    await Deno.writeTextFile(tmp, serializeAttachmentRecord(rec));
    await Deno.rename(tmp, join(dir, "attachment.json"));
  }

  /** Removes the attachment's directory (record, hosts, resolv.conf). */
  async remove(id: string): Promise<void> {
    await removeIfExists(this.dirOf(id));
  }

  /** Ids of every attachment directory. */
  async ids(): Promise<string[]> {
    const entries = await readDirIfExists(this.dir);
    return entries.filter((e) => e.isDirectory).map((e) => e.name).sort();
  }

  /** Every readable record (directories without a record file are skipped). */
  async list(): Promise<AttachmentRecord[]> {
    const out: AttachmentRecord[] = [];
    for (const id of await this.ids()) {
      const rec = await this.get(id);
      if (rec) out.push(rec);
    }
    return out;
  }
}
