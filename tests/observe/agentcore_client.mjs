// tests/observe/agentcore_client.mjs — the AWS SDK's AgentCore client
// against `sandboxrun serve --http --audit FILE`: a mixed workload whose
// audit lines and metrics tests/observe/run then checks. A middleware sends
// a traceparent on one call and keeps every answer's X-Correlation-Id.
// usage: node agentcore_client.mjs PORT     Prints one JSON object.
import {
  BedrockAgentCoreClient, StartCodeInterpreterSessionCommand, StopCodeInterpreterSessionCommand,
  InvokeCodeInterpreterCommand,
} from "@aws-sdk/client-bedrock-agentcore";

process.removeAllListeners("warning");
const port = process.argv[2];
const ID = "aws.codeinterpreter.v1";
const TRACE = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
let traceNext = false;
const seen = [];
const client = (accessKeyId, secretAccessKey) => {
  const c = new BedrockAgentCoreClient({ region: "us-east-1", endpoint: `http://127.0.0.1:${port}`, maxAttempts: 1,
    credentials: { accessKeyId, secretAccessKey } });
  c.middlewareStack.add((next) => async (args) => {
    if (traceNext) args.request.headers.traceparent = TRACE;
    return next(args);
  }, { step: "build", name: "traceparent" });
  c.middlewareStack.add((next) => async (args) => {
    const r = await next(args);
    seen.push(r.response.headers["x-correlation-id"] || null);
    return r;
  }, { step: "deserialize", name: "correlation" });
  return c;
};
const A = client("AKIDTEAMA", "secretA-0123456789");
const B = client("AKIDTEAMB", "secretB-0123456789");
const out = { calls: [], errors: [] };
const errName = async (p) => { try { await p; return "no error"; } catch (e) { return e.name; } };

async function invoke(c, sessionId, name, args, what) {
  const r = await c.send(new InvokeCodeInterpreterCommand({ codeInterpreterIdentifier: ID, sessionId, name, arguments: args }));
  let result = null;
  for await (const ev of r.stream) if (ev.result) result = ev.result;
  out.calls.push({ what, name, sessionId, isError: !!(result && result.isError), correlation: seen[seen.length - 1] });
  return result;
}
const start = async (c, ttl) => (await c.send(new StartCodeInterpreterSessionCommand({
  codeInterpreterIdentifier: ID, sessionTimeoutSeconds: ttl || 600 }))).sessionId;

const s1 = await start(A);
out.s1 = s1;
await invoke(A, s1, "executeCode", { code: "print(len([1, 2]))" }, "ok");
traceNext = true;
await invoke(A, s1, "executeCode", { code: "print('traced')" }, "traced");
traceNext = false;
out.traceCorrelation = seen[seen.length - 1];
await invoke(A, s1, "executeCommand", { command: "echo out; exit 3" }, "command fails");
await invoke(A, s1, "executeCode", { code: "import time\ntime.sleep(30)" }, "times out");   // serve --exec-timeout 5
// --tenant-executions 1: a second call while one runs is throttled (429) and never runs
const slow = invoke(A, s1, "executeCode", { code: "import time\ntime.sleep(1.5)\nprint('slow')" }, "slow");
await new Promise((res) => setTimeout(res, 400));
out.throttled = await errName(invoke(A, s1, "executeCode", { code: "print('never')" }, "throttled"));
await slow;
await invoke(A, s1, "writeFiles", { content: [{ path: "n.txt", text: "note" }] }, "writeFiles");
await A.send(new StopCodeInterpreterSessionCommand({ codeInterpreterIdentifier: ID, sessionId: s1 }));

const sb = await start(B);
out.sb = sb;
await invoke(B, sb, "executeCode", { code: "print('team b')" }, "team b");
await B.send(new StopCodeInterpreterSessionCommand({ codeInterpreterIdentifier: ID, sessionId: sb }));

out.sExpire = await start(A, 1);            // its time-to-live ends: an expire line
await new Promise((res) => setTimeout(res, 3500));
const held = await start(A);
out.held = held;
out.quota = await errName(start(A));       // --tenant-sessions 1: 402
await A.send(new StopCodeInterpreterSessionCommand({ codeInterpreterIdentifier: ID, sessionId: held }));
const bad = client("AKIDTEAMA", "wrong-secret");
out.badKey = await errName(start(bad));
out.correlations = seen;
console.log(JSON.stringify(out));
