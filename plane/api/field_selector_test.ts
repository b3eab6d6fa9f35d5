import assert from "node:assert/strict";
import {
  type FieldRequirement,
  fieldValue,
  matchesFieldSelector,
  parseFieldSelector,
  supportedFieldLabels,
} from "./field_selector.ts";
import { SelectorError } from "./label_selector.ts";

const f = (field: string, operator: FieldRequirement["operator"], value: string) => ({
  field,
  operator,
  value,
});

Deno.test("parseFieldSelector() reads terms, operators and escapes", async (t) => {
  const cases: [string, string, FieldRequirement[]][] = [
    ["", "pods", []],
    ["metadata.name=web", "pods", [f("metadata.name", "=", "web")]],
    ["metadata.name==web", "configmaps", [f("metadata.name", "==", "web")]],
    ["status.phase!=Running", "pods", [f("status.phase", "!=", "Running")]],
    ["spec.host=n1", "pods", [f("spec.nodeName", "=", "n1")]],
    ["spec.nodeName=", "pods", [f("spec.nodeName", "=", "")]],
    [String.raw`metadata.name=a\,b\=c\\d`, "pods", [f("metadata.name", "=", "a,b=c\\d")]],
    [
      "involvedObject.name=web,involvedObject.namespace=default,involvedObject.uid=u1",
      "events",
      [
        f("involvedObject.name", "=", "web"),
        f("involvedObject.namespace", "=", "default"),
        f("involvedObject.uid", "=", "u1"),
      ],
    ],
    ["type=kubernetes.io/tls", "secrets", [f("type", "=", "kubernetes.io/tls")]],
    ["spec.unschedulable=false", "nodes", [f("spec.unschedulable", "=", "false")]],
    ["status.phase=Active", "namespaces", [f("status.phase", "=", "Active")]],
    ["status.replicas=0", "replicasets", [f("status.replicas", "=", "0")]],
    ["spec.clusterIP!=None", "services", [f("spec.clusterIP", "!=", "None")]],
  ];
  for (const [text, resource, want] of cases) {
    await t.step(`${resource}: ${text}`, () => {
      assert.deepEqual(parseFieldSelector(text, resource), want);
    });
  }
  await t.step("events.k8s.io labels map onto the core Event labels", () => {
    assert.deepEqual(
      parseFieldSelector(
        "regarding.name=web,reportingController=kubelet",
        "events",
        "events.k8s.io",
      ),
      [f("involvedObject.name", "=", "web"), f("reportingComponent", "=", "kubelet")],
    );
  });
});

Deno.test("parseFieldSelector() rejects what kube-apiserver rejects, with its message", async (t) => {
  const cases: [string, string, string][] = [
    ["spec.containers=x", "pods", "field label not supported: spec.containers"],
    ["metadata.namespace=x", "nodes", "field label not supported: metadata.namespace"],
    ["spec.replicas=1", "deployments", "field label not supported: spec.replicas"],
    ["involvedObject.name=x", "events/v1", "field label not supported: involvedObject.name"],
    [
      "metadata.name",
      "pods",
      "invalid selector: 'metadata.name'; can't understand 'metadata.name'",
    ],
    [
      String.raw`metadata.name=a\b`,
      "pods",
      String.raw`invalid field selector: invalid escape sequence: \b`,
    ],
    ["metadata.name=a\\", "pods", "invalid field selector: invalid escape sequence: \\"],
    ["metadata.name=a=b", "pods", "invalid field selector: unescaped character in value: 61"],
  ];
  for (const [text, resource, message] of cases) {
    await t.step(text, () => {
      const res = resource === "events/v1" ? "events" : resource;
      const group = resource === "events/v1" ? "events.k8s.io" : "";
      assert.throws(() => parseFieldSelector(text, res, group), (e: unknown) => {
        assert.ok(e instanceof SelectorError);
        assert.equal(e.message, message);
        assert.equal(e.selector, text);
        return true;
      });
    });
  }
});

Deno.test("supportedFieldLabels() lists per-resource labels", () => {
  assert.deepEqual(supportedFieldLabels("leases"), ["metadata.name", "metadata.namespace"]);
  assert.ok(supportedFieldLabels("events").includes("reportingComponent"));
  assert.ok(supportedFieldLabels("events", "events.k8s.io").includes("regarding.uid"));
});

Deno.test("matchesFieldSelector() compares values as the registries compute them", async (t) => {
  const pod = {
    metadata: { name: "web", namespace: "default" },
    spec: { nodeName: "n1", restartPolicy: "Always", hostNetwork: true },
    status: { phase: "Running", podIP: "10.0.0.9", podIPs: [{ ip: "10.0.0.5" }] },
  };
  const cases: [string, string, Record<string, unknown>, boolean][] = [
    ["metadata.name=web,metadata.namespace=default", "pods", pod, true],
    ["metadata.name=web,metadata.namespace=other", "pods", pod, false],
    ["spec.nodeName!=n2", "pods", pod, true],
    ["spec.hostNetwork=true", "pods", pod, true],
    ["spec.hostNetwork=false", "pods", { spec: {} }, true],
    ["status.podIP=10.0.0.5", "pods", pod, true],
    ["status.podIP=10.0.0.9", "pods", { status: { podIP: "10.0.0.9" } }, true],
    ["status.nominatedNodeName=", "pods", pod, true],
    ["spec.nodeName=", "pods", { spec: {} }, true],
    ["spec.unschedulable=false", "nodes", { spec: {} }, true],
    ["spec.unschedulable=true", "nodes", { spec: { unschedulable: true } }, true],
    ["status.replicas=0", "replicasets", { status: {} }, true],
    ["status.replicas=3", "replicasets", { status: { replicas: 3 } }, true],
    ["source=kubelet", "events", { source: { component: "kubelet" } }, true],
    ["reportingComponent=kubelet", "events", { reportingController: "kubelet" }, true],
    ["involvedObject.uid=u", "events", { involvedObject: { uid: "u" } }, true],
    ["involvedObject.uid=u", "events", { involvedObject: { uid: "v" } }, false],
    ["type=Opaque", "secrets", { type: "Opaque" }, true],
  ];
  for (const [text, resource, obj, want] of cases) {
    await t.step(`${resource}: ${text}`, () => {
      assert.equal(matchesFieldSelector(parseFieldSelector(text, resource), obj), want);
    });
  }
  await t.step("fieldValue() of absent plain fields is empty", () => {
    assert.equal(fieldValue({}, "metadata.name"), "");
  });
});
