/**
 * `rkl compose` (alias `rkl C`): Docker Compose apps as pods. up, down, ps, logs, exec, run,
 * start, stop, restart, kill, top, config, convert, ls; global flags `-f` (repeatable), `-p`,
 * `--project-directory`, `--env-file`, `--profile`, spelled as docker compose v2 spells them.
 * The pipeline is `core/compose`; networks come from net/.
 *
 * @module
 */
import { Command, type CommandUnknownOpts } from "./_command.ts";
import { type CliIo, type GlobalOptions, imageDirOf } from "./context.ts";
import { withEngine } from "./engine.ts";
import { formatData, formatTable, printExecResult, printWarnings } from "./output.ts";
import { parseGraceSeconds, parseLogsOptions, parseSignal } from "./container.ts";
import { networkProviderFor } from "./network.ts";
import type { Engine } from "../core/container/engine.ts";
import type { PortMapping } from "../core/network.ts";
import { execSync } from "../core/container/exec.ts";
import { killContainer } from "../core/container/kill.ts";
import { containerLogs, followLogs } from "../core/container/logs.ts";
import { formatLogLines, type LogLine } from "../core/runtime/cri_log.ts";
import { NotFoundError, RkError, UsageError } from "../core/errors.ts";
import { toYaml } from "../core/manifest_reader.ts";
import { run } from "../core/exec.ts";
import { rklPaths } from "../core/paths.ts";
import { podContainerName } from "../core/pod/pod_containers.ts";
import { runPod } from "../core/pod/pod_runner.ts";
import { listPods, type PodView } from "../core/pod/pod_view.ts";
import { stopPodSandbox } from "../core/pod/sandbox_stop.ts";
import { teardownSandbox } from "../core/pod/sandbox_remove.ts";
import {
  ComposeFileNotFoundError,
  type ComposeLoadOptions,
  loadCompose,
} from "../core/compose/load.ts";
import type { ComposeModel } from "../core/compose/compose_model.ts";
import {
  type ComposeEvent,
  type ComposeHost,
  composeUp,
  prepareProject,
} from "../core/compose/compose_up.ts";
import { composeDown } from "../core/compose/compose_down.ts";
import { syncProjectHosts } from "../core/compose/hosts_sync.ts";
import {
  dependencyLevels,
  dnsName,
  restartLevels,
  serviceConfigHash,
} from "../core/compose/plan.ts";
import { startPodAgain } from "../core/compose/pod_restart.ts";
import {
  composeDirs,
  type ComposeNetworkOps,
  listProjects,
  projectDir,
  type ProjectPod,
  projectPods,
  readProjectState,
} from "../core/compose/project_state.ts";
import {
  ANNOTATION_CONFIG_FILES,
  LABEL_REPLICA,
  podManifestOf,
  servicePod,
} from "../core/compose/translate.ts";
import { waitCompleted } from "../core/compose/wait_conditions.ts";
import { humanDuration, psCommand, psStatus } from "../core/compose/ps_status.ts";
import { convertProject } from "../core/compose/convert.ts";
import { composeDocument } from "../core/compose/compose_document.ts";
import { runningDaemon } from "../core/daemon/daemon_lock.ts";
import { renderHosts } from "../net/hosts_files.ts";
import type { CniNetworkProvider } from "../net/cni_network_provider.ts";
import { recordIps } from "../net/attachment_record.ts";
import { summarizeNetwork } from "../net/bridge_network.ts";

/** The global flags of `rkl compose`. */
export interface ComposeGlobalFlags {
  /** `-f`, repeatable. */
  file?: string[];
  /** `-p`. */
  projectName?: string;
  /** `--project-directory`. */
  projectDirectory?: string;
  /** `--env-file`, repeatable. */
  envFile?: string[];
  /** `--profile`, repeatable. */
  profile?: string[];
}

/**
 * Turns the global flags into loader options.
 *
 * @example
 * ```ts
 * import { composeLoadOptions } from "./compose.ts";
 * import assert from "node:assert/strict";
 * const io = { stdout() {}, stderr() {}, env: { A: "1" }, cwd: "/app" };
 * const o = composeLoadOptions(io, { file: ["a.yaml", "b.yaml"], projectName: "demo" });
 * assert.deepEqual(o.files, ["a.yaml", "b.yaml"]);
 * assert.equal(o.projectName, "demo");
 * assert.throws(() => composeLoadOptions(io, { projectName: "Bad Name" }), /project name/);
 * ```
 */
