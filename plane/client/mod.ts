/**
 * The API client library of rk8s's control plane (as client-go is Kubernetes'): typed verbs
 * ({@linkcode KubeClient}), informers ({@linkcode SharedInformer}) and the event recorder
 * ({@linkcode EventRecorder}) that the scheduler and the controllers use.
 *
 * @module
 */
export * from "./resource_ref.ts";
export * from "./client_errors.ts";
export * from "./kube_client.ts";
export * from "./api_list_watch.ts";
export * from "./shared_informer.ts";
export * from "./shared_informer_factory.ts";
export * from "./event_recorder.ts";
