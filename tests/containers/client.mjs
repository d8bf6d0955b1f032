// tests/containers/client.mjs — the AWS SDK's AgentCore client
// (@aws-sdk/client-bedrock-agentcore, as tests/agentcore uses it) against the
// containerised service, directly or through nginx. One JSON line per result.
//
//   node client.mjs PORT basic              checks of one session: {ok, what, detail}
//   node client.mjs PORT start N            N sessions: {sids: [...]}
//   node client.mjs PORT calls C SID...     C counting calls in each session (sessions in
//                                           parallel): {sid, out: [stdout...], error}
//   node client.mjs PORT stop SID...        {sid, status | error}
//   node client.mjs PORT get SID...         GetCodeInterpreterSession: {sid, status | error}
//   node client.mjs PORT oneshot N          N x (start, executeCode, stop): {ok, failed}
//   node client.mjs PORT bench SECONDS CONC CONC sessions calling print(1) in a loop:
//                                           {execs, seconds, failed}
// Key AKIDTEAMA / secretA-0123456789 (the test's auth file).
import {
  BedrockAgentCoreClient, StartCodeInterpreterSessionCommand, StopCodeInterpreterSessionCommand,
  InvokeCodeInterpreterCommand, GetCodeInterpreterSessionCommand,
} from "@aws-sdk/client-bedrock-agentcore";

process.removeAllListeners("warning");
const [port, mode, ...rest] = process.argv.slice(2);
const ID = "aws.codeinterpreter.v1";
const A = new BedrockAgentCoreClient({ region: "us-east-1", endpoint: `http://127.0.0.1:${port}`, maxAttempts: 1,
  credentials: { accessKeyId: "AKIDTEAMA", secretAccessKey: "secretA-0123456789" } });
const out = (o) => console.log(JSON.stringify(o));
const errName = (e) => e.name + ": " + e.message;

const start = async () => (await A.send(new StartCodeInterpreterSessionCommand({ codeInterpreterIdentifier: ID,
  sessionTimeoutSeconds: 900 }))).sessionId;
const stop = (sessionId) => A.send(new StopCodeInterpreterSessionCommand({ codeInterpreterIdentifier: ID, sessionId }));
async function invoke(sessionId, name, args) {
  const r = await A.send(new InvokeCodeInterpreterCommand({ codeInterpreterIdentifier: ID, sessionId, name, arguments: args }));
  const events = [];
  for await (const ev of r.stream) events.push(ev);
  if (events.length !== 1 || !events[0].result) throw new Error("expected one result event: " + JSON.stringify(events));
  return events[0].result;
}
const run = (sid, code) => invoke(sid, "executeCode", { language: "python", code });

async function basic() {
  const check = (ok, what, detail = "") => out({ ok: !!ok, what, detail: String(detail).slice(0, 2000) });
  const sid = await start();
  // hex, or from a pod given --pod-id its TAG (SANDBOXRUN_POD_TAG) and 26 base32: AgentCore's [0-9a-zA-Z]{1,40}
  const form = process.env.SANDBOXRUN_POD_TAG ? new RegExp(`^${process.env.SANDBOXRUN_POD_TAG}[a-z2-7]{26}$`)
    : /^[0-9a-f]{32}$/;
  check(form.test(sid) && /^[0-9a-zA-Z]{1,40}$/.test(sid), "StartCodeInterpreterSession gives a session id", sid);
  let r = await run(sid, "import pandas as pd\ndf = pd.DataFrame({'y': [i * i for i in range(10)]})\nprint(len(df))");
  check(!r.isError && r.structuredContent.stdout === "10\n", "executeCode builds a DataFrame in the container's jail",
    JSON.stringify(r));
  r = await run(sid, "print(int(df['y'].sum()))");
  check(!r.isError && r.structuredContent.stdout === "285\n", "the next call sees the same DataFrame", JSON.stringify(r));
  // the jail inside the container: its own pid 1, user 1000, no network, no way to the service's files
  r = await run(sid, "import os, socket\nprint(os.getpid(), os.getuid(), socket.gethostname())\n" +
    "for p in ('/run/sandboxrun/auth.json', '/etc/sandboxrun/auth/auth.json'):\n" +
    "    print(p, os.path.exists(p))\n" +
    "try:\n    socket.create_connection(('10.88.0.1', 8080), timeout=2); print('net yes')\n" +
    "except OSError as e:\n    print('net no')");
  const lines = (r.structuredContent.stdout || "").split("\n");
  check(!r.isError && / 1000 /.test(lines[0]) && lines.slice(1, 3).every((l) => l.endsWith(" False")) &&
        lines[3] === "net no", "the jail has its own uid, no auth file and no network", JSON.stringify(r));
  r = await invoke(sid, "executeCommand", { command: "echo from sh; exit 3" });
  check(r.isError && r.structuredContent.exitCode === 3 && r.structuredContent.stdout.includes("from sh"),
    "executeCommand: stdout and exit code", JSON.stringify(r));
  const s = await stop(sid);
  check(s.sessionId === sid, "StopCodeInterpreterSession", JSON.stringify(s));
  let after;
  try { await run(sid, "print(1)"); after = "no error"; } catch (e) { after = errName(e); }
  check(after.startsWith("ResourceNotFoundException"), "a stopped session's call: ResourceNotFoundException", after);
}