export function composeLoadOptions(io: CliIo, flags: ComposeGlobalFlags): ComposeLoadOptions {
  const out: ComposeLoadOptions = { cwd: io.cwd, env: io.env };
  if (flags.file && flags.file.length > 0) out.files = flags.file;
  if (flags.projectName !== undefined) {
    if (!/^[a-z0-9][a-z0-9_-]*$/.test(flags.projectName)) {
      throw new UsageError(
        `Invalid project name "${flags.projectName}": it must contain only lowercase letters, digits, dashes and underscores, and start with a letter or digit`,
      );
    }
    out.projectName = flags.projectName;
  }
  if (flags.projectDirectory !== undefined) out.projectDirectory = flags.projectDirectory;
  if (flags.envFile && flags.envFile.length > 0) out.envFiles = flags.envFile;
  if (flags.profile && flags.profile.length > 0) out.profiles = flags.profile;
  return out;
}

/**
 * Parses `--scale SVC=N` values.
 *
 * @example
 * ```ts
 * import { parseScale } from "./compose.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(parseScale(["web=3", "db=0"]), { web: 3, db: 0 });
 * assert.throws(() => parseScale(["web"]), /--scale/);
 * ```
 */
export function parseScale(values: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) {
    const m = /^([^=]+)=(\d+)$/.exec(v);
    if (!m) throw new UsageError(`Invalid --scale "${v}": expected SERVICE=NUMBER`);
    out[m[1]!] = Number(m[2]);
  }
  return out;
}

/**
 * A progress line as docker compose prints it: ` ✔ Container back  Started` on a terminal,
 * plain ` Container back  Started` otherwise.
 *
 * @example
 * ```ts
 * import { formatEvent } from "./compose.ts";
 * import assert from "node:assert/strict";
 * assert.equal(formatEvent({ kind: "Container", name: "back", status: "Started" }, true), " ✔ Container back  Started\n");
 * assert.equal(formatEvent({ kind: "Network", name: "app_default", status: "Created" }, false), " Network app_default  Created\n");
 * ```
 */
