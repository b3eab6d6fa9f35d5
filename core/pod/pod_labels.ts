/**
 * The labels a pod's sandbox and containers carry in the engine's records (the CRI's
 * `io.kubernetes.*` keys, as the kubelet sets them, and rk8s's own). Kept apart so that code
 * which only reads records (listing, the daemon's observers) does not load the translation.
 *
 * @module
 */

/** Label holding the pod name on sandboxes and containers. */
export const LABEL_POD_NAME = "io.kubernetes.pod.name";
/** Label holding the pod namespace. */
export const LABEL_POD_NAMESPACE = "io.kubernetes.pod.namespace";
/** Label holding the pod uid. */
export const LABEL_POD_UID = "io.kubernetes.pod.uid";
/** Label holding the container's name within the pod. */
export const LABEL_CONTAINER_NAME = "io.kubernetes.container.name";
/** Label marking init containers (`"true"`). */
export const LABEL_INIT = "io.rk8s.container.init";
