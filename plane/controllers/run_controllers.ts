/**
 * `rks controllers`: the controller manager as its own process against a running rks.
 *
 * @module
 */
import { KubeClient } from "../client/kube_client.ts";
import {
  type ControllerManager,
  type ControllerManagerOptions,
  startControllerManager,
} from "./controller_manager.ts";
import { type LeaderElectionConfig, runElected } from "../client/leader_election.ts";
import { TokenIssuer } from "../apiserver/token_issuer.ts";
import { RkError } from "../../core/errors.ts";
import { LEGACY_SERVICE_ACCOUNT_ISSUER } from "../apiserver/service_account_claims.ts";

/** Options of {@linkcode runControllers}. */
export interface RunControllersOptions {
  /** Kubeconfig of the API to run against. */
  kubeconfig: string;
  /** Progress and failures, one line each. */
  log: (line: string) => void;
  /** Resolves when the process should stop (SIGINT/SIGTERM). */
  stop: Promise<unknown>;
  /** Run only while holding this Lease (`kube-controller-manager`); default: at once. */
  election?: LeaderElectionConfig;
  /** Node lifecycle timing (`--node-monitor-grace-period`, ...). */
  nodeLifecycle?: ControllerManagerOptions["nodeLifecycle"];
  /** Pod garbage collector settings (`--terminated-pod-gc-threshold`, `--pod-gc-quarantine`). */
  podGc?: ControllerManagerOptions["podGc"];
  /**
   * The service-account private key (PKCS#8 PEM, `--service-account-private-key-file`): with it
   * the tokens controller fills `kubernetes.io/service-account-token` Secrets.
   */
  serviceAccountPrivateKey?: string;
}

/**
 * Connects with `kubeconfig`, runs the controllers of {@linkcode startControllerManager} until `stop`
 * resolves (only while holding the `election` Lease, when given), then stops them. Throws `RkError` for an unreadable kubeconfig or an invalid service-account key and
 * `ApiClientError` when the first list fails (e.g. 401).
 *
 * @example
 * ```ts ignore
 * await runControllers({ kubeconfig: "/var/lib/rks/admin.kubeconfig", log: console.error, stop });
 * ```
 */
export async function runControllers(o: RunControllersOptions): Promise<void> {
  await using kube = await KubeClient.connect({
    kubeconfig: o.kubeconfig,
    fieldManager: "kube-controller-manager",
  });
  let signer: TokenIssuer | undefined;
  if (o.serviceAccountPrivateKey !== undefined) {
    try {
      signer = await TokenIssuer.fromPrivatePem(
        o.serviceAccountPrivateKey,
        LEGACY_SERVICE_ACCOUNT_ISSUER,
      );
    } catch (e) {
      throw new RkError(
        `Invalid service-account private key (expected a PKCS#8 PEM ECDSA P-256 key): ${
          e instanceof Error ? e.message : String(e)
        }`,
      );
    }
  }
  let cm: ControllerManager | undefined;
  await runElected(kube, o.election, {
    start: async () => {
      cm = await startControllerManager({
        kube,
        log: o.log,
        ...(o.nodeLifecycle ? { nodeLifecycle: o.nodeLifecycle } : {}),
        ...(o.podGc ? { podGc: o.podGc } : {}),
        // kube-controller-manager's --root-ca-file: the CA the kubeconfig trusts the API with.
        rootCaCert: kube.api.caCert,
        serviceAccounts: true,
        ...(signer ? { serviceAccountTokenSigner: signer } : {}),
      });
      o.log(
        `rks: controllers running against ${kube.api.server} (replicaset, deployment, node lifecycle, endpoints, podgc, root-ca-cert-publisher, serviceaccount${
          signer ? ", serviceaccount-token" : ""
        })`,
      );
    },
    stop: async () => {
      const c = cm;
      cm = undefined;
      if (!c) return;
      o.log("rks: stopping the controllers");
      await c.close();
    },
  }, o.stop);
}
