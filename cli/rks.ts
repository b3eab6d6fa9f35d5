/**
 * The `rks` entry point (`deno task rks`): `rks start` runs the control plane until SIGINT or
 * SIGTERM; `rks kubeconfig` prints the admin kubeconfig. Exit codes: 0 ok, 1 failure, 2 usage
 * error. Like `cli/main.ts`, only this module exits the process, and the server modules load
 * only when a command needs them.
 *
 * @module
 */
import { RkError } from "../core/errors.ts";
import denoJson from "../deno.json" with { type: "json" };
import type { RksConfig } from "../plane/apiserver/rks_config.ts";
import type { LeaderElectionConfig } from "../plane/client/leader_election.ts";

/** Where `rks` writes. */
export interface RksIo {
  /** Standard output. */
  stdout(text: string): void;
  /** Standard error. */
  stderr(text: string): void;
}

const usage = `Usage: rks <command> [options]

rk8s control plane: the Kubernetes API server over HTTPS, state in etcd or Xline

Commands:
  start        run the API server until SIGINT/SIGTERM
  kubeconfig   print the admin kubeconfig of a data directory
  scheduler    run a scheduler against an API (rks start already runs one)
  controllers  run the controllers (workloads, nodes, endpoints, pod GC) against a running rks
  token create print a join command for a new node (kubeadm style bootstrap token)
  node revoke NAME
               revoke a node's credential; the node is refused from then on

Options:
  --config, -c FILE      YAML config (the original project's addr, xline_config, network_config;
                         rk8s's scheduler, leader_election, pod_gc_controller)
  --listen HOST:PORT     HTTPS listen address (default 127.0.0.1:6443)
  --store URL[,URL]      http(s):// etcd JSON gateway or grpc(s):// etcd/Xline endpoints;
                         default: an embedded etcd under <data-dir>/etcd on loopback
  --data-dir DIR         CA, serving certificate, admin token, kubeconfig (default /var/lib/rks)
  --kubeconfig-out FILE  also write the admin kubeconfig here (start)
  --server URL           server URL to put in the printed kubeconfig (kubeconfig)
  --scheduler on|off     run the scheduler inside rks start (default on)
  --kubeconfig FILE      the API to schedule for (scheduler, controllers; default <data-dir>/admin.kubeconfig)
  --controllers on|off   run the controllers inside rks start (default on)
  --leader-elect on|off  start, scheduler, controllers: take the kube-system Leases
                         kube-scheduler / kube-controller-manager before scheduling or
                         reconciling, so only one of several runs at a time (default on)
  --node-listen HOST:PORT
                         start: QUIC (UDP) endpoint for node agents, e.g. 127.0.0.1:50051,
                         with CA discovery on TCP at the same port; token create: the address
                         to print (default: the one rks start recorded in the data directory)
  --ttl DURATION         token create: lifetime of the token (default 24h; 0 = never expires)
  --advertise-address IP start: the address nodes reach rks at when it listens on 0.0.0.0
                         (put in the serving certificate and the join command)
  --node-monitor-grace-period DURATION
                         start: time without a lease renewal before a node is NotReady
                         (kube-controller-manager's flag; default 40s)
  --default-unreachable-toleration-seconds N
                         start: how long pods stay on an unreachable node before they are
                         evicted (kube-apiserver's flag; default 300)
  --default-not-ready-toleration-seconds N
                         start: the same for a node whose Ready condition is False
                         (kube-apiserver's flag; default 300)
  --terminated-pod-gc-threshold N
                         start, controllers: terminated pods kept before the oldest are
                         deleted (kube-controller-manager's flag; default 12500, 0 = keep all)
  --pod-gc-quarantine DURATION
                         start, controllers: how long a pod's node may be missing before the
                         pod garbage collector checks it and deletes its pods (default 40s)
  --event-ttl DURATION   start: how long an Event is kept after its last write
                         (kube-apiserver's flag; default 1h, 0s keeps Events)
  --service-account-issuer URL
                         start: the issuer (iss) of service-account tokens and the API's
                         audience (default https://kubernetes.default.svc.cluster.local)
  --service-account-private-key-file FILE
                         controllers: the key (PKCS#8 PEM, <data-dir>/pki/sa.key) that signs
                         the tokens of kubernetes.io/service-account-token Secrets; without it
                         they are not filled (rks start always fills them)
  --service-account-token-volume on|off
                         start: add the kube-api-access-* token volume to new pods, as the
                         ServiceAccount admission plugin does (default on)
`;

