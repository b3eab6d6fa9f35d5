import assert from "node:assert/strict";
import { renderHosts, renderResolvConf } from "./hosts_files.ts";

Deno.test("renderHosts() maps the hostname and aliases to the sandbox address", () => {
  assert.equal(
    renderHosts({ hostname: "web-0", aliases: ["web", "web-0"], ips: ["10.77.0.5"] }),
    "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n10.77.0.5\tweb-0 web\n",
  );
});

Deno.test("renderHosts() uses 127.0.1.1 without an address and appends extra hosts", () => {
  const text = renderHosts({
    hostname: "h",
    ips: [],
    extraHosts: [{ ip: "10.0.0.2", names: ["db", "db.app"] }, { ip: "10.0.0.3", names: [] }],
  });
  assert.match(text, /^127\.0\.1\.1\th$/m);
  assert.match(text, /^10\.0\.0\.2\tdb db\.app$/m);
  assert.doesNotMatch(text, /10\.0\.0\.3/);
});

Deno.test("renderResolvConf() drops loopback resolvers and comments, keeps search and options", () => {
  const host = "# generated\nnameserver 127.0.0.53\nnameserver ::1\nnameserver 192.0.2.53\n" +
    "search corp.example\noptions edns0 trust-ad\n";
  assert.equal(
    renderResolvConf(host),
    "nameserver 192.0.2.53\nsearch corp.example\noptions edns0 trust-ad\n",
  );
  assert.equal(renderResolvConf(host, true).split("\n")[0], "nameserver 127.0.0.53");
  assert.equal(renderResolvConf(""), "");
});
