import assert from "node:assert/strict";
import {
  networkAttachmentDefinition,
  parseNetworkAttachmentDefinitions,
} from "./network_attachment_definition.ts";
import { toYaml } from "./manifest_reader.ts";

const nad = (config: unknown, name = "n1") =>
  `apiVersion: k8s.cni.cncf.io/v1\nkind: NetworkAttachmentDefinition\nmetadata:\n  name: ${name}\nspec:\n  config: '${
    JSON.stringify(config)
  }'\n`;

Deno.test("NetworkAttachmentDefinitions become network create requests", () => {
  const cases: [string, string, unknown][] = [
    [
      "a list with ranges",
      nad({ plugins: [{ type: "bridge", ipam: { ranges: [[{ subnet: "10.1.0.0/24" }]] } }] }),
      [{ name: "n1", subnet: "10.1.0.0/24" }],
    ],
    [
      "a single plugin with subnet, bridge and no gateway",
      nad({ type: "bridge", bridge: "br9", isGateway: false, ipam: { subnet: "10.2.0.0/24" } }),
      [{ name: "n1", subnet: "10.2.0.0/24", bridge: "br9", internal: true }],
    ],
    [
      "other kinds and empty documents are skipped",
      `---\napiVersion: v1\nkind: Pod\nmetadata: {name: p}\n---\n${
        nad({ type: "bridge" }, "n2")
      }---\n`,
      [{ name: "n2" }],
    ],
    [
      "round trip of what convert prints",
      toYaml(networkAttachmentDefinition({ name: "a-b", subnet: "10.3.0.0/24" })),
      [{ name: "a-b", subnet: "10.3.0.0/24" }],
    ],
  ];
  for (const [what, text, want] of cases) {
    assert.deepEqual(parseNetworkAttachmentDefinitions(text, "f.yaml"), want, what);
  }
});

Deno.test("bad NetworkAttachmentDefinitions are one-line errors with file, line and field", () => {
  const cases: [string, string, RegExp][] = [
    [
      "not a bridge",
      `apiVersion: v1\nkind: Pod\n---\n${nad({ type: "macvlan" })}`,
      /f\.yaml:9:\d+: spec\.config: rkl creates bridge networks only: the first plugin must be "bridge", got "macvlan"$/,
    ],
    [
      "wrong apiVersion",
      "apiVersion: v1\nkind: NetworkAttachmentDefinition\n",
      /f\.yaml:1:\d+: apiVersion: expected "k8s\.cni\.cncf\.io\/v1"$/,
    ],
    [
      "no name",
      "apiVersion: k8s.cni.cncf.io/v1\nkind: NetworkAttachmentDefinition\nmetadata: {}\n",
      /f\.yaml:3:\d+: metadata\.name: /,
    ],
  ];
  for (const [what, text, want] of cases) {
    assert.throws(() => parseNetworkAttachmentDefinitions(text, "f.yaml"), want, what);
  }
});
