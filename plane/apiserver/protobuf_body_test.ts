import assert from "node:assert/strict";
import { decodeProtobufObject, encodeProtobufObject } from "./protobuf_body.ts";

Deno.test("protobuf bodies flatten Go's inline structs as the JSON form does", async (t) => {
  await t.step("a Pod's volumes, probes and hooks survive a protobuf round trip", async () => {
    const pod = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "web", namespace: "default" },
      spec: {
        volumes: [
          { name: "conf", configMap: { name: "web-conf", defaultMode: 420 } },
          { name: "scratch", emptyDir: { medium: "Memory" } },
          {
            name: "both",
            projected: {
              sources: [
                { configMap: { name: "a", items: [{ key: "k", path: "p" }] } },
                { secret: { name: "b", optional: true } },
              ],
            },
          },
        ],
        containers: [{
          name: "app",
          image: "busybox",
          readinessProbe: {
            httpGet: { path: "/healthz", port: 8080 },
            periodSeconds: 3,
            failureThreshold: 2,
          },
          livenessProbe: { exec: { command: ["cat", "/tmp/ok"] }, initialDelaySeconds: 1 },
          startupProbe: { tcpSocket: { port: "http" } },
          lifecycle: { preStop: { exec: { command: ["sh", "-c", "sleep 1"] } } },
          volumeMounts: [{ name: "conf", mountPath: "/etc/web" }],
          env: [
            { name: "A", valueFrom: { configMapKeyRef: { name: "c", key: "k" } } },
            { name: "B", valueFrom: { secretKeyRef: { name: "s", key: "k" } } },
          ],
          envFrom: [{ configMapRef: { name: "c" } }, { secretRef: { name: "s" }, prefix: "S_" }],
        }],
        ephemeralContainers: [{
          name: "debugger",
          image: "busybox",
          stdin: true,
          targetContainerName: "app",
        }],
      },
    };
    const body = await encodeProtobufObject("", "v1", "Pod", pod);
    assert.deepEqual(await decodeProtobufObject(body, "", "v1", "Pod"), pod);
  });

  await t.step("a PersistentVolume's source sits beside its capacity", async () => {
    const pv = {
      apiVersion: "v1",
      kind: "PersistentVolume",
      metadata: { name: "pv1" },
      spec: {
        capacity: { storage: "1Gi" },
        hostPath: { path: "/srv/pv1" },
        accessModes: ["ReadWriteOnce"],
      },
    };
    const body = await encodeProtobufObject("", "v1", "PersistentVolume", pv);
    assert.deepEqual(await decodeProtobufObject(body, "", "v1", "PersistentVolume"), pv);
  });
});
