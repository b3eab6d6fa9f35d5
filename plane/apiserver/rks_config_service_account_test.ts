import assert from "node:assert/strict";
import { parseRksArgs, resolveRksConfig } from "./rks_config.ts";

const resolve = (argv: string[]) => resolveRksConfig(parseRksArgs(["start", ...argv]).flags, {});

Deno.test("rks start: --service-account-issuer and --service-account-token-volume", async (t) => {
  await t.step("none given: default issuer, no token volume", () => {
    const c = resolve([]);
    assert.equal(c.serviceAccountIssuer, undefined);
    assert.equal(c.serviceAccountTokenVolume, undefined);
  });
  await t.step("given", () => {
    const c = resolve([
      "--service-account-issuer=https://rks.example/issuer",
      "--service-account-token-volume",
      "on",
    ]);
    assert.equal(c.serviceAccountIssuer, "https://rks.example/issuer");
    assert.equal(c.serviceAccountTokenVolume, true);
    assert.equal(resolve(["--service-account-token-volume=off"]).serviceAccountTokenVolume, false);
  });
  await t.step("bad values are usage errors naming the flag", () => {
    assert.throws(
      () => resolve(["--service-account-token-volume", "yes"]),
      /option '--service-account-token-volume' expects on or off, got 'yes'/,
    );
    for (const bad of ["http://x", "https://x/?a=b", "kubernetes"]) {
      assert.throws(
        () => resolve(["--service-account-issuer", bad]),
        /--service-account-issuer: expected an https:\/\/ URL/,
        bad,
      );
    }
  });
});