/**
 * Runs `rks` with `argv` until it is done (for `start`: until `stop` resolves) and returns the
 * exit code.
 *
 * @example
 * ```ts
 * import { rksMain } from "./rks.ts";
 * import assert from "node:assert/strict";
 * let out = "";
 * const io = { stdout: (t: string) => void (out += t), stderr() {} };
 * assert.equal(await rksMain(["--help"], io), 0);
 * assert.match(out, /Usage: rks/);
 * assert.equal(await rksMain(["bogus"], io), 2);
 * ```
 */
export async function rksMain(
  argv: readonly string[],
  io: RksIo,
  stop?: Promise<unknown>,
): Promise<number> {
  try {
    const { parseRksArgs, configFromYaml, resolveRksConfig } = await import(
      "../plane/apiserver/rks_config.ts"
    );
    const args = parseRksArgs(argv);
    if (args.command === "help") {
      io.stdout(usage);
      return 0;
    }
    if (args.command === "version") {
      io.stdout(`${denoJson.version}\n`);
      return 0;
    }
    let file = {};
    if (args.flags.config) {
      const { parse } = await import("yaml");
      let text: string;
      try {
        text = await Deno.readTextFile(args.flags.config);
      } catch (e) {
        throw new RkError(
          `Cannot read config ${args.flags.config}: ${e instanceof Error ? e.message : e}`,
        );
      }
      let doc: unknown;
      try {
        doc = parse(text);
      } catch (e) {
        throw new RkError(
          `${args.flags.config}: ${e instanceof Error ? e.message.split("\n")[0] : e}`,
        );
      }
      file = configFromYaml(doc, args.flags.config);
    }
    const config = resolveRksConfig(args.flags, file);
    if (args.command === "token-create" || args.command === "node-revoke") {
      const { createJoinToken, joinCommands, revokeNode, parseTtl } = await import(
        "../plane/node_gateway/node_admin.ts"
      );
      if (args.command === "node-revoke") {
        await revokeNode(config.dataDir, args.args[0]!);
        io.stdout(`node "${args.args[0]}" revoked\n`);
        return 0;
      }
      const join = joinCommands(
        await createJoinToken(
          config.dataDir,
          parseTtl(args.flags.ttl ?? "24h"),
          args.flags.nodeListen,
        ),
      );
      // One line on stdout, as kubeadm's --print-join-command (scripts read it): the command as
      // it runs from an rk8s checkout, where `rkl` is not on PATH; the installed form on stderr.
      io.stdout(`${join.task}\n`);
      io.stderr(`# run it as root in an rk8s checkout; with rkl on PATH: ${join.installed}\n`);
      return 0;
    }
    if (args.command === "kubeconfig") {
      const { readKubeconfig } = await import("../plane/apiserver/rks_start.ts");
      io.stdout(await readKubeconfig(config.dataDir, args.flags.server));
      return 0;
    }
    if (args.command === "scheduler") {
      return await runScheduler(
        args.flags.kubeconfig ?? `${config.dataDir}/admin.kubeconfig`,
        config,
        io,
        stop,
      );
    }
    if (args.command === "controllers") {
      const { runControllers } = await import("../plane/controllers/run_controllers.ts");
      const log = (l: string) => io.stderr(`${l}\n`);
      const election = electionOf(config, "kube-controller-manager", log);
      await runControllers({
        kubeconfig: args.flags.kubeconfig ?? `${config.dataDir}/admin.kubeconfig`,
        log,
        stop: stop ?? signalled(),
        ...(election ? { election } : {}),
        ...(config.nodeLifecycle ? { nodeLifecycle: config.nodeLifecycle } : {}),
        ...(config.podGc ? { podGc: config.podGc } : {}),
        ...(args.flags.serviceAccountPrivateKeyFile !== undefined
          ? { serviceAccountPrivateKey: await readKeyFile(args.flags.serviceAccountPrivateKeyFile) }
          : {}),
      });
      return 0;
    }
    // Listen for SIGINT/SIGTERM before starting: a signal during start-up (the scheduler and
    // controllers syncing their informers) stops rks once it has started, instead of killing it.
    const stopped = stop ?? signalled();
    const { startRks } = await import("../plane/apiserver/rks_start.ts");
    const rks = await startRks(config, (l) => io.stderr(`${l}\n`));
    io.stderr(
      `rks: serving the Kubernetes API on ${rks.server.url}; admin kubeconfig: ${rks.kubeconfigPath}\n`,
    );
    await stopped;
    io.stderr("rks: stopping\n");
    await rks.close();
    return 0;
  } catch (e) {
    const code = e instanceof RkError ? e.exitCode : 1;
    io.stderr(`rks: ${e instanceof Error ? e.message : String(e)}\n`);
    return code;
  }
}

