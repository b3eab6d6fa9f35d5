/**
 * `deno task demo`: the main job. Runs rkl commands in-process (the same code path as the
 * `rkl` binary), printing each command and its output, against a fresh state root so it never
 * disturbs /var/lib/rkl. Sections are appended in order; each leaves nothing running.
 *
 * @module
 */
import { main } from "../cli/main.ts";
import type { CliIo } from "../cli/context.ts";

const projectDir = new URL("../", import.meta.url).pathname;
const root = await Deno.makeTempDir({ prefix: "rkl-demo-" });
const enc = new TextEncoder();
const write = (t: string) => void Deno.stdout.writeSync(enc.encode(t));
const io: CliIo = {
  stdout: write,
  stderr: (t) => void Deno.stderr.writeSync(enc.encode(t)),
  env: {
    PATH: Deno.env.get("PATH") ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
  },
  cwd: projectDir,
};

let failures = 0;

/** Prints and runs `rkl ARGS`; returns the exit code. `expect` is the code that counts as ok. */
async function rkl(args: string[], expect = 0): Promise<number> {
  const shown = args.map((
    a,
  ) => (/^[\w./:=@%+,-]+$/.test(a) ? a : `'${a.replaceAll("'", "'\\''")}'`));
  write(`\n$ rkl ${shown.join(" ")}\n`);
  delete io.exitCode;
  const code = await main(["--root", root, ...args], io);
  if (code !== expect) {
    failures++;
    write(`!! exit code ${code}, expected ${expect}\n`);
  } else if (code !== 0) {
    write(`(exit code ${code}, as expected)\n`);
  }
  return code;
}

/** Polls `rkl pod state NAME -o json` without printing until `done` holds (bounded). */
async function waitQuietly(
  name: string,
  done: (v: { containers: { state: string }[] }) => boolean,
): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    let out = "";
    await main(["--root", root, "pod", "state", name, "-o", "json"], {
      ...io,
      stdout: (t) => void (out += t),
      stderr: () => {},
    });
    if (out && done(JSON.parse(out))) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  failures++;
  write(`!! ${name} did not finish within 60 s\n`);
}

function section(title: string): void {
  write(`\n==== ${title} ====\n`);
}

write(
  `rk8s demo — state root ${root} (--root), runtime chosen like rkl does (youki, runc, crun)\n`,
);

