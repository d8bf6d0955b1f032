// tests/agentcore/sdk_interpreters.mjs — codeInterpreterIdentifier through
// the AWS SDK's own client: an unknown one is ResourceNotFound; "strict"
// (--interpreter strict:policy=FILE,memory=256, FILE killing getppid) runs
// its sessions under its policy and memory cap; "lean"
// (preload=wave+tabnanny,policy=default.policy and limits) has its modules imported ahead and not the
// default stack; sessions of two tenants never share a worker.
// Prints one JSON line per check: {ok, what, detail}.
// usage: node sdk_interpreters.mjs PORT  (keys AKIDTEAMC/secretC..., AKIDTEAMB/secretB...)
import {
  BedrockAgentCoreClient, StartCodeInterpreterSessionCommand, StopCodeInterpreterSessionCommand,
  InvokeCodeInterpreterCommand,
} from "@aws-sdk/client-bedrock-agentcore";

process.removeAllListeners("warning");
const port = process.argv[2];
const client = (accessKeyId, secretAccessKey) => new BedrockAgentCoreClient({
  region: "us-east-1", endpoint: `http://127.0.0.1:${port}`, maxAttempts: 1,
  credentials: { accessKeyId, secretAccessKey } });
const C = client("AKIDTEAMC", "secretC-0123456789");
const B = client("AKIDTEAMB", "secretB-0123456789");
const check = (ok, what, detail = "") => console.log(JSON.stringify({ ok: !!ok, what, detail: String(detail).slice(0, 2000) }));

const start = async (c, id) => (await c.send(new StartCodeInterpreterSessionCommand({ codeInterpreterIdentifier: id }))).sessionId;
const stop = (c, id, sessionId) => c.send(new StopCodeInterpreterSessionCommand({ codeInterpreterIdentifier: id, sessionId }));
async function run(c, id, sessionId, code) {
  const r = await c.send(new InvokeCodeInterpreterCommand({ codeInterpreterIdentifier: id, sessionId, name: "executeCode",
    arguments: { code } }));
  const events = [];
  for await (const ev of r.stream) events.push(ev);
  return events[0].result;
}
const out = (r) => (r.structuredContent || {}).stdout;
const text = (r) => JSON.stringify(r.content);

async function main() {
  let e = "no error";
  try { await start(C, "no.such.interpreter"); } catch (err) { e = err.name; }
  check(e === "ResourceNotFoundException", "an unknown codeInterpreterIdentifier is ResourceNotFound", e);

  const D = "aws.codeinterpreter.v1";
  const strict = await start(C, "strict"), dflt = await start(C, D);
  let r = await run(C, "strict", strict, "import os\nprint(os.getppid())");
  let d = await run(C, D, dflt, "import os\nprint(os.getppid() >= 0)");
  check(r.isError && text(r).includes("policy_violation") && out(d) === "True\n",
    "strict:policy=FILE: its session runs under its policy (getppid kills), the default's does not", text(r) + " / " + text(d));
  const strict2 = await start(C, "strict");
  r = await run(C, "strict", strict2, "x = bytearray(400 << 20)\nprint('held')");
  d = await run(C, D, dflt, "x = bytearray(400 << 20)\nprint('held')");
  check(r.isError && text(r).includes("memory_limit") && out(d) === "held\n",
    "strict:memory=256 on its own pool: 400 MiB is past its cap, not the default's", text(r) + " / " + text(d));
  for (const s of [strict, strict2]) await stop(C, "strict", s);

  const lean = await start(C, "lean");
  const probe = "import sys\nprint('wave' in sys.modules, 'tabnanny' in sys.modules, 'pandas' in sys.modules)";
  r = await run(C, "lean", lean, probe);
  d = await run(C, D, dflt, probe);
  check(out(r) === "True True False\n" && out(d) === "False False True\n",
    "lean:preload=wave+tabnanny: its workers import those ahead and not the default stack", out(r) + " / " + out(d));
  r = await run(C, "lean", lean, "import os\nst = os.statvfs('/tmp')\nprint(os.getppid() >= 0, st.f_blocks * st.f_frsize >> 20)");
  check(out(r) === "True 16\n", "lean runs its own policy (the default one, not strict's) and its limits (/tmp 16 MiB)", text(r));
  await stop(C, "lean", lean);

  // two tenants' sessions: each its own worker (its own /tmp, variables and processes)
  const b = await start(B, D);
  await run(C, D, dflt, "secret_c = 42\nopen('/tmp/mark-c', 'w').write('c')");
  r = await run(B, D, b, "import os\nprint('secret_c' in globals(), os.path.exists('/tmp/mark-c'), " +
    "sorted(p for p in os.listdir('/proc') if p.isdigit()))");
  d = await run(C, D, dflt, "import os\nprint(secret_c, os.path.exists('/tmp/mark-c'))");
  check(out(r) && out(r).startsWith("False False") && out(d) === "42 True\n",
    "sessions of two tenants never share a worker: B sees none of C's variables or files", out(r) + " / " + out(d));
  await stop(B, D, b);
  await stop(C, D, dflt);
}

main().catch((err) => { check(false, "the interpreter checks ran to the end", err.stack || err); process.exit(1); });