async function runScheduler(
  kubeconfig: string,
  config: RksConfig,
  io: RksIo,
  stop: Promise<unknown> | undefined,
): Promise<number> {
  const { KubeClient } = await import("../plane/client/kube_client.ts");
  const { Scheduler } = await import("../plane/scheduler/scheduler.ts");
  const { runElected } = await import("../plane/client/leader_election.ts");
  const kube = await KubeClient.connect({ kubeconfig, fieldManager: "kube-scheduler" });
  const election = electionOf(config, "kube-scheduler", (l) => io.stderr(`${l}\n`));
  let scheduler: InstanceType<typeof Scheduler> | undefined;
  try {
    await runElected(kube, election, {
      start: async () => {
        const s = new Scheduler(kube, {
          ...(config.scheduler ? { config: config.scheduler } : {}),
          ...(election ? { identity: election.identity } : {}),
          log: (l) => io.stderr(`${l}\n`),
        });
        await s.start();
        scheduler = s;
        io.stderr(`rks: scheduler ${s.profile.schedulerName} running against ${kube.api.server}\n`);
      },
      stop: async () => {
        const s = scheduler;
        scheduler = undefined;
        if (!s) return;
        io.stderr("rks: stopping the scheduler\n");
        await s.stop();
      },
    }, stop ?? signalled());
    return 0;
  } finally {
    kube.close();
  }
}

/**
 * The leader election of a standalone `rks scheduler` / `rks controllers` (the same Leases as
 * `rks start`'s), or undefined with `--leader-elect off` / `leaderElect: false`.
 */
function electionOf(
  config: RksConfig,
  name: string,
  log: (line: string) => void,
): LeaderElectionConfig | undefined {
  const le = config.leaderElection;
  if (le && !le.leaderElect) return undefined;
  return {
    name,
    identity: `${Deno.hostname()}_${crypto.randomUUID()}`,
    ...(le
      ? {
        namespace: le.resourceNamespace,
        leaseDurationSeconds: le.leaseDurationSeconds,
        renewDeadlineSeconds: le.renewDeadlineSeconds,
        retryPeriodSeconds: le.retryPeriodSeconds,
      }
      : {}),
    log,
  };
}

function signalled(): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      Deno.removeSignalListener("SIGINT", done);
      Deno.removeSignalListener("SIGTERM", done);
      resolve();
    };
    Deno.addSignalListener("SIGINT", done);
    Deno.addSignalListener("SIGTERM", done);
  });
}

if (import.meta.main) {
  const enc = new TextEncoder();
  const code = await rksMain(Deno.args, {
    stdout: (t) => Deno.stdout.writeSync(enc.encode(t)),
    stderr: (t) => Deno.stderr.writeSync(enc.encode(t)),
  });
  Deno.exit(code);
}

/** Reads `--service-account-private-key-file`; an unreadable file is an `RkError` naming it. */
async function readKeyFile(file: string): Promise<string> {
  try {
    return await Deno.readTextFile(file);
  } catch (e) {
    throw new RkError(
      `Cannot read --service-account-private-key-file "${file}": ${
        e instanceof Error ? e.message : String(e)
      }`,
    );
  }
}