try {
  // ---- Single containers (issues 2, 9): the original README example verbatim (zero values
  // such as protocol: "" and hostPort: 0 mean unset), only the bundle path adjusted ----
  section("single container: testdata/single.yaml");
  write(await Deno.readTextFile(`${projectDir}testdata/single.yaml`));
  await rkl(["container", "run", "testdata/single.yaml"]);
  await rkl(["container", "list"]);
  await rkl(["container", "state", "single-container-test"]);
  await rkl([
    "container",
    "exec",
    "single-container-test",
    "--",
    "sh",
    "-c",
    "echo hostname=$(hostname); echo memory.limit_in_bytes=$(cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max); echo cpu quota=$(cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us 2>/dev/null || cat /sys/fs/cgroup/cpu.max); ps",
  ]);
  await rkl([
    "container",
    "exec",
    "single-container-test",
    "--",
    "sh",
    "-c",
    "echo to the log >> /proc/1/fd/1; exit 3",
  ], 3);
  await rkl(["container", "logs", "--timestamps", "single-container-test"]);
  write("\n# sleep as PID 1 ignores SIGTERM: stop sends SIGKILL after the 1 s grace period\n");
  await rkl(["container", "stop", "-t", "1", "single-container-test"]);
  await rkl(["container", "list", "-o", "wide"]);
  await rkl(["container", "rm", "single-container-test"]);
  await rkl(["container", "list"]);

  // ---- Pods (issue 4): the original project's pod example, unchanged, then a 2-container pod ----
  section("pod: testdata/pods/simple.yaml (the original project's example)");
  write(await Deno.readTextFile(`${projectDir}testdata/pods/simple.yaml`));
  await rkl(["pod", "run", "testdata/pods/simple.yaml"]);
  await rkl(["pod", "list"]);
  await rkl([
    "pod",
    "exec",
    "simple-container-task",
    "--",
    "sh",
    "-c",
    "echo memory.limit_in_bytes=$(cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max); ps",
  ]);
  await rkl(["pod", "rm", "-f", "simple-container-task"]);

  section("pod: testdata/pods/web.yaml (init container, emptyDir, two containers on localhost)");
  write(await Deno.readTextFile(`${projectDir}testdata/pods/web.yaml`));
  await rkl(["pod", "run", "testdata/pods/web.yaml"]);
  await rkl(["pod", "list", "-o", "wide"]);
  await rkl(["pod", "state", "web"]);
  write("\n# the client reaches the server on localhost (one network namespace per pod)\n");
  await rkl([
    "pod",
    "exec",
    "web",
    "-c",
    "client",
    "--",
    "sh",
    "-c",
    "for i in 1 2 3 4 5 6 7 8 9 10; do wget -qO- http://localhost:8080/ && exit 0; sleep 0.1; done; exit 1",
  ]);
  await rkl(["pod", "exec", "web", "-c", "client", "--", "sh", "-c", "echo POD_IP=$POD_IP; ps"]);
  write("\n# bad input is reported with file, line and field path; nothing is created\n");
  await rkl(["pod", "run", "testdata/pods/bad_duplicate.yaml"], 1);
  await rkl(["pod", "stop", "-t", "0", "web"]);
  await rkl(["pod", "rm", "web"]);
  await rkl(["pod", "list"]);

  section("pod: testdata/pods/job.yaml ($(VAR) expansion, pod securityContext, a job that ends)");
  write(await Deno.readTextFile(`${projectDir}testdata/pods/job.yaml`));
  await rkl(["pod", "run", "testdata/pods/job.yaml"]);
  await waitQuietly("job", (v) => v.containers.every((c) => c.state === "exited"));
  write(
    "\n# a finished pod (restartPolicy Never) stops its sandbox: no IP, status and logs kept\n",
  );
  await rkl(["pod", "list", "-o", "wide"]);
  await rkl(["pod", "logs", "job"]);
  await rkl(["pod", "rm", "job"]);

  // ---- Compose (issue 12): the original project's compose example, unchanged but for image: ----
  section("compose: testdata/compose/original/compose.yaml (the original project's example)");
  const composeFile = "testdata/compose/original/compose.yaml";
  write(await Deno.readTextFile(`${projectDir}${composeFile}`));
  await rkl(["compose", "-f", composeFile, "config", "--services"]);
  await rkl(["compose", "-f", composeFile, "up", "-d"]);
  await rkl(["compose", "-f", composeFile, "ps"]);
  write("\n# each service replica is a pod; each compose network its own CNI network\n");
  await rkl(["pod", "list", "-o", "wide"]);
  await rkl(["network", "ls"]);
  write("\n# services resolve each other by name on the networks they share (/etc/hosts)\n");
  await rkl(["compose", "-f", composeFile, "exec", "backend", "cat", "/etc/hosts"]);
  await rkl(["compose", "ls"]);
  write("\n# the Kubernetes objects rk8s runs (they run unchanged with rkl pod run)\n");
  await rkl(["compose", "-f", composeFile, "convert"]);
  await rkl(["compose", "-f", composeFile, "down", "-t", "0"]);
  await rkl(["compose", "ls", "-a"]);
} finally {
  // Whatever happened above, leave nothing behind.
  const quiet: CliIo = { ...io, stdout: () => {}, stderr: () => {} };
  await main(["--root", root, "compose", "-p", "original", "down", "-v", "-t", "0"], quiet);
  const pods: string[] = [];
  await main(["--root", root, "pod", "list", "-A", "-q"], {
    ...quiet,
    stdout: (t) => void pods.push(...t.split("\n").filter(Boolean)),
  });
  for (const pod of pods) await main(["--root", root, "pod", "rm", "-f", pod], io);
  const ids: string[] = [];
  await main(["--root", root, "container", "list", "-q"], {
    ...quiet,
    stdout: (t) => void ids.push(...t.split("\n").filter(Boolean)),
  });
  if (ids.length > 0) await main(["--root", root, "container", "rm", "-f", ...ids], io);
  await Deno.remove(root, { recursive: true });
}

write(
  failures === 0
    ? "\ndemo finished: every step behaved as expected\n"
    : `\ndemo finished with ${failures} unexpected result(s)\n`,
);
if (failures > 0) Deno.exitCode = 1;
