/**
 * `ensureClusterPki`: the cluster CA, the API server's serving certificate, the admin bearer
 * token and the service-account signing key under rks's data directory. Created on first start with `@peculiar/x509` on WebCrypto
 * (ECDSA P-256, no openssl), reused on every later start.
 *
 * @module
 */
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { join } from "node:path";
import { readTextIfExists } from "../../core/fs.ts";
import { cidrRange, SERVICE_CIDR } from "./service_allocator.ts";

/** The PEM files and token of a cluster, as {@linkcode ensureClusterPki} returns them. */
export interface ClusterPki {
  /** The CA certificate (PEM); clients trust it. */
  caCert: string;
  /** The serving certificate (PEM), signed by the CA. */
  serverCert: string;
  /** The serving key (PKCS#8 PEM). */
  serverKey: string;
  /** The admin bearer token. */
  adminToken: string;
  /**
   * The service-account signing key (ECDSA P-256, PKCS#8 PEM; kube-apiserver's
   * `--service-account-signing-key-file`, kubeadm's `sa.key`).
   */
  serviceAccountKey: string;
  /** Its public key (SPKI PEM; `--service-account-key-file`, kubeadm's `sa.pub`). */
  serviceAccountPub: string;
  /**
   * Paths of the files: `ca.crt`, `ca.key`, `apiserver.crt`, `apiserver.key`, `admin.token`,
   * `sa.key`, `sa.pub`.
   */
  files: {
    caCert: string;
    caKey: string;
    serverCert: string;
    serverKey: string;
    adminToken: string;
    serviceAccountKey: string;
    serviceAccountPub: string;
  };
  /** True when this call created them. */
  created: boolean;
}

const alg = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
const day = 86_400_000;

function serial(): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[0] = b[0]! & 0x7f;
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

async function keyPem(key: CryptoKey): Promise<string> {
  return x509.PemConverter.encode(await crypto.subtle.exportKey("pkcs8", key), "PRIVATE KEY");
}

async function importKey(pem: string): Promise<CryptoKey> {
  const der = x509.PemConverter.decode(pem)[0];
  if (!der) throw new Error("no PEM block in key");
  return await crypto.subtle.importKey("pkcs8", der, alg, true, ["sign"]);
}

/**
 * The subject alternative names the serving certificate carries: loopback, the
 * `default/kubernetes` Service's cluster IP (10.96.0.1) and its DNS names up to
 * `kubernetes.default.svc.cluster.local` (what in-cluster clients dial, as kube-apiserver's
 * certificate has them), plus `extraHosts`.
 *
 * @example
 * ```ts
 * import { servingNames } from "./cluster_pki.ts";
 * import assert from "node:assert/strict";
 * const n = servingNames(["10.0.0.5"]);
 * assert.ok(n.ips.includes("10.96.0.1") && n.ips.includes("10.0.0.5"));
 * assert.ok(n.dns.includes("kubernetes.default.svc.cluster.local"));
 * ```
 */
export function servingNames(extraHosts: readonly string[]): { ips: string[]; dns: string[] } {
  const ips = new Set(["127.0.0.1", "::1", cidrRange(SERVICE_CIDR)[0]]);
  const dns = new Set([
    "localhost",
    "kubernetes",
    "kubernetes.default",
    "kubernetes.default.svc",
    "kubernetes.default.svc.cluster.local",
  ]);
  for (const h of extraHosts) {
    if (h === "" || h === "0.0.0.0" || h === "::") continue;
    if (/^[\d.]+$/.test(h) || h.includes(":")) ips.add(h);
    else dns.add(h);
  }
  return { ips: [...ips], dns: [...dns] };
}

/** Whether a certificate's subject alternative names include every one of `names`. */
function coversNames(pem: string, names: { ips: string[]; dns: string[] }): boolean {
  const san = new x509.X509Certificate(pem).getExtension(x509.SubjectAlternativeNameExtension);
  const have = new Set(san?.names.items.map((n) => `${n.type}:${n.value}`) ?? []);
  return names.ips.every((ip) => have.has(`ip:${ip}`)) &&
    names.dns.every((d) => have.has(`dns:${d}`));
}

async function writeSecret(path: string, text: string): Promise<void> {
  await Deno.writeTextFile(path, text, { mode: 0o600 });
}