export function formatEvent(e: ComposeEvent, tty: boolean): string {
  if (e.kind === "Warning") return `WARN[0000] ${e.detail ?? e.name}\n`;
  const mark = e.status === "Error" ? "✘ " : "✔ ";
  const detail = e.detail ? ` ${e.detail}` : "";
  return ` ${tty ? mark : ""}${e.kind} ${e.name}  ${e.status}${detail}\n`;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** The network operations of compose, on rkl's CNI provider. */
function networkOps(net: CniNetworkProvider): ComposeNetworkOps {
  return {
    exists: async (name) => {
      try {
        await net.networks.get(name);
        return true;
      } catch (e) {
        if (e instanceof NotFoundError) return false;
        throw e;
      }
    },
    inspect: async (name) => {
      let list;
      try {
        list = await net.networks.get(name);
      } catch (e) {
        if (e instanceof NotFoundError) return undefined;
        throw e;
      }
      const subnet = summarizeNetwork(list).subnet;
      const bridge = list.plugins.find((p) => p.type === "bridge");
      return { ...(subnet ? { subnet } : {}), internal: bridge?.raw.isGateway === false };
    },
    create: async (req) => {
      await net.createNetwork({
        name: req.name,
        ...(req.subnet ? { subnet: req.subnet } : {}),
        ...(req.internal ? { internal: true } : {}),
        // One set of rules per network instead of iptables work per pod (network_rules.ts).
        networkRules: true,
      });
    },
    remove: async (name) => {
      try {
        await net.removeNetwork(name);
      } catch (e) {
        if (e instanceof NotFoundError) return;
        throw e;
      }
    },
    addresses: async (id) => {
      const rec = await net.store.get(id);
      const out: Record<string, string> = {};
      for (const n of rec?.networks ?? []) {
        const ip = recordIps({ networks: [n] })[0];
        if (ip !== undefined) out[n.config.name] = ip;
      }
      return out;
    },
  };
}

function isTerminal(io: CliIo): boolean {
  return io.terminal === true && io.env.NO_COLOR === undefined;
}

/**
 * Builds the `compose` command group.
 *
 * @example
 * ```ts
 * import { composeCommand } from "./compose.ts";
 * import assert from "node:assert/strict";
 * const io = { stdout() {}, stderr() {}, env: {}, cwd: "/" };
 * const cmd = composeCommand(io, () => ({ root: undefined, runtime: undefined }));
 * assert.deepEqual(cmd.aliases(), ["C"]);
 * ```
 */
export function composeCommand(io: CliIo, globals: () => GlobalOptions): CommandUnknownOpts {
  const group = new Command("compose")
    .alias("C")
    .description("run Docker Compose apps as Kubernetes-compatible pods")
    .option("-f, --file <file>", "compose file (repeatable; default compose.yaml, ...)", collect)
    .option("-p, --project-name <name>", "project name")
    .option("--project-directory <dir>", "project directory (default: the first file's)")
    .option(
      "--env-file <file>",
      "env file (repeatable; default .env in the project directory)",
      collect,
    )
    .option("--profile <name>", "enable a profile (repeatable)", collect)
    // Global flags go before the subcommand (as with docker compose), so that `exec SVC CMD -q`
    // passes `-q` on to CMD.
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });

  const flags = (): ComposeGlobalFlags => group.opts() as ComposeGlobalFlags;
  /** Loads the project; `forRun` when its services are about to run (they need a command). */
  const load = (forRun = false) => {
    const loaded = loadCompose({
      ...composeLoadOptions(io, flags()),
      imageDir: imageDirOf(globals()),
      ...(forRun ? { requireCommand: true } : {}),
    });
    printWarnings(io, loaded.warnings);
    return loaded.model;
  };
  /** The project name: from the files when there are any, else `-p`. */
  const projectName = (): { name: string; model?: ComposeModel } => {
    try {
      const model = load();
      return { name: model.name, model };
    } catch (e) {
      const p = flags().projectName;
      if (e instanceof ComposeFileNotFoundError && p !== undefined) return { name: p };
      throw e;
    }
  };
  const tty = isTerminal(io);
  const withHost = <T>(fn: (e: Engine, host: ComposeHost) => Promise<T>): Promise<T> =>
    withEngine(io, globals, (e) =>
      fn(e, {
        networks: networkOps(networkProviderFor(io, globals())),
        renderHosts,
        onEvent: (ev) => io.stderr(formatEvent(ev, tty)),
      }));

  group.command("up")
    .description("create and start the services (in dependency order)")
    .option("-d, --detach", "run in the background (return once started)")
    .option("--wait", "wait for services to be running and healthy (implies -d)")
    .option("--force-recreate", "recreate pods even when their configuration is unchanged")
    .option("--no-deps", "do not start linked services")
    .option("--remove-orphans", "remove pods of services no longer in the compose file")
    .option("--scale <svc=n>", "scale SERVICE to NUM replicas (repeatable)", collect)
    .argument("[service...]", "services (default: all)")
    .action(async (services, o) => {
      const model = load(true);
      const detach = o.detach || o.wait;
      await withHost(async (e, host) => {
        await composeUp(e, host, model, {
          services,
          ...(o.deps === false ? { noDeps: true } : {}),
          ...(o.forceRecreate ? { forceRecreate: true } : {}),
          ...(o.removeOrphans ? { removeOrphans: true } : {}),
          ...(o.wait ? { wait: true } : {}),
          scale: parseScale(o.scale ?? []),
        });
        if (!detach) await attach(io, e, host, model.name, services);
      });
    });

  group.command("down")
    .description("stop and remove the project's pods and networks (and volumes with -v)")
    .option("-v, --volumes", "remove named volumes too")
    .option("--remove-orphans", "remove pods of services not in the compose file (always done)")
    .option("-t, --timeout <seconds>", "shutdown timeout in seconds")
    .action(async (o) => {
      const { name } = projectName();
      const timeout = o.timeout === undefined ? undefined : parseGraceSeconds(o.timeout);
      await withHost((e, host) =>
        composeDown(e, host, name, {
          ...(o.volumes ? { volumes: true } : {}),
          ...(timeout !== undefined ? { timeoutSeconds: timeout } : {}),
        })
      );
    });

  group.command("ps")
    .description("list the project's pods")
    .option("-a, --all", "show stopped pods too")
    .option("-q, --quiet", "only names")
    .option("--format <format>", "table or json", "table")
    .argument("[service...]", "services")
    .action(async (services, o) => {
      const { name, model } = projectName();
      if (o.format !== "table" && o.format !== "json") {
        throw new UsageError(`Invalid --format "${o.format}": expected table or json`);
      }
      const { rows, daemon } = await withEngine(io, globals, async (e) => {
        const views = new Map((await listPods(e)).map((v) => [v.id, v]));
        const rows = projectPods(e, name)
          .filter((p) => services.length === 0 || services.includes(p.service))
          .map((p) => ({ p, v: views.get(p.record.id) }))
          .filter(({ v }) => o.all || v?.phase === "Running" || v?.phase === "Pending");
        return { rows, daemon: await runningDaemon(e.paths.runDir) };
      });
      if (o.quiet) {
        io.stdout(rows.map(({ p }) => `${p.record.name}\n`).join(""));
        return;
      }
      const now = Date.now();
      const images = new Map<string, string[]>();
      const data = rows.map(({ p, v }) => psRow(name, p, v, now, images));
      // One JSON object per line, as docker compose prints since v2.21 (docker/compose#10918).
      if (o.format === "json") io.stdout(data.map((d) => `${JSON.stringify(d)}\n`).join(""));
      else {
        io.stdout(formatTable(
          ["name", "image", "command", "service", "created", "status", "ports"],
          data.map((d) => [d.Name, d.Image, d.Command, d.Service, d.RunningFor, d.Status, d.Ports]),
        ));
      }
      const restarting = Object.values(model?.services ?? {}).filter((s) => s.restart !== "no");
      if (restarting.length > 0 && daemon === undefined) {
        io.stderr(
          `Note: restart policies (${
            restarting.map((s) => `${s.name}: ${s.restart}`).join(", ")
          }) are applied only while "rkl daemon" runs\n`,
        );
      }
    });

  group.command("logs")
    .description("print the services' logs, prefixed by pod")
    .option("-f, --follow", "follow log output")
    .option("--tail <n>", "number of lines from the end of each log")
    .option("-t, --timestamps", "show timestamps")
    .option("--no-log-prefix", "do not prefix lines with the pod name")
    .argument("[service...]", "services")
    .action(async (services, o) => {
      const { name } = projectName();
      const lo = parseLogsOptions("", o);
      await withEngine(io, globals, async (e) => {
        const pods = projectPods(e, name).filter((p) =>
          services.length === 0 || services.includes(p.service)
        );
        const width = Math.max(0, ...pods.map((p) => p.record.name.length));
        await Promise.all(pods.map(async (p, i) => {
          const prefix = o.logPrefix === false
            ? ""
            : colour(`${p.record.name.padEnd(width)} | `, i, tty);
          const ref = podContainerName(p.record, dnsName(p.service));
          const write = (lines: LogLine[], first: boolean) => {
            const text = formatLogLines(lines, {
              timestamps: lo.timestamps,
              ...(first && lo.tail !== undefined ? { tail: lo.tail } : {}),
            });
            if (text) {
              io.stdout(text.split("\n").slice(0, -1).map((l) => `${prefix}${l}\n`).join(""));
            }
          };
          if (!lo.follow) {
            write(await containerLogs(e, ref), true);
            return;
          }
          let first = true;
          await followLogs(e, ref, (lines) => {
            write(lines, first);
            first = false;
          });
        }));
      });
    });

  group.command("exec")
    .description("run a command in a service's running pod; exits with its exit code")
    .option("-T, --no-tty", "do not allocate a terminal (output is always piped)")
    .option("-e, --env <KEY=VAL>", "environment variable (repeatable)", collect)
    .option("-w, --workdir <dir>", "working directory")
    .option("-u, --user <user>", "UID[:GID]")
    .option("--index <n>", "replica (default 1)", "1")
    .passThroughOptions()
    .allowUnknownOption()
    .argument("<service>", "service")
    .argument("<command...>", "command and arguments")
    .action(async (service, argv, o) => {
      const { name, model } = projectName();
      const env: Record<string, string> = {};
      for (const kv of o.env ?? []) {
        const eq = kv.indexOf("=");
        if (eq <= 0) throw new UsageError(`Invalid -e "${kv}": expected KEY=VALUE`);
        env[kv.slice(0, eq)] = kv.slice(eq + 1);
      }
      const index = Number(o.index);
      const result = await withEngine(io, globals, (e) => {
        const pod = projectPods(e, name).find((p) => p.service === service && p.replica === index);
        if (!pod) {
          throw new RkError(
            `service "${service}" is not running${
              model?.services[service] ? "" : " (no such service)"
            }`,
          );
        }
        return execSync(e, podContainerName(pod.record, dnsName(service)), argv, {
          stdio: "piped",
          env,
          ...(o.workdir ? { workingDir: o.workdir } : {}),
          ...(o.user ? { user: o.user } : {}),
        });
      });
      printExecResult(io, result);
    });

  group.command("run")
    .description("run a one-off command in a new pod of a service")
    .option("--rm", "remove the pod when the command exits")
    .option("--no-deps", "do not start the services it depends on")
    .option("-e, --env <KEY=VAL>", "environment variable (repeatable)", collect)
    .passThroughOptions()
    .allowUnknownOption()
    .argument("<service>", "service")
    .argument("[command...]", "command and arguments (default: the service's)")
    .action(async (service, argv, o) => {
      // A one-off command given here stands in for the service's.
      const model = load(argv.length === 0);
      const svc = model.services[service];
      if (!svc) throw new RkError(`no such service: ${service}`);
      await withHost(async (e, host) => {
        const deps = Object.keys(svc.dependsOn);
        if (o.deps !== false && deps.length > 0) {
          await composeUp(e, host, model, { services: deps });
        } else await prepareProject(e, host, model);
        const env = { ...svc.environment };
        for (const kv of o.env ?? []) {
          const eq = kv.indexOf("=");
          if (eq <= 0) throw new UsageError(`Invalid -e "${kv}": expected KEY=VALUE`);
          env[kv.slice(0, eq)] = kv.slice(eq + 1);
        }
        const oneOff = {
          ...svc,
          environment: env,
          ports: [],
          restart: "no" as const,
          ...(argv.length > 0 ? { command: argv } : {}),
        };
        delete (oneOff as { containerName?: string }).containerName;
        const dirs = composeDirs(e.paths.dataDir);
        const obj = servicePod(model, oneOff, 1, {
          volumesDir: dirs.volumesDir,
          filesDir: projectDir(dirs, model.name),
          configHash: await serviceConfigHash(model, oneOff),
        });
        const suffix = crypto.randomUUID().slice(0, 8);
        const meta = obj.metadata as { name: string; labels: Record<string, string> };
        meta.name = dnsName(`${model.name}-${service}-run-${suffix}`, 253, true);
        meta.labels[LABEL_REPLICA] = "run";
        const { pod } = podManifestOf(obj, `${model.files[0]} (service ${service})`);
        const r = await runPod(e, pod);
        if (r.failure) throw new RkError(r.failure.reason);
        await syncProjectHosts(e, host.networks, host.renderHosts, model.name);
        const ref = podContainerName({ namespace: "default", name: pod.name }, dnsName(service));
        let code = 0;
        try {
          await followLogs(e, ref, (lines) => io.stdout(formatLogLines(lines)));
          await waitCompleted(e, service, ref);
        } catch (err) {
          const m = /exit (\d+)/.exec(err instanceof Error ? err.message : "");
          if (!m) throw err;
          code = Number(m[1]);
        } finally {
          if (o.rm) await teardownSandbox(e, r.sandbox);
        }
        io.exitCode = code;
      });
    });

  for (
    const [verb, description] of [
      ["stop", "stop the services' pods (SIGTERM, then SIGKILL after the timeout)"],
      ["start", "start the services' stopped pods again"],
      ["restart", "stop and start the services' pods"],
    ] as const
  ) {
    const cmd = group.command(verb)
      .description(description)
      .argument("[service...]", "services");
    if (verb !== "start") cmd.option("-t, --timeout <seconds>", "shutdown timeout in seconds");
    if (verb === "restart") cmd.option("--no-deps", "don't restart dependent services");
    cmd.action(async (services: string[], o: { timeout?: string; deps?: boolean }) => {
      const { name, model } = projectName();
      const grace = o.timeout === undefined ? undefined : parseGraceSeconds(o.timeout);
      // In dependency order as docker compose does (stop: dependents first). restart: the named
      // services and, unless --no-deps, their dependents with depends_on.<service>.restart: true
      // (docker compose's restart.go).
      const levels = !model
        ? [services]
        : verb === "restart"
        ? restartLevels(model.services, services, o.deps === false)
        : serviceLevels(model.services, services, verb === "stop");
      await withHost(async (e, host) => {
        for (const level of levels) {
          const pods = projectPods(e, name).filter((p) =>
            p.replica > 0 && (level.length === 0 || level.includes(p.service))
          );
          if (verb === "stop" || verb === "restart") {
            await Promise.all(pods.map(async (p) => {
              await stopPodSandbox(e, p.record.id, grace, p.record.namespace);
              host.onEvent?.({ kind: "Container", name: p.record.name, status: "Stopped" });
            }));
          }
          if (verb === "start" || verb === "restart") {
            const views = new Map((await listPods(e)).map((v) => [v.id, v]));
            await Promise.all(pods.map(async (p) => {
              if (verb === "start" && views.get(p.record.id)?.phase === "Running") return;
              if (await startPodAgain(e, p.record)) {
                host.onEvent?.({ kind: "Container", name: p.record.name, status: "Started" });
              }
            }));
          }
        }
        await syncProjectHosts(e, host.networks, host.renderHosts, name);
      });
    });
  }

  group.command("kill")
    .description("send a signal to the services' containers")
    .option("-s, --signal <signal>", "signal (default SIGKILL)")
    .argument("[service...]", "services")
    .action(async (services, o) => {
      const { name } = projectName();
      const signal = parseSignal(o.signal);
      await withEngine(io, globals, async (e) => {
        for (const p of projectPods(e, name)) {
          if (services.length > 0 && !services.includes(p.service)) continue;
          await killContainer(e, podContainerName(p.record, dnsName(p.service)), signal);
          io.stderr(formatEvent({ kind: "Container", name: p.record.name, status: "Killed" }, tty));
        }
      });
    });

  group.command("top")
    .description("display the running processes of the services' pods")
    .argument("[service...]", "services")
    .action(async (services) => {
      const { name } = projectName();
      await withEngine(io, globals, async (e) => {
        const views = new Map((await listPods(e)).map((v) => [v.id, v]));
        const ps = await run(["ps", "-e", "-o", "pid=,ppid=,user=,etime=,args="]);
        const procs = parsePs(ps.stdout);
        for (const p of projectPods(e, name)) {
          if (services.length > 0 && !services.includes(p.service)) continue;
          const c = views.get(p.record.id)?.containers.find((x) => !x.init);
          if (c?.pid === undefined) continue;
          const rows = descendants(procs, c.pid).map((x) => [x.pid, x.user, x.etime, x.args]);
          io.stdout(`${p.record.name}\n${formatTable(["pid", "user", "time", "cmd"], rows)}\n`);
        }
      });
    });

  group.command("port")
    .description("print the public address and port of a service's container port")
    .option("--index <n>", "replica of the service (default 1)")
    .option("--protocol <protocol>", "tcp or udp", "tcp")
    .argument("<service>", "service")
    .argument("<private_port>", "container port")
    .action(async (service, privatePort, o) => {
      const { name } = projectName();
      const index = o.index === undefined ? 1 : Number(o.index);
      if (!Number.isInteger(index) || index < 1) {
        throw new UsageError(`Invalid --index "${o.index}": expected a replica number from 1`);
      }
      const target = Number(privatePort);
      if (!Number.isInteger(target) || target < 1 || target > 65535) {
        throw new UsageError(`Invalid port "${privatePort}": expected 1 to 65535`);
      }
      const protocol = o.protocol.toUpperCase();
      const address = await withEngine(io, globals, (e) => {
        const p = projectPods(e, name).find((x) => x.service === service && x.replica === index);
        if (!p) {
          throw new NotFoundError("service replica", `${service} ${index}`);
        }
        return Promise.resolve(publishedAddress(p, target, protocol));
      });
      if (address === undefined) {
        throw new RkError(`no port ${target}/${o.protocol.toLowerCase()} for container ${service}`);
      }
      io.stdout(`${address}\n`);
    });

  group.command("config")
    .description("print the normalized, interpolated compose file")
    .option("--services", "print the service names")
    .option("--volumes", "print the volume names")
    .option("--format <format>", "yaml or json", "yaml")
    .option("-q, --quiet", "only validate")
    .action((o) => {
      if (o.format !== "yaml" && o.format !== "json") {
        throw new UsageError(`Invalid --format "${o.format}": expected yaml or json`);
      }
      const model = load();
      if (o.quiet) return;
      if (o.services) io.stdout(Object.keys(model.services).map((s) => `${s}\n`).join(""));
      else if (o.volumes) io.stdout(Object.keys(model.volumes).map((s) => `${s}\n`).join(""));
      // A compose file again, as docker compose prints it: it loads back to the same model.
      else if (o.format === "json") io.stdout(formatData(composeDocument(model), "json"));
      else io.stdout(toYaml(composeDocument(model)));
    });

  group.command("convert")
    .description("print the Kubernetes objects rk8s runs (Pods or Deployments, and Services)")
    .action(async () => {
      const model = load();
      const dirs = composeDirs(rklPaths(globals().root).dataDir);
      const objects = await convertProject(model, {
        volumesDir: dirs.volumesDir,
        filesDir: projectDir(dirs, model.name),
      });
      io.stdout(objects.map((o) => toYaml(o)).join("---\n"));
    });

  group.command("ls")
    .description("list projects")
    .option("-a, --all", "show stopped projects too")
    .option("-q, --quiet", "only names")
    .option("--format <format>", "table or json", "table")
    .action(async (o) => {
      const rows = await withEngine(io, globals, async (e) => {
        const dirs = composeDirs(e.paths.dataDir);
        const views = new Map((await listPods(e)).map((v) => [v.id, v]));
        const out: { Name: string; Status: string; ConfigFiles: string }[] = [];
        for (const name of await listProjects(e, dirs)) {
          const pods = projectPods(e, name);
          if (pods.length === 0 && !o.all) continue;
          const counts = new Map<string, number>();
          for (const p of pods) {
            const s = (views.get(p.record.id)?.phase ?? "Unknown").toLowerCase();
            counts.set(s, (counts.get(s) ?? 0) + 1);
          }
          const state = await readProjectState(dirs, name);
          const files = state?.files ??
            JSON.parse(pods[0]?.record.config.annotations[ANNOTATION_CONFIG_FILES] ?? "[]");
          out.push({
            Name: name,
            Status: [...counts].map(([s, n]) => `${s}(${n})`).join(", ") || "exited(0)",
            ConfigFiles: (files as string[]).join(","),
          });
        }
        return out;
      });
      if (o.quiet) io.stdout(rows.map((r) => `${r.Name}\n`).join(""));
      else if (o.format === "json") io.stdout(formatData(rows, "json"));
      else {
        io.stdout(formatTable(
          ["name", "status", "config files"],
          rows.map((r) => [r.Name, r.Status, r.ConfigFiles]),
        ));
      }
    });

  return group;
}

