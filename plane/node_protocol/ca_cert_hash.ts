/**
 * `caCertHash`: the pin a joining node checks the cluster CA against, in kubeadm's
 * `--discovery-token-ca-cert-hash` format: `sha256:` and the lowercase hex SHA-256 of the CA
 * certificate's DER-encoded SubjectPublicKeyInfo (RFC 5280 §4.1.2.7), as kubeadm's
 * `pubkeypin.Hash` computes it.
 *
 * @module
 */
import "reflect-metadata";
import * as x509 from "@peculiar/x509";

/**
 * The `sha256:<hex>` pin of the first certificate in `pem`. Throws `TypeError` when `pem`
 * holds no certificate.
 *
 * @example
 * ```ts
 * import { caCertHash } from "./ca_cert_hash.ts";
 * import { ensureClusterPki } from "../apiserver/cluster_pki.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const pki = await ensureClusterPki(dir, []);
 * assert.match(await caCertHash(pki.caCert), /^sha256:[0-9a-f]{64}$/);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function caCertHash(pem: string): Promise<string> {
  let cert: x509.X509Certificate;
  try {
    cert = new x509.X509Certificate(pem);
  } catch (e) {
    throw new TypeError(
      `Cannot read the CA certificate: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  const spki = cert.publicKey.rawData;
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", spki));
  return `sha256:${Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/**
 * Checks the syntax of a pin (`sha256:` + 64 hex digits, as kubeadm requires); returns it in
 * lower case or throws `TypeError`.
 *
 * @example
 * ```ts
 * import { parseCaCertHash } from "./ca_cert_hash.ts";
 * import assert from "node:assert/strict";
 * assert.equal(parseCaCertHash("sha256:" + "AB".repeat(32)), "sha256:" + "ab".repeat(32));
 * assert.throws(() => parseCaCertHash("md5:00"), /expected sha256:/);
 * ```
 */
export function parseCaCertHash(text: string): string {
  const m = /^sha256:([0-9a-fA-F]{64})$/.exec(text.trim());
  if (!m) {
    throw new TypeError(
      `Invalid CA certificate hash ${JSON.stringify(text)}: expected sha256:<64 hex digits>`,
    );
  }
  return `sha256:${m[1]!.toLowerCase()}`;
}
