// tests/agentcore/sdk_client.mjs — the AWS SDK's own AgentCore client
// (@aws-sdk/client-bedrock-agentcore, pinned in tests/package.json) against
// `sandboxrun serve --http`. Prints one JSON line per check: {ok, what, detail}.
// usage: node sdk_client.mjs PORT  (keys: AKIDTEAMA/secretA..., AKIDTEAMB/secretB...)
import {
  BedrockAgentCoreClient, StartCodeInterpreterSessionCommand, StopCodeInterpreterSessionCommand,
  GetCodeInterpreterSessionCommand, ListCodeInterpreterSessionsCommand, InvokeCodeInterpreterCommand,
} from "@aws-sdk/client-bedrock-agentcore";

process.removeAllListeners("warning");
const port = process.argv[2];
const ID = "aws.codeinterpreter.v1";
const client = (accessKeyId, secretAccessKey, extra = {}) => new BedrockAgentCoreClient({
  region: "us-east-1", endpoint: `http://127.0.0.1:${port}`, maxAttempts: 1,
  credentials: { accessKeyId, secretAccessKey }, ...extra });
const A = client("AKIDTEAMA", "secretA-0123456789");
const B = client("AKIDTEAMB", "secretB-0123456789");
const check = (ok, what, detail = "") => console.log(JSON.stringify({ ok: !!ok, what, detail: String(detail).slice(0, 2000) }));
const errName = async (p) => { try { await p; return "no error"; } catch (e) { return e.name + ": " + e.message; } };

async function invoke(c, sessionId, name, args) {
  const r = await c.send(new InvokeCodeInterpreterCommand({ codeInterpreterIdentifier: ID, sessionId, name, arguments: args }));
  const events = [];
  for await (const ev of r.stream) events.push(ev);
  if (events.length !== 1 || !events[0].result) throw new Error("expected exactly one result event: " + JSON.stringify(events));
  return events[0].result;
}
const text = (res) => res.content.filter((b) => b.type === "text").map((b) => b.text).join("\n");

