/**
 * The admin side of node membership, as `rks token create` and `rks node revoke` run it against
 * a running rks (through its admin kubeconfig in the data directory): create a kubeadm-style
 * bootstrap token and print the join command; revoke a node's credential.
 *
 * @module
 */
import { join } from "node:path";
import { parse } from "yaml";
import { RkError, UsageError } from "../../core/errors.ts";
import { readTextIfExists } from "../../core/fs.ts";
import { credentialsFromKubeconfig } from "../apiserver/api_client.ts";
import {
  bootstrapTokenSecret,
  caCertHash,
  formatBootstrapToken,
  generateBootstrapToken,
} from "../node_protocol/mod.ts";
import { ApiRelay } from "./api_relay.ts";
import { revokeNodeCredential } from "./node_credentials.ts";

/** Where `rks start --node-listen` records the node address (read by `rks token create`). */
export function nodeAddressFile(dataDir: string): string {
  return join(dataDir, "node-address");
}

async function adminRelay(dataDir: string): Promise<ApiRelay> {
  const file = join(dataDir, "admin.kubeconfig");
  const text = await readTextIfExists(file);
  if (text === undefined) {
    throw new RkError(
      `No admin kubeconfig at ${file}: run "rks start --data-dir ${dataDir}" first`,
    );
  }
  return new ApiRelay(credentialsFromKubeconfig(parse(text), file));
}

/**
 * Parses a token TTL as kubeadm's `--ttl` (Go durations `24h`, `90m`, `1h30m`, `45s`; `0` =
 * never expires); returns milliseconds or throws `RkError`.
 *
 * @example
 * ```ts
 * import { parseTtl } from "./node_admin.ts";
 * import assert from "node:assert/strict";
 * assert.equal(parseTtl("1h30m"), 5_400_000);
 * assert.equal(parseTtl("0"), 0);
 * assert.throws(() => parseTtl("soon"), /--ttl/);
 * ```
 */
export function parseTtl(text: string): number {
  if (text === "0") return 0;
  const re = /(\d+)(h|m|s)/gy;
  let ms = 0;
  let at = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    ms += Number(m[1]) * ({ h: 3_600_000, m: 60_000, s: 1000 } as const)[m[2] as "h" | "m" | "s"];
    at = re.lastIndex;
  }
  if (at !== text.length || text === "") {
    throw new UsageError(`--ttl: expected a duration such as 24h, 30m or 1h30m, got "${text}"`);
  }
  return ms;
}

/**
 * The join command for the flags {@linkcode createJoinToken} returns, in the two forms a user
 * can run: `task`, from an rk8s checkout (`deno task daemon …`, the `daemon` task with its
 * permission set; `rkl` is not on PATH there), and `installed`, with `rkl` on PATH.
 *
 * @example
 * ```ts
 * import { joinCommands } from "./node_admin.ts";
 * import assert from "node:assert/strict";
 * const c = joinCommands("--cluster 10.0.0.1:50051 --token abcdef.0123456789abcdef --ca-cert-hash sha256:00");
 * assert.equal(c.task, "deno task daemon --cluster 10.0.0.1:50051 --token abcdef.0123456789abcdef --ca-cert-hash sha256:00");
 * assert.match(c.installed, /^rkl daemon --cluster 10\.0\.0\.1:50051 /);
 * ```
 */
export function joinCommands(flags: string): { task: string; installed: string } {
  return { task: `deno task daemon ${flags}`, installed: `rkl daemon ${flags}` };
}

/**
 * Creates a bootstrap token valid for `ttlMs` (0 = no expiration; kubeadm's default is 24 h)
 * and returns the node's join flags
 * `--cluster ADDR --token <id.secret> --ca-cert-hash sha256:<hex>` (see
 * {@linkcode joinCommands} for the command around them).
 * Throws `RkError` when rks is not running or refuses.
 */
export async function createJoinToken(
  dataDir: string,
  ttlMs: number,
  address?: string,
): Promise<string> {
  const addr = address ?? (await readTextIfExists(nodeAddressFile(dataDir)))?.trim();
  if (!addr) {
    throw new RkError(
      `No node address: start rks with --node-listen HOST:PORT or pass --node-listen to token create`,
    );
  }
  const ca = await readTextIfExists(join(dataDir, "pki", "ca.crt"));
  if (ca === undefined) throw new RkError(`No cluster CA in ${join(dataDir, "pki")}`);
  const relay = await adminRelay(dataDir);
  try {
    const token = generateBootstrapToken();
    const expires = ttlMs > 0 ? new Date(Date.now() + ttlMs) : undefined;
    const secret = bootstrapTokenSecret(token, expires ?? new Date(0));
    if (!expires) delete (secret.data as Record<string, string>).expiration;
    const r = await relay.call("POST", "/api/v1/namespaces/kube-system/secrets", secret);
    if (r.status !== 201 && r.status !== 200) {
      const body = r.body as { message?: unknown };
      throw new RkError(`Cannot create the bootstrap token: ${String(body?.message ?? r.status)}`);
    }
    return `--cluster ${addr} --token ${
      formatBootstrapToken(token)
    } --ca-cert-hash ${await caCertHash(
      ca,
    )}`;
  } finally {
    relay.close();
  }
}

/** Revokes `node`'s credential. Throws `RkError` when no credential was issued to it. */
export async function revokeNode(dataDir: string, node: string): Promise<void> {
  const relay = await adminRelay(dataDir);
  try {
    if (!await revokeNodeCredential(relay, node)) {
      throw new RkError(`Node "${node}" has no credential to revoke`);
    }
  } finally {
    relay.close();
  }
}