/**
 * Makes sure `dir` holds a CA, a serving certificate for {@linkcode servingNames} of
 * `extraHosts`, an admin token and a service-account signing key pair; creates whatever is
 * missing (a new CA, or a serving certificate that lacks one of the names, re-issues the serving
 * certificate). Keys and the token are written with mode 0600.
 *
 * @example
 * ```ts
 * import { ensureClusterPki } from "./cluster_pki.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const first = await ensureClusterPki(dir, []);
 * const again = await ensureClusterPki(dir, []);
 * assert.ok(first.created && !again.created);
 * assert.equal(again.adminToken, first.adminToken);
 * assert.match(first.caCert, /BEGIN CERTIFICATE/);
 * assert.equal(again.serviceAccountPub, first.serviceAccountPub);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function ensureClusterPki(
  dir: string,
  extraHosts: readonly string[],
): Promise<ClusterPki> {
  x509.cryptoProvider.set(crypto);
  await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  const files = {
    caCert: join(dir, "ca.crt"),
    caKey: join(dir, "ca.key"),
    serverCert: join(dir, "apiserver.crt"),
    serverKey: join(dir, "apiserver.key"),
    adminToken: join(dir, "admin.token"),
    serviceAccountKey: join(dir, "sa.key"),
    serviceAccountPub: join(dir, "sa.pub"),
  };
  let created = false;
  let caCert = await readTextIfExists(files.caCert);
  let caKeyPem = await readTextIfExists(files.caKey);
  let newCa = false;
  if (caCert === undefined || caKeyPem === undefined) {
    const keys = await crypto.subtle.generateKey(alg, true, ["sign", "verify"]);
    const now = Date.now();
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: serial(),
      name: "CN=rks-ca",
      notBefore: new Date(now - day),
      notAfter: new Date(now + 3650 * day),
      signingAlgorithm: alg,
      keys,
      extensions: [
        new x509.BasicConstraintsExtension(true, undefined, true),
        new x509.KeyUsagesExtension(
          x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign |
            x509.KeyUsageFlags.digitalSignature,
          true,
        ),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    });
    caCert = cert.toString("pem");
    caKeyPem = await keyPem(keys.privateKey);
    await writeSecret(files.caKey, caKeyPem);
    await Deno.writeTextFile(files.caCert, caCert);
    newCa = true;
    created = true;
  }
  let serverCert = await readTextIfExists(files.serverCert);
  let serverKey = await readTextIfExists(files.serverKey);
  const names = servingNames(extraHosts);
  if (
    newCa || serverCert === undefined || serverKey === undefined ||
    !coversNames(serverCert, names)
  ) {
    const ca = new x509.X509Certificate(caCert);
    const caKey = await importKey(caKeyPem);
    const keys = await crypto.subtle.generateKey(alg, true, ["sign", "verify"]);
    const now = Date.now();
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: serial(),
      subject: "CN=rks-apiserver",
      issuer: ca.subject,
      notBefore: new Date(now - day),
      notAfter: new Date(now + 365 * day),
      signingAlgorithm: alg,
      publicKey: keys.publicKey,
      signingKey: caKey,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.SubjectAlternativeNameExtension([
          ...names.ips.map((value) => ({ type: "ip" as const, value })),
          ...names.dns.map((value) => ({ type: "dns" as const, value })),
        ]),
      ],
    });
    serverCert = cert.toString("pem");
    serverKey = await keyPem(keys.privateKey);
    await writeSecret(files.serverKey, serverKey);
    await Deno.writeTextFile(files.serverCert, serverCert);
    created = true;
  }
  let adminToken = (await readTextIfExists(files.adminToken))?.trim();
  if (!adminToken) {
    const raw = crypto.getRandomValues(new Uint8Array(32));
    adminToken = btoa(String.fromCharCode(...raw)).replace(/\+/g, "-").replace(/\//g, "_")
      .replace(/=+$/, "");
    await writeSecret(files.adminToken, `${adminToken}\n`);
    created = true;
  }
  let serviceAccountKey = await readTextIfExists(files.serviceAccountKey);
  let serviceAccountPub = await readTextIfExists(files.serviceAccountPub);
  if (serviceAccountKey === undefined || serviceAccountPub === undefined) {
    const keys = await crypto.subtle.generateKey(alg, true, ["sign", "verify"]);
    serviceAccountKey = await keyPem(keys.privateKey);
    serviceAccountPub = x509.PemConverter.encode(
      await crypto.subtle.exportKey("spki", keys.publicKey),
      "PUBLIC KEY",
    );
    await writeSecret(files.serviceAccountKey, serviceAccountKey);
    await Deno.writeTextFile(files.serviceAccountPub, serviceAccountPub);
    created = true;
  }
  return {
    caCert,
    serverCert,
    serverKey,
    adminToken,
    serviceAccountKey,
    serviceAccountPub,
    files,
    created,
  };
}
