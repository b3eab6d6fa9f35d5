/**
 * `TokensController`: kube-controller-manager's legacy tokens controller
 * (pkg/controller/serviceaccount/tokens_controller.go). For each Secret of type
 * `kubernetes.io/service-account-token` whose `kubernetes.io/service-account.name` annotation
 * (and, when set, `kubernetes.io/service-account.uid`) names an existing ServiceAccount, it
 * fills `data.token` (a non-expiring JWT, issuer `kubernetes/serviceaccount`, signed with the
 * service-account key), `data["ca.crt"]` and `data.namespace`, and sets both annotations. A
 * Secret naming a missing account is deleted; deleting an account deletes its token Secrets.
 * Secrets with a token already are left as they are (only a changed CA is rewritten).
 *
 * @module
 */
import type { KubeClient } from "../client/kube_client.ts";
import type { SharedInformer } from "../client/shared_informer.ts";
import { isConflict, isNotFound } from "../client/client_errors.ts";
import type { KubeObject } from "../store/kube_object.ts";
import {
  type LegacyServiceAccountClaims,
  legacyServiceAccountClaims,
} from "../apiserver/service_account_claims.ts";
import { KeyedController } from "./keyed_controller.ts";
import {
  filledTokenSecret,
  isServiceAccountToken,
  needsAny,
  SERVICE_ACCOUNT_NAME_ANNOTATION,
  SERVICE_ACCOUNT_TOKEN_TYPE,
  SERVICE_ACCOUNT_UID_ANNOTATION,
  tokenSecretNeeds,
} from "./tokens_reconcile.ts";

/** Signs legacy tokens (rks's `TokenIssuer`, kube-controller-manager's `--service-account-private-key-file`). */
export interface LegacyTokenSigner {
  /** Signs the claims into a compact JWT. */
  signLegacy(claims: LegacyServiceAccountClaims): Promise<string>;
}

/** What the controller runs on. */
export interface TokensControllerOptions {
  /** The API client. */
  kube: KubeClient;
  /** Informer of `secrets` (it may be limited to `type=kubernetes.io/service-account-token`). */
  secrets: SharedInformer<KubeObject>;
  /** Informer of every `serviceaccounts`. */
  serviceAccounts: SharedInformer<KubeObject>;
  /** The token signer. */
  signer: LegacyTokenSigner;
  /** The cluster CA (PEM) put in `ca.crt` (`--root-ca-file`; `""`: none). */
  rootCa: string;
  /** Told about sync failures (the key is retried). */
  onError?: (key: string, error: unknown) => void;
}

const SECRET = "secret:";
const ACCOUNT = "serviceaccount:";

/**
 * Fills and garbage-collects Secret-based service-account tokens. Register with
 * {@linkcode TokensController.register} before the informers start, then
 * {@linkcode TokensController.run} until {@linkcode TokensController.stop}.
 *
 * @example
 * ```ts ignore
 * const c = new TokensController({ kube, secrets, serviceAccounts, signer: issuer, rootCa });
 * await c.register();
 * const done = c.run();
 * c.stop();
 * await done;
 * ```
 */
export class TokensController extends KeyedController {
  readonly #o: TokensControllerOptions;

  /** Creates the controller (nothing runs yet). */
  constructor(o: TokensControllerOptions) {
    super(o.onError);
    this.#o = o;
  }

