// bench/agentcore_client.mjs — latency of executeCode print(1) in one
// session: through the AWS SDK's AgentCore client over TCP (SigV4-signed),
// and through raw HTTP over the service's unix socket (unsigned, no SDK).
// usage: node agentcore_client.mjs PORT UNIX_PATH N  -> JSON {sdk: [ms...], unix: [ms...]}
// (UNIX_PATH "-": the SDK only, {sdk: [ms...]}; bench/session_start.py)
import { createRequire } from "module";
import http from "http";

const require = createRequire(new URL("../tests/package.json", import.meta.url));
const { BedrockAgentCoreClient, StartCodeInterpreterSessionCommand, StopCodeInterpreterSessionCommand,
  InvokeCodeInterpreterCommand } =
  require("@aws-sdk/client-bedrock-agentcore");
process.removeAllListeners("warning");
const [port, unixPath, n] = [process.argv[2], process.argv[3], Number(process.argv[4] || 100)];
const ID = "aws.codeinterpreter.v1";

async function sdk() {
  const c = new BedrockAgentCoreClient({ region: "us-east-1", endpoint: `http://127.0.0.1:${port}`,
    credentials: { accessKeyId: "AKIDBENCH", secretAccessKey: "bench-secret-0123456789" } });
  const s = await c.send(new StartCodeInterpreterSessionCommand({ codeInterpreterIdentifier: ID }));
  const times = [];
  for (let i = 0; i < n + 5; i++) {
    const t0 = process.hrtime.bigint();
    const r = await c.send(new InvokeCodeInterpreterCommand({ codeInterpreterIdentifier: ID, sessionId: s.sessionId,
      name: "executeCode", arguments: { code: "print(1)" } }));
    for await (const ev of r.stream) if (ev.result.structuredContent.stdout !== "1\n") throw new Error("bad answer");
    if (i >= 5) times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  await c.send(new StopCodeInterpreterSessionCommand({ codeInterpreterIdentifier: ID, sessionId: s.sessionId }));
  return times;
}

function raw(method, path, body, headers = {}) {
  return new Promise((ok, fail) => {
    const req = http.request({ socketPath: unixPath, method, path, agent: keep,
      headers: { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body), ...headers } }, (res) => {
      const chunks = [];
      res.on("data", (d) => chunks.push(d));
      res.on("end", () => ok(Buffer.concat(chunks)));
    });
    req.on("error", fail);
    req.end(body);
  });
}
const keep = new http.Agent({ keepAlive: true, maxSockets: 1 });

async function unix() {
  const s = JSON.parse(await raw("PUT", `/code-interpreters/${ID}/sessions/start`, "{}"));
  const body = JSON.stringify({ name: "executeCode", arguments: { code: "print(1)" } });
  const times = [];
  for (let i = 0; i < n + 5; i++) {
    const t0 = process.hrtime.bigint();
    const frame = await raw("POST", `/code-interpreters/${ID}/tools/invoke`, body,
      { "x-amzn-code-interpreter-session-id": s.sessionId });
    const hl = frame.readUInt32BE(4);
    const payload = JSON.parse(frame.subarray(12 + hl, frame.length - 4));
    if (payload.structuredContent.stdout !== "1\n") throw new Error("bad answer");
    if (i >= 5) times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return times;
}

console.log(JSON.stringify(unixPath === "-" ? { sdk: await sdk() } : { sdk: await sdk(), unix: await unix() }));
keep.destroy();
