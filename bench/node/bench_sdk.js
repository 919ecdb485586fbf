// Times the official Tencent Cloud Node.js SDK (tencentcloud-sdk-nodejs) on
// the request the Rust benchmarks use, and prints the results as JSON.
//
// prepare: `client.CreateMultiFlowSignQRCode(request)` with the SDK's HTTP
// call (its `http/fetch` module) replaced by a function that returns a
// minimal 200 answer at once. What is timed is the SDK's own path: the
// request object, `AbstractClient.request`, the X-TC-TraceId UUID,
// `HttpConnection.doRequestWithSign3` (null removal, JSON serialization of
// the body and again for its hash, headers, TC3-HMAC-SHA256 signature with
// the key derived on every call) and `parseResponse` of a tiny body.
//
// roundtrip: the same call end to end against a loopback server, HTTP/1.1
// keep-alive (Node's global agent), one call after another; in_flight_64:
// 64 async loops calling at once.
//
// The SDK signs the host without its port and takes the service name from
// the first label of the endpoint, so a signature-checking server on
// 127.0.0.1:PORT rejects its requests: it is measured against the canned
// server only.
//
// Usage: node bench_sdk.js --canned URL [--seconds S]

"use strict";

const path = require("path");
const sdkRoot = path.dirname(require.resolve("tencentcloud-sdk-nodejs/package.json"));
const fetchModule = require(path.join(sdkRoot, "tencentcloud/common/http/fetch"));
const { ess } = require(path.join(sdkRoot, "tencentcloud/services/ess"));
const sdkVersion = require(path.join(sdkRoot, "package.json")).version;

const SECRET_ID = "AKIDEssEmulatorLocalSecretId00001";
const SECRET_KEY = "EssEmulatorLocalSecretKey-NotForProduction";
const OPERATOR = "yDemuOperator0000000000000000001";
const TEMPLATE = "yDemuB2CTemplate0000000000000001";

function buildRequest() {
  return {
    Operator: { UserId: OPERATOR },
    TemplateId: TEMPLATE,
    FlowName: "员工入职合同",
    MaxFlowNum: 100,
    FlowEffectiveDay: 7,
    Restrictions: [
      { Name: "张三", Mobile: "18800009527" },
      { Name: "李四", Mobile: "18900001234" },
    ],
    ApproverComponentLimitTypes: [
      { RecipientId: "yDRscUUgyg3zr9vfUyJ8QKwCN7z9YcOh", Values: ["HANDWRITE", "SYSTEM_ESIGN"] },
      { RecipientId: "yDwJNUUckpkojrmqUxTFHk0yndh70CpW", Values: ["OCR_ESIGN", "ESIGN"] },
    ],
  };
}

function makeClient(url) {
  const u = new URL(url);
  return new ess.v20201111.Client({
    credential: { secretId: SECRET_ID, secretKey: SECRET_KEY },
    region: "",
    profile: { httpProfile: { endpoint: u.host, protocol: u.protocol + "//" } },
  });
}

// Median over `samples` samples of the mean time of one call, in µs.
async function measure(fn, seconds, samples = 30) {
  const warm = Math.min(1, seconds / 3);
  let calls = 0;
  const warmEnd = process.hrtime.bigint() + BigInt(Math.round(warm * 1e9));
  while (process.hrtime.bigint() < warmEnd) {
    await fn();
    calls++;
  }
  const perCall = Math.max(warm / Math.max(calls, 1), 1e-7);
  const batch = Math.max(1, Math.floor(seconds / samples / perCall));
  const means = [];
  for (let s = 0; s < samples; s++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) await fn();
    means.push(Number(process.hrtime.bigint() - start) / batch / 1000);
  }
  means.sort((a, b) => a - b);
  const mid = means.length >> 1;
  const median = means.length % 2 ? means[mid] : (means[mid - 1] + means[mid]) / 2;
  return { median_us: median, min_us: means[0], calls: batch * samples };
}

// Calls per second with `inFlight` loops calling at once for `seconds`.
async function throughput(fn, seconds, inFlight = 64) {
  const run = async (secs) => {
    const end = process.hrtime.bigint() + BigInt(Math.round(secs * 1e9));
    let done = 0;
    const loop = async () => {
      while (process.hrtime.bigint() < end) {
        await fn();
        done++;
      }
    };
    const start = process.hrtime.bigint();
    await Promise.all(Array.from({ length: inFlight }, loop));
    return done / (Number(process.hrtime.bigint() - start) / 1e9);
  };
  await run(Math.min(1, seconds / 3));
  return { calls_per_s: await run(seconds) };
}

async function main() {
  const args = process.argv.slice(2);
  const arg = (name, fallback) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : fallback;
  };
  const canned = arg("--canned");
  const seconds = Number(arg("--seconds", "3"));
  if (!canned) throw new Error("usage: node bench_sdk.js --canned URL [--seconds S]");
  const client = makeClient(canned);
  const call = () => client.CreateMultiFlowSignQRCode(buildRequest());

  const realFetch = fetchModule.default;
  let lastHeaders = null;
  const answer = {
    status: 200,
    headers: { get: () => null },
    json: async () => ({ Response: { RequestId: "local" } }),
  };
  fetchModule.default = (url, config) => {
    lastHeaders = config.headers;
    return Promise.resolve(answer);
  };
  await call();
  if (!String(lastHeaders.Authorization).startsWith("TC3-HMAC-SHA256 Credential=" + SECRET_ID)) {
    throw new Error("the SDK did not sign the request");
  }
  const prepare = await measure(call, seconds);
  fetchModule.default = realFetch;

  const first = await call();
  if (first.QrCode.QrCodeId !== "yDwJNUUckpkoj9mdUIJN2kC7XWFFaSuR") {
    throw new Error("unexpected answer from the canned server");
  }
  const out = {
    node: process.versions.node,
    sdk: sdkVersion,
    prepare,
    roundtrip_canned: await measure(call, seconds),
    in_flight_64_canned: await throughput(call, seconds),
  };
  console.log(JSON.stringify(out));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