// at most 4 calls at once: the service's default per-tenant limit of one pod
// (--tenant-executions; more is a ThrottlingException, 429)
async function pool(items, n, fn) {
  const queue = [...items];
  await Promise.all(Array.from({ length: n }, async () => { while (queue.length) await fn(queue.shift()); }));
}

async function calls(c, sids) {
  await pool(sids, 4, async (sid) => {
    const got = [];
    try {
      for (let i = 0; i < c; i++) {
        const r = await run(sid, "n = globals().get('n', 0) + 1\nprint(n)");
        got.push(r.isError ? "error: " + JSON.stringify(r.structuredContent) : r.structuredContent.stdout.trim());
      }
      out({ sid, out: got });
    } catch (e) { out({ sid, out: got, error: errName(e) }); }
  });
}

async function oneshot(n) {
  let ok = 0, failed = [];
  for (let i = 0; i < n; i++) {
    try {
      const sid = await start();
      const r = await run(sid, "print(6 * 7)");
      await stop(sid);
      if (r.structuredContent.stdout === "42\n") ok++; else failed.push(JSON.stringify(r));
    } catch (e) { failed.push(errName(e)); }
  }
  out({ ok, failed });
}

async function bench(seconds, conc) {
  const sids = await Promise.all(Array.from({ length: conc }, start));
  for (const sid of sids) await run(sid, "print(1)");           // warm: the first call of a session
  const end = Date.now() + seconds * 1000, t0 = Date.now();
  let execs = 0, failed = 0;
  await Promise.all(sids.map(async (sid) => {
    while (Date.now() < end) {
      try { if ((await run(sid, "print(1)")).structuredContent.stdout === "1\n") execs++; else failed++; }
      catch (e) { failed++; }
    }
  }));
  const took = (Date.now() - t0) / 1000;
  await Promise.all(sids.map((sid) => stop(sid).catch(() => {})));
  out({ execs, seconds: took, failed });
}

if (mode === "basic") await basic();
else if (mode === "start") out({ sids: await Promise.all(Array.from({ length: Number(rest[0]) }, start)) });
else if (mode === "calls") await calls(Number(rest[0]), rest.slice(1));
else if (mode === "stop") for (const sid of rest) {
  try { out({ sid, status: (await stop(sid)).status }); } catch (e) { out({ sid, error: errName(e) }); }
}
else if (mode === "get") for (const sid of rest) {
  try {
    out({ sid, status: (await A.send(new GetCodeInterpreterSessionCommand({ codeInterpreterIdentifier: ID, sessionId: sid }))).status });
  } catch (e) { out({ sid, error: errName(e) }); }
}
else if (mode === "oneshot") await oneshot(Number(rest[0]));
else if (mode === "bench") await bench(Number(rest[0]), Number(rest[1]));
else { console.error("usage: node client.mjs PORT basic|start|calls|stop|get|oneshot|bench ..."); process.exit(2); }
