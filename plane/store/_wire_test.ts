/** Unit tests of the wire codec: both transports' response forms parse to the same values. */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { KvStoreError, StoreDataError } from "./errors.ts";
import { encodeJson, gatewayError } from "./_http_transport.ts";
import {
  fromBase64,
  parseRange,
  parseTxn,
  parseWatchResponse,
  prefixEnd,
  rangeRequest,
  toBase64,
  txnRequest,
} from "./_wire.ts";

const b = (s: string) => new TextEncoder().encode(s);

Deno.test("prefixEnd() increments the last byte below 0xff", async (t) => {
  const cases: [number[], number[]][] = [
    [[...b("/registry/pods/")], [...b("/registry/pods0")]],
    [[0x61, 0xff], [0x62]],
    [[0xff, 0xff], [0]],
    [[], [0]],
  ];
  for (const [input, want] of cases) {
    await t.step(JSON.stringify(input), () => {
      assert.deepEqual([...prefixEnd(new Uint8Array(input))], want);
    });
  }
});

Deno.test("toBase64() and fromBase64() round-trip large binary values", () => {
  const data = new Uint8Array(100_000).map((_, i) => (i * 7) % 256);
  const text = toBase64(data);
  assert.equal(text, Buffer.from(data).toString("base64"));
  assert.deepEqual(fromBase64(text), data);
});

Deno.test("encodeJson() writes bytes as base64 and int64 as strings", () => {
  const json = encodeJson(rangeRequest("/a/", { prefix: true, limit: 10, revision: 7 }));
  assert.deepEqual(JSON.parse(json), {
    key: btoa("/a/"),
    range_end: btoa("/a0"),
    limit: "10",
    revision: "7",
  });
});

Deno.test("txnRequest() maps compares and ops to etcd field names", () => {
  const req = txnRequest({
    compare: [
      { key: "/k", target: "mod", result: "equal", value: 5 },
      { key: "/k", target: "value", result: "not_equal", value: "x" },
    ],
    success: [{ type: "put", key: "/k", value: "v", lease: "123" }],
    failure: [{ type: "get", key: "/k" }],
  });
  assert.deepEqual(JSON.parse(encodeJson(req)), {
    compare: [
      { key: btoa("/k"), target: "MOD", result: "EQUAL", mod_revision: "5" },
      { key: btoa("/k"), target: "VALUE", result: "NOT_EQUAL", value: btoa("x") },
    ],
    success: [{ request_put: { key: btoa("/k"), value: btoa("v"), lease: "123" } }],
    failure: [{ request_range: { key: btoa("/k") } }],
  });
});

Deno.test("parseRange() reads the gateway form and the gRPC form alike", () => {
  const gateway = {
    header: { revision: "9" },
    kvs: [{
      key: btoa("/a"),
      create_revision: "2",
      mod_revision: "9",
      version: "3",
      value: btoa("x"),
    }],
    more: true,
    count: "4",
  };
  const grpc = {
    header: { revision: "9", cluster_id: "1", member_id: "1", raft_term: "2" },
    kvs: [{
      key: Buffer.from("/a"),
      create_revision: "2",
      mod_revision: "9",
      version: "3",
      value: Buffer.from("x"),
      lease: "0",
    }],
    more: true,
    count: "4",
  };
  const want = {
    kvs: [{
      key: "/a",
      value: b("x"),
      createRevision: 2,
      modRevision: 9,
      version: 3,
      lease: "0",
    }],
    more: true,
    count: 4,
    revision: 9,
  };
  for (const form of [gateway, grpc]) {
    const got = parseRange(form);
    assert.deepEqual({
      ...got,
      kvs: got.kvs.map((kv) => ({ ...kv, value: new Uint8Array(kv.value) })),
    }, want);
  }
  // Zero values are omitted by the gateway: no kvs, no count, no more.
  assert.deepEqual(parseRange({ header: { revision: "3" } }), {
    kvs: [],
    more: false,
    count: 0,
    revision: 3,
  });
});

Deno.test("parseWatchResponse() treats a missing event type as PUT", () => {
  const r = parseWatchResponse({
    header: { revision: "12" },
    events: [
      { kv: { key: btoa("/a"), mod_revision: "12", version: "1", create_revision: "12" } },
      { type: "DELETE", kv: { key: btoa("/b"), mod_revision: "12" } },
    ],
  });
  assert.deepEqual(r.events.map((e) => `${e.type} ${e.kv.key}`), ["put /a", "delete /b"]);
  const canceled = parseWatchResponse({
    header: { revision: "20" },
    canceled: true,
    compact_revision: "15",
  });
  assert.equal(canceled.canceled, true);
  assert.equal(canceled.compactRevision, 15);
  assert.throws(
    () => parseWatchResponse({ header: {}, events: [{ type: "BOGUS" }] }),
    /watch.events\[0\].type: expected PUT or DELETE/,
  );
});

Deno.test("parseTxn() reads each branch result kind", () => {
  const r = parseTxn({
    header: { revision: "30" },
    succeeded: true,
    responses: [
      { response_put: { header: {} } },
      { response_range: { kvs: [{ key: btoa("/x"), mod_revision: "4" }], count: "1" } },
      { response_delete_range: { deleted: "2" } },
    ],
  });
  assert.deepEqual(r.results.map((x) => x.type), ["put", "get", "delete"]);
  assert.equal(r.results[2]!.type === "delete" && r.results[2]!.deleted, 2);
  assert.equal(parseTxn({ header: { revision: "1" } }).succeeded, false);
});

Deno.test("parsers reject malformed answers with the field path", () => {
  assert.throws(() => parseRange({ header: { revision: "x" } }), (e: unknown) => {
    assert.ok(e instanceof StoreDataError);
    assert.match(e.message, /range.header.revision: expected an integer, got "x"/);
    return true;
  });
  assert.throws(() => parseRange({ header: {}, kvs: {} }), /range.kvs: expected an array/);
  assert.throws(
    () => parseRange({ header: {}, kvs: [{ key: 5 }] }),
    /kvs\[0\].key: expected bytes/,
  );
});

Deno.test("gatewayError() reads unary and streaming error bodies", () => {
  const unary = gatewayError(
    {
      error: "etcdserver: requested lease not found",
      message: "etcdserver: requested lease not found",
      code: 5,
    },
    "http://127.0.0.1:1",
    404,
  );
  assert.ok(unary instanceof KvStoreError);
  assert.equal(unary.code, 5);
  assert.equal(unary.reason, "etcdserver: requested lease not found");
  const stream = gatewayError(
    {
      error: {
        grpc_code: 11,
        http_code: 400,
        message: "mvcc: required revision has been compacted",
      },
    },
    "http://127.0.0.1:1",
    200,
  );
  assert.equal(stream.code, 11);
  assert.match(stream.message, /compacted \(at http:\/\/127.0.0.1:1\)/);
});