/**
 * The named services (all when none) in dependency order, levels that may run in parallel;
 * reversed for stopping (dependents first).
 */
function serviceLevels(
  services: ComposeModel["services"],
  named: readonly string[],
  reverse: boolean,
): string[][] {
  for (const n of named) if (!services[n]) throw new RkError(`no such service: ${n}`);
  const chosen = named.length === 0 ? Object.keys(services) : named;
  const levels = dependencyLevels(Object.fromEntries(chosen.map((n) => [n, services[n]!])));
  return reverse ? levels.reverse() : levels;
}

/** One line of `ps -e -o pid=,ppid=,user=,etime=,args=`. */
export interface PsLine {
  /** Process id. */
  pid: string;
  /** Parent process id. */
  ppid: string;
  /** User. */
  user: string;
  /** Elapsed time. */
  etime: string;
  /** Command line. */
  args: string;
}

/**
 * Parses `ps -e -o pid=,ppid=,user=,etime=,args=`.
 *
 * @example
 * ```ts
 * import { parsePs } from "./compose.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(parsePs("  12     1 root     01:02 sleep 300\n"), [
 *   { pid: "12", ppid: "1", user: "root", etime: "01:02", args: "sleep 300" },
 * ]);
 * ```
 */
export function parsePs(text: string): PsLine[] {
  const out: PsLine[] = [];
  for (const line of text.split("\n")) {
    const m = /^\s*(\d+)\s+(\d+)\s+(\S+)\s+(\S+)\s+(.*)$/.exec(line);
    if (m) out.push({ pid: m[1]!, ppid: m[2]!, user: m[3]!, etime: m[4]!, args: m[5]! });
  }
  return out;
}

