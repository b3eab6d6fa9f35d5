/**
 * rks's node endpoint: QUIC for node agents, bootstrap-token joins, per-node credentials and
 * the authorisation of what a node may do.
 *
 * @example
 * ```ts
 * import { authorizeNodeRequest } from "./mod.ts";
 * import assert from "node:assert/strict";
 * assert.equal(authorizeNodeRequest("n1", "GET", "/api/v1/pods?fieldSelector=spec.nodeName=n1", undefined), undefined);
 * ```
 *
 * @module
 */
export * from "./node_gateway.ts";
export * from "./api_relay.ts";
export * from "./node_authorizer.ts";
export * from "./node_credentials.ts";
export * from "./node_admin.ts";
