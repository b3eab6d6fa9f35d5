/**
 * `renderKubeconfig`: the admin kubeconfig of an rks cluster (server URL, CA data, bearer
 * token), as YAML text kubectl reads. Pure.
 *
 * @module
 */

/** What an admin kubeconfig names. */
export interface KubeconfigInput {
  /** `https://host:port`. */
  server: string;
  /** The cluster CA (PEM). */
  caCert: string;
  /** The admin bearer token. */
  token: string;
  /** Cluster, user and context name (default `rks`). */
  name?: string;
}

/**
 * Renders the kubeconfig.
 *
 * @example
 * ```ts
 * import { renderKubeconfig } from "./kubeconfig.ts";
 * import assert from "node:assert/strict";
 * const text = renderKubeconfig({ server: "https://127.0.0.1:6443", caCert: "PEM", token: "t0k" });
 * assert.match(text, /server: https:\/\/127\.0\.0\.1:6443/);
 * assert.match(text, /certificate-authority-data: UEVN/);
 * assert.match(text, /current-context: rks/);
 * ```
 */
export function renderKubeconfig(k: KubeconfigInput): string {
  const name = k.name ?? "rks";
  const ca = btoa(k.caCert);
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    `- name: ${name}`,
    "  cluster:",
    `    server: ${k.server}`,
    `    certificate-authority-data: ${ca}`,
    "users:",
    `- name: ${name}-admin`,
    "  user:",
    `    token: ${k.token}`,
    "contexts:",
    `- name: ${name}`,
    "  context:",
    `    cluster: ${name}`,
    `    user: ${name}-admin`,
    "    namespace: default",
    `current-context: ${name}`,
    "preferences: {}",
    "",
  ].join("\n");
}