/**
 * A process and its descendants, parents first.
 *
 * @example
 * ```ts
 * import { descendants } from "./compose.ts";
 * import assert from "node:assert/strict";
 * const p = (pid: string, ppid: string) => ({ pid, ppid, user: "root", etime: "0", args: "x" });
 * assert.deepEqual(descendants([p("1", "0"), p("5", "1"), p("6", "5"), p("7", "1")], 5).map((x) => x.pid), ["5", "6"]);
 * ```
 */
export function descendants(procs: readonly PsLine[], pid: number): PsLine[] {
  const out = procs.filter((p) => p.pid === String(pid));
  for (let i = 0; i < out.length; i++) {
    out.push(...procs.filter((p) => p.ppid === out[i]!.pid));
  }
  return out;
}

const COLOURS = [36, 33, 32, 35, 34, 91, 92, 93, 94, 95, 96];

function colour(text: string, i: number, tty: boolean): string {
  return tty ? `\x1b[${COLOURS[i % COLOURS.length]}m${text}\x1b[0m` : text;
}

/**
 * `HOST_IP:HOST_PORT` where the pod publishes `containerPort`/`protocol` (`0.0.0.0` when it is
 * published on every address), or undefined when it is not published.
 *
 * @example
 * ```ts
 * import { publishedAddress } from "./compose.ts";
 * import assert from "node:assert/strict";
 * const p = { record: { manifest: { containers: [{ ports: [
 *   { containerPort: 80, hostPort: 40000, protocol: "TCP" as const },
 * ] }] } } };
 * assert.equal(publishedAddress(p, 80, "TCP"), "0.0.0.0:40000");
 * assert.equal(publishedAddress(p, 81, "TCP"), undefined);
 * ```
 */
