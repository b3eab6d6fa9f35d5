/**
 * `readHostFacts`: what the node agent reports about its host — CPU cores
 * (`navigator.hardwareConcurrency`), memory (`Deno.systemMemoryInfo().total`), kernel
 * (`Deno.osRelease()`), OS image (`/etc/os-release`), the machine id, the runtime's
 * version (`<runtime> --version`), and the InternalIP used to reach rks.
 *
 * @module
 */
import { readTextIfExists } from "../../core/fs.ts";
import type { HostFacts } from "./node_object.ts";

async function firstLine(path: string): Promise<string> {
  return ((await readTextIfExists(path)) ?? "").split("\n")[0]!.trim();
}

async function runtimeVersion(runtime: string): Promise<string> {
  const name = runtime.split("/").pop() ?? runtime;
  try {
    const out = await new Deno.Command(runtime, {
      args: ["--version"],
      stdout: "piped",
      stderr: "null",
    })
      .output();
    const m = /version\s+(\S+)/.exec(new TextDecoder().decode(out.stdout));
    return `${name}://${m?.[1] ?? "unknown"}`;
  } catch {
    return `${name}://unknown`;
  }
}

/** Reads the host's facts; `runtime` is the OCI runtime binary the node runs containers with. */
export async function readHostFacts(runtime: string): Promise<HostFacts> {
  const osRelease = (await readTextIfExists("/etc/os-release")) ?? "";
  const pretty = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(osRelease)?.[1] ?? "Linux";
  const arch = Deno.build.arch === "x86_64"
    ? "amd64"
    : Deno.build.arch === "aarch64"
    ? "arm64"
    : Deno.build.arch;
  return {
    hostname: Deno.hostname().toLowerCase(),
    cpuCores: navigator.hardwareConcurrency,
    memoryBytes: Deno.systemMemoryInfo().total,
    kernelVersion: Deno.osRelease(),
    osImage: pretty,
    operatingSystem: Deno.build.os,
    architecture: arch,
    machineID: await firstLine("/etc/machine-id"),
    // /proc/sys/kernel/random/boot_id is not readable without --allow-all in Deno.
    bootID: "",
    containerRuntimeVersion: await runtimeVersion(runtime),
  };
}

/**
 * The node's InternalIP for reaching rks at `rksHost`: `127.0.0.1` when rks is on loopback,
 * otherwise the IPv4 address of the interface whose subnet holds `rksHost`, else the first
 * non-loopback IPv4 address.
 */
export function internalIpFor(rksHost: string): string {
  if (rksHost === "127.0.0.1" || rksHost === "localhost" || rksHost === "::1") return "127.0.0.1";
  const v4 = Deno.networkInterfaces().filter((i) =>
    i.family === "IPv4" && i.address !== "127.0.0.1"
  );
  const toInt = (a: string) => a.split(".").reduce((n, p) => (n << 8) + Number(p), 0) >>> 0;
  const target = /^\d+\.\d+\.\d+\.\d+$/.test(rksHost) ? toInt(rksHost) : undefined;
  if (target !== undefined) {
    for (const i of v4) {
      const bits = Number(i.cidr.split("/")[1] ?? 32);
      const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
      if (((toInt(i.address) & mask) >>> 0) === ((target & mask) >>> 0)) return i.address;
    }
  }
  return v4[0]?.address ?? "127.0.0.1";
}
