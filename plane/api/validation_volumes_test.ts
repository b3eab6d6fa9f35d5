import assert from "node:assert/strict";
import { invalidMessage, validateObject } from "./validation.ts";

type Obj = Record<string, unknown>;

const MODE = "must be a number between 0 and 0777 (octal), both inclusive";

/** A pod with `volumes` and one container mounting `mounts`. */
function pod(volumes: Obj[], mounts: Obj[] = []): Obj {
  return {
    metadata: { name: "web", namespace: "default" },
    spec: { volumes, containers: [{ name: "app", image: "busybox", volumeMounts: mounts }] },
  };
}

/** `field: message` lines of the causes. */
function lines(obj: Obj): string[] {
  return validateObject("Pod", obj).map((c) => `${c.field}: ${c.message}`);
}

Deno.test("validateObject() checks volume sources as kube-apiserver does", async (t) => {
  const cases: [string, Obj, string[]][] = [
    [
      "a well-formed volume of each kind",
      pod([
        { name: "a", emptyDir: {} },
        {
          name: "b",
          configMap: { name: "cfg", defaultMode: 0o644, items: [{ key: "k", path: "d/k" }] },
        },
        { name: "c", secret: { secretName: "s", items: [{ key: "k", path: "k", mode: 0o400 }] } },
        {
          name: "d",
          downwardAPI: { items: [{ path: "labels", fieldRef: { fieldPath: "metadata.labels" } }] },
        },
        {
          name: "e",
          projected: {
            defaultMode: 0o440,
            sources: [
              { configMap: { name: "cfg", items: [{ key: "k", path: "one" }] } },
              { secret: { name: "s", items: [{ key: "k", path: "two" }] } },
              { serviceAccountToken: { path: "token", expirationSeconds: 3600 } },
            ],
          },
        },
        { name: "f", hostPath: { path: "/srv/data", type: "DirectoryOrCreate" } },
      ], [{ name: "a", mountPath: "/a", subPath: "x/y" }, { name: "e", mountPath: "/e" }]),
      [],
    ],
    [
      "duplicate paths across projected sources",
      pod([{
        name: "p",
        projected: {
          sources: [
            { configMap: { name: "cfg", items: [{ key: "a", path: "same" }] } },
            { secret: { name: "creds", items: [{ key: "b", path: "same" }] } },
          ],
        },
      }]),
      ['spec.volumes[0].projected: Invalid value: "creds": conflicting duplicate paths'],
    ],
    [
      "a downwardAPI path duplicating a configMap path names the path",
      pod([{
        name: "p",
        projected: {
          sources: [
            { configMap: { name: "cfg", items: [{ key: "a", path: "name" }] } },
            {
              downwardAPI: { items: [{ path: "name", fieldRef: { fieldPath: "metadata.name" } }] },
            },
          ],
        },
      }]),
      ['spec.volumes[0].projected: Invalid value: "name": conflicting duplicate paths'],
    ],
    [
      "'..' in an item path",
      pod([{
        name: "c",
        configMap: { name: "cfg", items: [{ key: "k", path: "a/../../etc" }] },
      }]),
      [
        "spec.volumes[0].configMap.items[0].path: Invalid value: \"a/../../etc\": must not contain '..'",
      ],
    ],
    [
      "an item path starting with '..'",
      pod([{
        name: "c",
        secret: { secretName: "s", items: [{ key: "k", path: "..data" }] },
      }]),
      ["spec.volumes[0].secret.items[0].path: Invalid value: \"..data\": must not start with '..'"],
    ],
    [
      "an absolute item path",
      pod([{
        name: "c",
        configMap: { name: "cfg", items: [{ key: "k", path: "/etc/passwd" }] },
      }]),
      [
        'spec.volumes[0].configMap.items[0].path: Invalid value: "/etc/passwd": must be a relative path',
      ],
    ],
    [
      "an item without key and path",
      pod([{
        name: "c",
        configMap: { name: "cfg", items: [{}] },
      }]),
      [
        "spec.volumes[0].configMap.items[0].key: Required value",
        "spec.volumes[0].configMap.items[0].path: Required value",
      ],
    ],
    [
      "defaultMode above 0777",
      pod([{
        name: "c",
        configMap: { name: "cfg", defaultMode: 0o1000 },
      }]),
      [`spec.volumes[0].configMap.defaultMode: Invalid value: 512: ${MODE}`],
    ],
    [
      "a negative item mode",
      pod([{
        name: "c",
        secret: { secretName: "s", items: [{ key: "k", path: "k", mode: -1 }] },
      }]),
      [`spec.volumes[0].secret.items[0].mode: Invalid value: -1: ${MODE}`],
    ],
    [
      "projected defaultMode",
      pod([{
        name: "p",
        projected: { defaultMode: 1000, sources: [] },
      }]),
      [`spec.volumes[0].projected.defaultMode: Invalid value: 1000: ${MODE}`],
    ],
    ["configMap without a name", pod([{ name: "c", configMap: {} }]), [
      "spec.volumes[0].configMap.name: Required value",
    ]],
    ["secret without a secretName", pod([{ name: "c", secret: { defaultMode: 0o400 } }]), [
      "spec.volumes[0].secret.secretName: Required value",
    ]],
    [
      "projected sources without names",
      pod([{
        name: "p",
        projected: { sources: [{ configMap: {} }, { secret: {} }] },
      }]),
      [
        "spec.volumes[0].projected.sources[0].configMap.name: Required value",
        "spec.volumes[0].projected.sources[1].secret.name: Required value",
      ],
    ],
    [
      "two kinds in one projected source",
      pod([{
        name: "p",
        projected: { sources: [{ configMap: { name: "a" }, secret: { name: "b" } }] },
      }]),
      ["spec.volumes[0].projected.sources[0]: Forbidden: may not specify more than 1 volume type"],
    ],
    [
      "a short-lived projected token without a path",
      pod([{
        name: "p",
        projected: { sources: [{ serviceAccountToken: { expirationSeconds: 60 } }] },
      }]),
      [
        "spec.volumes[0].projected.sources[0].serviceAccountToken.expirationSeconds: Invalid value: " +
        "60: may not specify a duration less than 10 minutes",
        "spec.volumes[0].projected.path: Required value",
      ],
    ],
    [
      "a downwardAPI item with an unsupported fieldPath and no path",
      pod([{
        name: "d",
        downwardAPI: { items: [{ fieldRef: { fieldPath: "spec.nodeName" } }] },
      }]),
      [
        "spec.volumes[0].downwardAPI.path: Required value",
        'spec.volumes[0].downwardAPI.fieldRef.fieldPath: Unsupported value: "spec.nodeName": ' +
        'supported values: "metadata.annotations", "metadata.labels", "metadata.name", ' +
        '"metadata.namespace", "metadata.uid"',
      ],
    ],
    [
      "a downwardAPI item with no reference",
      pod([{
        name: "d",
        downwardAPI: { items: [{ path: "x" }] },
      }]),
      [
        "spec.volumes[0].downwardAPI: Required value: one of fieldRef and resourceFieldRef is required",
      ],
    ],
    [
      "more than one source type, reported in Go's field order",
      pod([{
        name: "v",
        configMap: { name: "cfg" },
        emptyDir: {},
        downwardAPI: {},
      }]),
      [
        "spec.volumes[0].downwarAPI: Forbidden: may not specify more than 1 volume type",
        "spec.volumes[0].configMap: Forbidden: may not specify more than 1 volume type",
      ],
    ],
    ["no source", pod([{ name: "v" }]), [
      "spec.volumes[0]: Required value: must specify a volume type",
    ]],
    ["duplicate volume names", pod([{ name: "v", emptyDir: {} }, { name: "v", emptyDir: {} }]), [
      'spec.volumes[1].name: Duplicate value: "v"',
    ]],
    [
      "hostPath with '..' and an unknown type",
      pod([{
        name: "h",
        hostPath: { path: "/srv/../etc", type: "Dir" },
      }]),
      [
        "spec.volumes[0].hostPath.path: Invalid value: \"/srv/../etc\": must not contain '..'",
        'spec.volumes[0].hostPath.type: Unsupported value: "Dir": supported values: "", ' +
        '"BlockDevice", "CharDevice", "Directory", "DirectoryOrCreate", "File", "FileOrCreate", ' +
        '"Socket"',
      ],
    ],
  ];
  for (const [name, obj, want] of cases) {
    await t.step(name, () => assert.deepEqual(lines(obj), want));
  }
});

