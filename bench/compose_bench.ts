/**
 * `deno task bench compose`: `rkl compose up -d` and `down` of a 2-service and a 12-service app,
 * side by side in one run (interleaved, medians) with `podman-compose` and with `docker-compose`
 * driving podman's API socket (`podman system service`), all on the same busybox image with
 * `sleep` services on one bridge network. rkl runs as the real CLI process with the `rkl` task's
 * permissions (Deno start-up included).
 *
 * @module
 */
import { join } from "node:path";
import { printTable, quantile, type Row, speedup } from "./_harness.ts";
import { closePodmanPeer, openPodmanPeer, rklTaskArgs, runRklCli, withUndo } from "./_peers.ts";
import { run } from "../core/exec.ts";
import { pathExists } from "../core/fs.ts";
import { testBundles } from "../core/testing.ts";

const RUNS = 3;
const PODMAN_COMPOSE = "/usr/bin/podman-compose";
const DOCKER_COMPOSE = "/usr/bin/docker-compose";

function composeFile(services: number, image: string): string {
  const lines = ["services:"];
  for (let i = 0; i < services; i++) {
    lines.push(
      `  s${i}:`,
      `    image: ${image}`,
      `    command: ["sleep", "3600"]`,
      `    stop_grace_period: 0s`,
    );
  }
  return lines.join("\n") + "\n";
}

interface Tool {
  name: string;
  skip?: string;
  up(file: string): Promise<void>;
  down(file: string): Promise<void>;
}

async function sh(argv: string[], env: Record<string, string> = {}): Promise<void> {
  await run(argv, { env, timeoutMs: 300_000 });
}

/** Runs the compose section. */
export async function composeBench(): Promise<void> {
  await withUndo("rkl-bench-compose-", async (work, undo) => {
    const task = await rklTaskArgs();
    const root = join(work, "rkl-root");
    const peer = await openPodmanPeer(work, "rkc-");
    undo.push("close podman", () => closePodmanPeer(peer));
    const socket = join(peer.dir, "podman.sock");
    const haveDockerCompose = peer.installed && await pathExists(DOCKER_COMPOSE);
    if (haveDockerCompose) {
      const service = new Deno.Command(peer.argv[0]!, {
        args: [...peer.argv.slice(1), "system", "service", "--time", "0", `unix://${socket}`],
        env: peer.env,
        stdin: "null",
        stdout: "null",
        stderr: "null",
      }).spawn();
      undo.push("stop podman system service", async () => {
        service.kill("SIGTERM");
        await service.status;
      });
      for (let i = 0; i < 200 && !await pathExists(socket); i++) {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    const tools: Tool[] = [
      {
        name: "rkl compose (CLI)",
        up: (f) => runRklCli(task, ["--root", root, "compose", "-f", f, "up", "-d"]),
        down: (f) => runRklCli(task, ["--root", root, "compose", "-f", f, "down", "-t", "0"]),
      },
      {
        name: "podman-compose",
        ...(peer.installed && await pathExists(PODMAN_COMPOSE) ? {} : {
          skip: "podman-compose not installed (deno task bench installs it)",
        }),
        up: (f) =>
          sh(
            [PODMAN_COMPOSE, "--podman-args", peer.argv.slice(1).join(" "), "-f", f, "up", "-d"],
            peer.env,
          ),
        down: (f) =>
          sh([
            PODMAN_COMPOSE,
            "--podman-args",
            peer.argv.slice(1).join(" "),
            "-f",
            f,
            "down",
            "-t",
            "0",
          ], peer.env),
      },
      {
        name: "docker-compose → podman socket",
        ...(haveDockerCompose
          ? {}
          : { skip: "docker-compose not installed (deno task bench installs it)" }),
        up: (f) => sh([DOCKER_COMPOSE, "-f", f, "up", "-d"], { DOCKER_HOST: `unix://${socket}` }),
        down: (f) =>
          sh([DOCKER_COMPOSE, "-f", f, "down", "-t", "0"], { DOCKER_HOST: `unix://${socket}` }),
      },
    ];
    for (const services of [2, 12]) {
      const times = new Map<string, { up: number[]; down: number[] }>();
      const active = tools.filter((t) => !t.skip);
      const files = new Map<string, string>();
      for (const t of active) {
        const dir = join(work, `${t.name.split(" ")[0]}-${services}`, "app");
        await Deno.mkdir(dir, { recursive: true });
        const file = join(dir, "compose.yaml");
        await Deno.writeTextFile(
          file,
          composeFile(
            services,
            t.name.startsWith("rkl") ? testBundles.busybox : "localhost/busybox",
          ),
        );
        files.set(t.name, file);
        times.set(t.name, { up: [], down: [] });
        undo.push(`down ${t.name} ${services}`, () => t.down(file));
      }
      for (let i = 0; i < RUNS + 1; i++) {
        for (const t of active) {
          const f = files.get(t.name)!;
          const t0 = performance.now();
          await t.up(f);
          const t1 = performance.now();
          await t.down(f);
          const t2 = performance.now();
          if (i > 0) {
            times.get(t.name)!.up.push(t1 - t0);
            times.get(t.name)!.down.push(t2 - t1);
          }
        }
      }
      for (const phase of ["up", "down"] as const) {
        const rows: Row[] = active.map((t) => {
          const v = times.get(t.name)![phase];
          return {
            name: t.name,
            median: quantile(v, 0.5),
            p90: quantile(v, 0.9),
            min: Math.min(...v),
            runs: v.length,
          };
        });
        printTable(`${services} services: ${phase === "up" ? "up -d" : "down -t 0"}`, rows);
        const ours = rows[0]!;
        for (const r of rows.slice(1)) {
          console.log(`  rkl vs ${r.name}: ${speedup(r.median, ours.median)}`);
        }
      }
      for (const t of tools.filter((t) => t.skip)) console.log(`  (skipped ${t.name}: ${t.skip})`);
    }
  });
}