export function publishedAddress(
  p: {
    record: {
      manifest?: {
        containers: readonly {
          ports: readonly Pick<PortMapping, "containerPort" | "hostPort" | "hostIP" | "protocol">[];
        }[];
      };
    };
  },
  containerPort: number,
  protocol: string,
): string | undefined {
  const port = (p.record.manifest?.containers ?? []).flatMap((c) => c.ports).find((pt) =>
    pt.containerPort === containerPort && pt.protocol === protocol && pt.hostPort !== undefined
  );
  return port ? `${port.hostIP ?? "0.0.0.0"}:${port.hostPort}` : undefined;
}

/** The process a bundle runs by default (`process.args` of its config.json), or `[]`. */
function bundleArgs(image: string, cache: Map<string, string[]>): string[] {
  let args = cache.get(image);
  if (args === undefined) {
    args = [];
    try {
      const config: unknown = JSON.parse(Deno.readTextFileSync(`${image}/config.json`));
      const a = (config as { process?: { args?: unknown } }).process?.args;
      if (Array.isArray(a) && a.every((x) => typeof x === "string")) args = a;
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound || e instanceof SyntaxError)) throw e;
    }
    cache.set(image, args);
  }
  return args;
}

/** One row of `rkl compose ps`, with docker compose's field names (`--format json`). */
function psRow(
  project: string,
  p: ProjectPod,
  v: PodView | undefined,
  now: number,
  images: Map<string, string[]>,
) {
  const spec = p.record.manifest?.containers.find((c) => c.name === dnsName(p.service)) ??
    p.record.manifest?.containers[0];
  const allPorts = (p.record.manifest?.containers ?? []).flatMap((c) => c.ports);
  const ports = allPorts.map((pt) =>
    pt.hostPort !== undefined
      ? `${pt.hostIP ?? "0.0.0.0"}:${pt.hostPort}->${pt.containerPort}/${pt.protocol.toLowerCase()}`
      : `${pt.containerPort}/${pt.protocol.toLowerCase()}`
  ).join(", ");
  const app = v?.containers.find((c) => !c.init && c.name === spec?.name) ??
    v?.containers.find((c) => !c.init);
  const argv = !spec
    ? []
    : spec.command
    ? [...spec.command, ...(spec.args ?? [])]
    : spec.args ?? bundleArgs(spec.image, images);
  const status = psStatus(app, now);
  return {
    Command: psCommand(argv),
    CreatedAt: new Date(p.record.createdAt).toISOString(),
    ExitCode: status.ExitCode,
    Health: "",
    ID: app?.id ?? "",
    Image: spec?.image ?? "",
    Name: p.record.name,
    Names: p.record.name,
    Networks: (p.record.manifest?.networks ?? []).join(","),
    Ports: ports,
    Project: project,
    Publishers: allPorts.map((pt) => ({
      URL: pt.hostPort !== undefined ? (pt.hostIP ?? "0.0.0.0") : "",
      TargetPort: pt.containerPort,
      PublishedPort: pt.hostPort ?? 0,
      Protocol: pt.protocol.toLowerCase(),
    })),
    RunningFor: `${humanDuration(now - p.record.createdAt)} ago`,
    Service: p.service,
    Replica: p.replica,
    State: status.State,
    Status: status.Status,
    IP: v?.ip ?? "",
  };
}