  /** Adds the handlers: token Secrets added or updated, ServiceAccounts deleted. */
  async register(): Promise<void> {
    const secret = (s: KubeObject) => {
      if (s.type === SERVICE_ACCOUNT_TOKEN_TYPE && s.metadata.namespace) {
        this.queue.add(`${SECRET}${s.metadata.namespace}/${s.metadata.name}`);
      }
    };
    await this.#o.secrets.addHandlers({ add: secret, update: secret });
    await this.#o.serviceAccounts.addHandlers({
      delete: (sa) => {
        if (!sa.metadata.namespace || !sa.metadata.uid) return;
        this.queue.add(`${ACCOUNT}${sa.metadata.namespace}/${sa.metadata.name}/${sa.metadata.uid}`);
      },
    });
  }

  /** One sync: `secret:<ns>/<name>` or `serviceaccount:<ns>/<name>/<uid>`. */
  override async sync(key: string): Promise<void> {
    if (key.startsWith(SECRET)) {
      const [ns = "", name = ""] = key.slice(SECRET.length).split("/");
      await this.#syncSecret(ns, name);
    } else if (key.startsWith(ACCOUNT)) {
      const [ns = "", name = "", uid = ""] = key.slice(ACCOUNT.length).split("/");
      await this.#syncServiceAccount(ns, name, uid);
    }
  }

  /** A deleted account: delete the token Secrets that name it (`deleteTokens`). */
  async #syncServiceAccount(ns: string, name: string, uid: string): Promise<void> {
    const current = this.#o.serviceAccounts.get(ns, name);
    if (current && current.metadata.uid === uid) return;
    const gone: KubeObject = {
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: { name, namespace: ns, uid },
    };
    for (const s of this.#o.secrets.byNamespace(ns)) {
      if (isServiceAccountToken(s, gone)) await this.#deleteToken(s);
    }
  }

  async #syncSecret(ns: string, name: string): Promise<void> {
    const secret = this.#o.secrets.get(ns, name);
    if (!secret || secret.type !== SERVICE_ACCOUNT_TOKEN_TYPE) return;
    const ann = secret.metadata.annotations ?? {};
    const saName = ann[SERVICE_ACCOUNT_NAME_ANNOTATION] ?? "";
    if (saName === "") return;
    const sa = await this.#serviceAccount(ns, saName, ann[SERVICE_ACCOUNT_UID_ANNOTATION] ?? "");
    if (!sa) {
      await this.#deleteToken(secret);
      return;
    }
    if (!needsAny(tokenSecretNeeds(secret, this.#o.rootCa))) return;
    // Fill a fresh copy, not the informer's (`generateTokenIfNeeded`).
    let live: KubeObject;
    try {
      live = await this.#o.kube.get("secrets", ns, name);
    } catch (e) {
      if (isNotFound(e)) return;
      throw e;
    }
    // The informer is behind: the update event brings this Secret again.
    if (live.metadata.resourceVersion !== secret.metadata.resourceVersion) return;
    const needs = tokenSecretNeeds(live, this.#o.rootCa);
    if (!needsAny(needs)) return;
    const token = needs.token
      ? await this.#o.signer.signLegacy(legacyServiceAccountClaims({
        namespace: ns,
        name: sa.metadata.name,
        uid: sa.metadata.uid ?? "",
      }, name))
      : undefined;
    try {
      await this.#o.kube.update(
        "secrets",
        filledTokenSecret(live, sa, needs, this.#o.rootCa, token),
      );
    } catch (e) {
      // Changed meanwhile (its update event follows) or gone: nothing to do, as upstream.
      if (isConflict(e) || isNotFound(e)) return;
      throw e;
    }
  }

  /** The account, from the informer and else the API, when its UID is `uid` (or `uid` is empty). */
  async #serviceAccount(ns: string, name: string, uid: string): Promise<KubeObject | undefined> {
    const matches = (sa: KubeObject | undefined) =>
      sa && (uid === "" || sa.metadata.uid === uid) ? sa : undefined;
    const cached = matches(this.#o.serviceAccounts.get(ns, name));
    if (cached) return cached;
    try {
      return matches(await this.#o.kube.get("serviceaccounts", ns, name));
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  /** Deletes a token Secret with its UID as precondition; gone or replaced is fine. */
  async #deleteToken(secret: KubeObject): Promise<void> {
    try {
      await this.#o.kube.delete("secrets", secret.metadata.namespace, secret.metadata.name, {
        ...(secret.metadata.uid ? { preconditions: { uid: secret.metadata.uid } } : {}),
      });
    } catch (e) {
      if (isNotFound(e) || isConflict(e)) return;
      throw e;
    }
  }
}
