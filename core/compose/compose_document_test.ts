import assert from "node:assert/strict";
import { join } from "node:path";
import { toYaml } from "../manifest_reader.ts";
import { composeDocument } from "./compose_document.ts";
import { loadCompose } from "./load.ts";

/** Every key the loader supports, in short and long syntaxes. */
const RICH = `name: rich
x-common: &common
  restart: on-failure:3
  labels: [tier=back]
services:
  web:
    <<: *common
    image: ./img
    container_name: front
    hostname: web-host
    entrypoint: /bin/sh -c
    command: ["echo $$HOME; sleep 1"]
    working_dir: /srv
    user: "1000:1000"
    environment: { A: "1", B: "two words" }
    ports: ["8080:80", "127.0.0.1:5353:53/udp", "9000", { target: 443, published: 8443, host_ip: 0.0.0.0 }]
    expose: ["3000", 4000]
    volumes:
      - ./data:/data:ro
      - cache:/cache
      - { type: tmpfs, target: /scratch, tmpfs: { size: 64m } }
      - { type: bind, source: ./conf, target: /conf, bind: { create_host_path: false } }
    tmpfs: /run/x:size=1m
    networks:
      front: { aliases: [www], ipv4_address: 172.28.5.9 }
      back:
    depends_on:
      db: { condition: service_healthy, restart: true }
      job: { condition: service_completed_successfully, required: false }
    configs: [app-conf, { source: app-conf, target: /etc/app.conf }]
    secrets: [token]
    cpus: 0.5
    mem_limit: 256m
    mem_reservation: 64m
    stop_signal: SIGUSR1
    stop_grace_period: 1m30s
    init: true
    read_only: true
    cap_add: [NET_ADMIN]
    cap_drop: [ALL]
    extra_hosts: ["gw:10.0.0.1"]
    dns: [8.8.8.8]
    dns_search: [example.org]
    dns_opt: ["ndots:2"]
  db:
    image: ./img
    command: [sleep, "300"]
    healthcheck: { test: "pg_isready", interval: 2s, timeout: 1s, retries: 5, start_period: 500ms }
    deploy: { replicas: 2, resources: { limits: { cpus: "1.5", memory: 1g }, reservations: { cpus: "0.25" } } }
    networks: [back]
  job:
    image: ./img
    command: "true"
    scale: 3
    privileged: true
    profiles: [batch]
networks:
  front: { ipam: { config: [{ subnet: 172.28.0.0/16 }] } }
  back: { internal: true }
  outside: { external: true, name: the-outside }
volumes:
  cache: {}
  shared: { external: true }
configs:
  app-conf: { content: "key=value" }
secrets:
  token: { environment: TOKEN }
`;

Deno.test("composeDocument(): what `config` prints loads back to the same model", async () => {
  const dir = await Deno.makeTempDir({ prefix: "rkl-compose-doc-" });
  try {
    await Deno.writeTextFile(join(dir, "compose.yaml"), RICH);
    const opts = {
      cwd: dir,
      env: { TOKEN: "t" },
      checkImage: () => undefined,
      profiles: ["batch"],
    };
    const first = loadCompose(opts).model;
    const printed = toYaml(composeDocument(first));
    const again = join(dir, "again");
    await Deno.mkdir(again);
    await Deno.writeTextFile(join(again, "compose.yaml"), printed);
    const second = loadCompose({ ...opts, cwd: again }).model;
    // The same model apart from where it was read from.
    assert.deepEqual(
      { ...second, workingDir: "", files: [] },
      { ...first, workingDir: "", files: [] },
      printed,
    );
    // Docker compose's spelling: snake_case keys, long syntax, durations as Go prints them.
    assert.match(printed, /^ {4}stop_grace_period: 1m30s$/m);
    assert.match(printed, /^ {6}- mode: ingress\n {8}target: 80\n {8}published: "8080"$/m);
    assert.doesNotMatch(printed, /stopGracePeriodMs|dependsOn|deployReplicas/);
    // A literal `$` is printed escaped, as written.
    assert.match(printed, /echo \$\$HOME; sleep 1/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