/**
 * Foreground `up`: prints every pod's logs, prefixed, until the containers exit or SIGINT /
 * SIGTERM arrives; then stops the project's pods (as docker compose does on Ctrl-C).
 */
async function attach(
  io: CliIo,
  engine: Engine,
  host: ComposeHost,
  project: string,
  services: readonly string[],
): Promise<void> {
  const pods = projectPods(engine, project).filter((p) =>
    p.replica > 0 && (services.length === 0 || services.includes(p.service))
  );
  const width = Math.max(0, ...pods.map((p) => p.record.name.length));
  const ctrl = new AbortController();
  const signals: Deno.Signal[] = ["SIGINT", "SIGTERM"];
  const stop = () => ctrl.abort();
  for (const s of signals) Deno.addSignalListener(s, stop);
  try {
    await Promise.all(pods.map((p, i) =>
      followLogs(
        engine,
        podContainerName(p.record, dnsName(p.service)),
        (lines) => {
          const prefix = colour(`${p.record.name.padEnd(width)} | `, i, isTerminal(io));
          io.stdout(lines.map((l) => `${prefix}${l.text}\n`).join(""));
        },
        { signal: ctrl.signal },
      )
    ));
  } finally {
    for (const s of signals) Deno.removeSignalListener(s, stop);
  }
  if (ctrl.signal.aborted) io.stderr("Gracefully stopping... (press Ctrl+C again to force)\n");
  await Promise.all(pods.map(async (p) => {
    await stopPodSandbox(engine, p.record.id, undefined, p.record.namespace);
    host.onEvent?.({ kind: "Container", name: p.record.name, status: "Stopped" });
  }));
}
