import assert from "node:assert/strict";
import { MESSAGE_TYPES, MessageError, parseMessage } from "./messages.ts";

const valid: Record<string, unknown>[] = [
  { type: "clusterInfo", caCert: "-----BEGIN CERTIFICATE-----" },
  { type: "join", token: "abcdef.0123456789abcdef", nodeName: "n1" },
  { type: "joined", nodeName: "n1", credential: "c" },
  { type: "hello", nodeName: "n1", credential: "c", agentVersion: "0.1.0" },
  { type: "welcome", nodeName: "n1" },
  { type: "error", reason: "Unauthorized", message: "no" },
  { type: "request", verb: "PATCH", path: "/api/v1/nodes/n1", body: { a: 1 } },
  { type: "response", status: 201, body: null },
  { type: "watch", path: "/api/v1/pods", resourceVersion: "5" },
  { type: "event", eventType: "ADDED", object: { metadata: {} } },
  { type: "open", purpose: "exec", namespace: "d", pod: "p", container: "c", options: {} },
  { type: "data", channel: 1, data: "aGk=" },
  { type: "resize", width: 80, height: 24 },
  { type: "close", channel: 0 },
  { type: "exit", code: 0 },
];

Deno.test("parseMessage accepts one valid message of every type", () => {
  assert.deepEqual(valid.map((v) => v.type).sort(), [...MESSAGE_TYPES].sort());
  for (const v of valid) assert.deepEqual(parseMessage({ ...v, extra: 1 }), { ...v, extra: 1 });
});

Deno.test("parseMessage refuses invalid messages naming the field", () => {
  const bad: [unknown, string, RegExp][] = [
    [[1, 2], "", /expected a JSON object/],
    [null, "", /expected a JSON object/],
    [{}, "type", /type: expected a string/],
    [{ type: "toString" }, "type", /unknown message type "toString"/],
    [{ type: "__proto__" }, "type", /unknown message type/],
    [{ type: "hello", nodeName: "n", agentVersion: "1" }, "credential", /credential: required/],
    [{ type: "request", verb: "TRACE", path: "/" }, "verb", /expected one of GET/],
    [{ type: "response", status: 700, body: {} }, "status", /from 100 to 599/],
    [{ type: "data", channel: 3, data: "" }, "channel", /from 0 to 2/],
    [{ type: "data", channel: 1.5, data: "" }, "channel", /integer/],
    [{ type: "data", channel: 1, data: "a*b=" }, "data", /expected base64/],
    [{ type: "data", channel: 1, data: "aGk" }, "data", /expected base64/],
    [{ type: "close", channel: 5 }, "channel", /from 0 to 2/],
    [{ type: "exit", code: Infinity }, "code", /expected a number/],
    [{ type: "event", eventType: "ADDED", object: [] }, "object", /expected an object/],
  ];
  for (const [value, field, message] of bad) {
    assert.throws(
      () => parseMessage(value),
      (e) => e instanceof MessageError && e.field === field && message.test(e.message),
      JSON.stringify(value),
    );
  }
});