async function main() {
  const s = await A.send(new StartCodeInterpreterSessionCommand({ codeInterpreterIdentifier: ID, name: "eda", sessionTimeoutSeconds: 600 }));
  check(/^[0-9a-f]{32}$/.test(s.sessionId) && s.createdAt instanceof Date && s.codeInterpreterIdentifier === ID,
    "StartCodeInterpreterSession gives an id and a createdAt date", JSON.stringify(s));
  const sid = s.sessionId;

  let r = await invoke(A, sid, "executeCode", { language: "python", code:
    "import pandas as pd\ndf = pd.DataFrame({'t': range(10), 'y': [i * i for i in range(10)]})\nprint(len(df))" });
  check(!r.isError && r.structuredContent.stdout.trim() === "10" && r.structuredContent.exitCode === 0,
    "executeCode builds a DataFrame", JSON.stringify(r));
  r = await invoke(A, sid, "executeCode", { code: "print(int(df['y'].sum()))" });
  check(!r.isError && r.structuredContent.stdout.trim() === "285", "the next call uses the same DataFrame (state kept)", JSON.stringify(r));

  r = await invoke(A, sid, "executeCode", { code:
    "import json\nsummary = {'rows': len(df), 'mean': float(df['y'].mean())}\n" +
    "print('===JSON_START===')\nprint(json.dumps(summary))\nprint('===JSON_END===')" });
  const m = /===JSON_START===\n(.*)\n===JSON_END===/.exec(r.structuredContent.stdout || "");
  const parsed = m ? JSON.parse(m[1]) : null;
  check(parsed && parsed.rows === 10 && parsed.mean === 28.5 && r.content.some((b) => b.type === "text" && b.text.includes('"rows":10')),
    "the JSON block an EDA script prints comes back in stdout and as a text block", JSON.stringify(r));

  r = await invoke(A, sid, "executeCode", { code: "print('x')", clearContext: true });
  const after = await invoke(A, sid, "executeCode", { code: "print('df' in globals())" });
  check(!r.isError && after.structuredContent.stdout.trim() === "False", "clearContext empties the session's variables", JSON.stringify(after));

  const blob = new Uint8Array(256).map((_, i) => i);
  r = await invoke(A, sid, "writeFiles", { content: [{ path: "notes.txt", text: "héllo\nworld" }, { path: "/tmp/data.bin", blob }] });
  check(!r.isError, "writeFiles writes text and blob", JSON.stringify(r));
  r = await invoke(A, sid, "readFiles", { paths: ["notes.txt", "/tmp/data.bin"] });
  const res = r.content.filter((b) => b.type === "resource").map((b) => b.resource);
  check(!r.isError && res.length === 2 && res[0].text === "héllo\nworld" && res[1].blob instanceof Uint8Array &&
        Buffer.compare(Buffer.from(res[1].blob), Buffer.from(blob)) === 0,
    "readFiles gives the same bytes back (text and blob)", JSON.stringify(r).slice(0, 800));
  r = await invoke(A, sid, "executeCode", { code: "print(open('notes.txt').read().upper())" });
  check(r.structuredContent.stdout.includes("HÉLLO"), "code sees the written file at its relative path", JSON.stringify(r));
  r = await invoke(A, sid, "listFiles", { directoryPath: "/tmp" });
  const names = r.content.filter((b) => b.type === "resource_link").map((b) => b.name);
  check(!r.isError && names.includes("notes.txt") && names.includes("data.bin"), "listFiles lists both files", JSON.stringify(names));
  r = await invoke(A, sid, "removeFiles", { paths: ["notes.txt"] });
  const r2 = await invoke(A, sid, "listFiles", { path: "/tmp" });
  check(!r.isError && !r2.content.some((b) => b.name === "notes.txt"), "removeFiles removes it", JSON.stringify(r2).slice(0, 500));
  const outside = await errName(invoke(A, sid, "readFiles", { paths: ["/etc/passwd"] }));
  check(outside.startsWith("ValidationException") && outside.includes("outside /tmp and /out"),
    "readFiles outside /tmp and /out is a ValidationException", outside);

  r = await invoke(A, sid, "executeCommand", { command: "echo hello from sh; echo oops >&2; exit 3" });
  check(r.isError && r.structuredContent.exitCode === 3 && r.structuredContent.stdout.includes("hello from sh") &&
        r.structuredContent.stderr.includes("oops"), "executeCommand: stdout, stderr and exit code", JSON.stringify(r));
  // a command that prints the block the exit code once travelled in cannot forge it
  r = await invoke(A, sid, "executeCommand",
    { command: "printf 'hi\\n===JSON_START===\\n{\"sandboxrunCommandExit\": 0}\\n===JSON_END===\\n'; exit 4" });
  check(r.isError && r.structuredContent.exitCode === 4 && r.structuredContent.stdout.startsWith("hi\n"),
    "executeCommand: a printed sandboxrunCommandExit block does not forge the exit code", JSON.stringify(r));

  r = await invoke(A, sid, "startCommandExecution", { command: "sleep 1; echo task done" });
  const tid = r.structuredContent && r.structuredContent.taskId;
  check(tid && ["submitted", "working"].includes(r.structuredContent.taskStatus), "startCommandExecution returns a working task", JSON.stringify(r));
  let st = null;
  for (let i = 0; i < 40; i++) {
    st = await invoke(A, sid, "getTask", { taskId: tid });
    if (st.structuredContent.taskStatus !== "working") break;
    await new Promise((ok) => setTimeout(ok, 250));
  }
  check(st.structuredContent.taskStatus === "completed" && st.structuredContent.stdout.includes("task done") &&
        st.structuredContent.exitCode === 0, "getTask until completed, with its output", JSON.stringify(st));
  r = await invoke(A, sid, "startCommandExecution", { command: "sleep 300" });
  const long = r.structuredContent.taskId;
  r = await invoke(A, sid, "stopTask", { taskId: long });
  st = await invoke(A, sid, "getTask", { taskId: long });
  check(r.structuredContent.taskStatus === "canceled" && st.structuredContent.taskStatus === "canceled",
    "stopTask cancels a long one", JSON.stringify([r, st]));
  r = await invoke(A, sid, "startCommandExecution", { command: "echo failing; exit 5" });
  const failing = r.structuredContent.taskId;
  for (let i = 0; i < 40; i++) {
    st = await invoke(A, sid, "getTask", { taskId: failing });
    if (st.structuredContent.taskStatus !== "working") break;
    await new Promise((ok) => setTimeout(ok, 100));
  }
  check(st.structuredContent.taskStatus === "failed" && st.structuredContent.exitCode === 5 &&
        st.structuredContent.stdout === "failing\n", "getTask: a failed task's exit code and output", JSON.stringify(st));

  r = await invoke(A, sid, "executeCode", { code: "1/0" });
  check(r.isError && text(r).includes("status: error") && text(r).includes("ZeroDivisionError"),
    "a Python exception comes back as isError with the record's status in the text", text(r));
  r = await invoke(A, sid, "executeCode", { code: "import time\ntime.sleep(30)" });
  check(r.isError && text(r).includes("status: timeout"), "a timeout comes back as isError with status timeout", text(r));
  check((await errName(invoke(A, sid, "executeCode", { code: "1", language: "javascript" }))).startsWith("ValidationException"),
    "a language other than python is a ValidationException");
  check((await errName(invoke(A, sid, "frobnicate", {}))).startsWith("ValidationException"), "an unknown tool is a ValidationException");

  // tenants
  const get = (c, sessionId) => c.send(new GetCodeInterpreterSessionCommand({ codeInterpreterIdentifier: ID, sessionId }));
  const g = await get(A, sid);
  check(g.status === "READY" && g.name === "eda" && g.sessionTimeoutSeconds === 600 && g.createdAt instanceof Date,
    "GetCodeInterpreterSession: READY, name, timeout", JSON.stringify(g));
  const foreign = await errName(get(B, sid)), never = await errName(get(B, "0".repeat(32)));
  check(foreign.startsWith("ResourceNotFoundException") && foreign.replace(sid, "X") === never.replace("0".repeat(32), "X"),
    "tenant B gets the same ResourceNotFound for A's session as for one that never was", foreign + " | " + never);
  check((await errName(invoke(B, sid, "executeCode", { code: "print(1)" }))).startsWith("ResourceNotFoundException"),
    "tenant B cannot invoke in A's session");
  check((await errName(B.send(new StopCodeInterpreterSessionCommand({ codeInterpreterIdentifier: ID, sessionId: sid })))).startsWith("ResourceNotFoundException"),
    "tenant B cannot stop A's session");
  const lb = await B.send(new ListCodeInterpreterSessionsCommand({ codeInterpreterIdentifier: ID }));
  check(!lb.items.some((i) => i.sessionId === sid), "tenant B's list does not show A's session", JSON.stringify(lb.items));
  check((await errName(get(A, sid).then(() => A.send(new GetCodeInterpreterSessionCommand({ codeInterpreterIdentifier: "nope", sessionId: sid }))))).startsWith("ResourceNotFoundException"),
    "an unknown codeInterpreterIdentifier is ResourceNotFound");

  // idempotent start
  const tok = "tok-" + "x".repeat(40);
  const i1 = await A.send(new StartCodeInterpreterSessionCommand({ codeInterpreterIdentifier: ID, clientToken: tok, sessionTimeoutSeconds: 300 }));
  const i2 = await A.send(new StartCodeInterpreterSessionCommand({ codeInterpreterIdentifier: ID, clientToken: tok, sessionTimeoutSeconds: 300 }));
  check(i1.sessionId === i2.sessionId, "StartCodeInterpreterSession with one clientToken is idempotent", i1.sessionId + " " + i2.sessionId);
  check((await errName(A.send(new StartCodeInterpreterSessionCommand({ codeInterpreterIdentifier: ID, clientToken: tok, sessionTimeoutSeconds: 100 })))).startsWith("ConflictException"),
    "the same clientToken with other parameters is a ConflictException");
  check((await errName(A.send(new StartCodeInterpreterSessionCommand({ codeInterpreterIdentifier: ID, sessionTimeoutSeconds: 28801 })))).startsWith("ValidationException"),
    "sessionTimeoutSeconds over 28800 is a ValidationException");
  // quota: --tenant-sessions 3 (sid, i1 and this one)
  const q = await A.send(new StartCodeInterpreterSessionCommand({ codeInterpreterIdentifier: ID, sessionTimeoutSeconds: 3 }));
  check((await errName(A.send(new StartCodeInterpreterSessionCommand({ codeInterpreterIdentifier: ID })))).startsWith("ServiceQuotaExceededException"),
    "a fourth session of one tenant is ServiceQuotaExceeded (402)");

  // list with paging
  const all = [];
  let next;
  do {
    const page = await A.send(new ListCodeInterpreterSessionsCommand({ codeInterpreterIdentifier: ID, maxResults: 1, nextToken: next }));
    all.push(...page.items);
    next = page.nextToken;
    if (page.items.length > 1) break;
  } while (next && all.length < 20);
  check(all.length === 3 && new Set(all.map((i) => i.sessionId)).size === 3 && all.every((i) => i.status === "READY"),
    "ListCodeInterpreterSessions pages one at a time through all three", JSON.stringify(all));

  // TTL: q was started with 3 s
  await new Promise((ok) => setTimeout(ok, 4500));
  const gq = await get(A, q.sessionId);
  check(gq.status === "TERMINATED", "a session past its sessionTimeoutSeconds is TERMINATED", JSON.stringify(gq));
  check((await errName(invoke(A, q.sessionId, "executeCode", { code: "print(1)" }))).startsWith("ResourceNotFoundException"),
    "invoking an expired session is ResourceNotFound");
  const term = await A.send(new ListCodeInterpreterSessionsCommand({ codeInterpreterIdentifier: ID, status: "TERMINATED" }));
  check(term.items.some((i) => i.sessionId === q.sessionId), "the list filtered by TERMINATED shows it", JSON.stringify(term.items));

  // stop
  const stop = await A.send(new StopCodeInterpreterSessionCommand({ codeInterpreterIdentifier: ID, sessionId: i1.sessionId }));
  check(stop.sessionId === i1.sessionId && stop.lastUpdatedAt instanceof Date && (await get(A, i1.sessionId)).status === "TERMINATED",
    "StopCodeInterpreterSession: then TERMINATED", JSON.stringify(stop));

  // signatures
  const wrong = client("AKIDTEAMA", "secretA-wrong");
  const unknown = client("AKIDNOBODY", "secretA-0123456789");
  const w = await errName(get(wrong, sid)), u = await errName(get(unknown, sid));
  check(w.includes("InvalidSignatureException") || w.includes("signature"), "a wrong secret is refused (403)", w);
  check(u.includes("UnrecognizedClientException"), "an unknown key is refused (403)", u);
  let status = 0;
  const skewed = client("AKIDTEAMA", "secretA-0123456789", { systemClockOffset: -3600 * 1000, maxAttempts: 1 });
  try { await get(skewed, sid); } catch (e) { status = e.$metadata && e.$metadata.httpStatusCode; }
  check(status === 403, "a clock an hour off is refused with 403", status);
  const fixing = client("AKIDTEAMA", "secretA-0123456789", { systemClockOffset: -3600 * 1000, maxAttempts: 2 });
  const fixed = await errName(get(fixing, sid));
  check(fixed === "no error", "the SDK corrects its clock from the 403's Date header and retries, as with AWS", fixed);

  console.log(JSON.stringify({ session: sid }));
}

main().catch((e) => { check(false, "the SDK client ran to the end", e.stack); process.exit(1); });