Deno.test("validateObject() checks volume mounts as kube-apiserver does", async (t) => {
  const v = [{ name: "data", emptyDir: {} }];
  const cases: [string, Obj, string[]][] = [
    ["a mount of an unknown volume", pod(v, [{ name: "nope", mountPath: "/d" }]), [
      'spec.containers[0].volumeMounts[0].name: Not found: "nope"',
    ]],
    [
      "a mount of a volume that is itself invalid",
      pod([{ name: "c", configMap: {} }], [
        { name: "c", mountPath: "/c" },
      ]),
      [
        "spec.volumes[0].configMap.name: Required value",
        'spec.containers[0].volumeMounts[0].name: Not found: "c"',
      ],
    ],
    ["a mount without name and path", pod(v, [{}]), [
      "spec.containers[0].volumeMounts[0].name: Required value",
      'spec.containers[0].volumeMounts[0].name: Not found: ""',
      "spec.containers[0].volumeMounts[0].mountPath: Required value",
    ]],
    [
      "the same mountPath twice",
      pod(v, [
        { name: "data", mountPath: "/d" },
        { name: "data", mountPath: "/d" },
      ]),
      ['spec.containers[0].volumeMounts[1].mountPath: Invalid value: "/d": must be unique'],
    ],
    [
      "subPath and subPathExpr together",
      pod(v, [
        { name: "data", mountPath: "/d", subPath: "a", subPathExpr: "$(POD_NAME)" },
      ]),
      [
        'spec.containers[0].volumeMounts[0].subPathExpr: Invalid value: "$(POD_NAME)": ' +
        "subPathExpr and subPath are mutually exclusive",
      ],
    ],
    [
      "an absolute subPathExpr (upstream names the list, not the item)",
      pod(v, [
        { name: "data", mountPath: "/d", subPathExpr: "/$(POD_NAME)" },
      ]),
      [
        'spec.containers[0].volumeMounts.subPathExpr: Invalid value: "/$(POD_NAME)": ' +
        "must be a relative path",
      ],
    ],
    ["a subPath with '..'", pod(v, [{ name: "data", mountPath: "/d", subPath: "../x" }]), [
      "spec.containers[0].volumeMounts.subPath: Invalid value: \"../x\": must not contain '..'",
    ]],
  ];
  for (const [name, obj, want] of cases) {
    await t.step(name, () => assert.deepEqual(lines(obj), want));
  }
});

Deno.test("invalidMessage() of a volume error reads as kube-apiserver's", () => {
  const causes = validateObject(
    "Pod",
    pod([{ name: "c", configMap: { name: "cfg", items: [{ key: "k", path: "/abs" }] } }]),
  );
  assert.equal(
    invalidMessage("Pod", "", "web", causes),
    'Pod "web" is invalid: spec.volumes[0].configMap.items[0].path: Invalid value: "/abs": ' +
      "must be a relative path",
  );
});
