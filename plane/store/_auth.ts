/**
 * etcd authentication for {@linkcode EtcdClient}: one `Authenticate` call per transport, its
 * token set on the transport, and a fresh one after the token expired (gRPC UNAUTHENTICATED).
 *
 * @module
 */
import { KvStoreError } from "./errors.ts";
import type { Transport } from "./_transport.ts";
import { record, str } from "./_wire.ts";

/** gRPC UNAUTHENTICATED: etcd's answer when a simple token expired or belongs to another member. */
const UNAUTHENTICATED = 16;

/** Authenticates each transport once with one user name and password. */
export class Authenticator {
  #username: string;
  #password: string;
  #authed = new Set<Transport>();

  /** Credentials sent with `Authenticate`. */
  constructor(username: string, password: string) {
    this.#username = username;
    this.#password = password;
  }

  /**
   * Authenticates `t` unless it already holds a token. `timeoutMs` bounds the call; errors are
   * passed through `refine` so they come out typed like any other request's.
   */
  async ensure(
    t: Transport,
    timeoutMs: number,
    refine: (e: unknown) => unknown,
  ): Promise<void> {
    if (this.#authed.has(t)) return;
    t.setToken(undefined);
    const res = record(
      await t.call("Authenticate", { name: this.#username, password: this.#password }, {
        timeoutMs,
        operation: "authenticate",
      }).catch((e) => {
        throw refine(e);
      }),
      "authenticate",
    );
    t.setToken(str(res.token, "authenticate.token"));
    this.#authed.add(t);
  }

  /**
   * True when `e` says `t`'s token is no longer valid; `t` then authenticates again on its next
   * {@linkcode Authenticator.ensure}.
   */
  expired(t: Transport, e: unknown): boolean {
    if (!(e instanceof KvStoreError) || e.code !== UNAUTHENTICATED) return false;
    this.#authed.delete(t);
    return true;
  }
}
