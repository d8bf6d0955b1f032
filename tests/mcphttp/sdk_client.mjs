// tests/mcphttp/sdk_client.mjs — drive `sandboxrun serve --http`'s /mcp with the
// official TypeScript SDK client (@modelcontextprotocol/sdk,
// StreamableHTTPClientTransport). Prints one JSON line per check:
// {"ok": bool, "name": "...", "detail": "..."}; tests/mcphttp/run turns them into TAP.
//
//   node sdk_client.mjs URL TOKEN_A TOKEN_B PART [LABEL]
//   PART: basics | tenants | auth | smoke | live | live-flood (LABEL names the service's set-up)
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { createHash, randomBytes } from "node:crypto";
import { liveChecks } from "../lib/live_checks.mjs";

const [url, tokenA, tokenB, part, label = "cold"] = process.argv.slice(2);

function check(ok, name, detail = "") {
  console.log(JSON.stringify({ ok: !!ok, name, detail: ok ? "" : String(detail).slice(0, 2000) }));
}

function transport(token, extra = {}, opts = {}) {
  const headers = token ? { Authorization: `Bearer ${token}`, ...extra } : extra;
  return new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers }, ...opts });
}

async function connect(token, extra, opts) {
  const t = transport(token, extra, opts);
  const client = new Client({ name: "sandboxrun-http-test", version: "1.0.0" });
  await client.connect(t);
  return { client, t };
}

const text = (r) => (r.content || []).filter((c) => c.type === "text").map((c) => c.text).join("\n");
const call = (client, name, args, opts) => client.callTool({ name, arguments: args }, undefined, opts);
const sleep = (ms) => new Promise((res) => setTimeout(res, ms));
// the form of the ids the server mints: hex of n random bytes, or, from a
// server given --pod-id (SANDBOXRUN_POD_TAG: the pod's TAG, agent/mcp/ag_sid.h),
// that TAG and 26 base32 characters
const POD_TAG = process.env.SANDBOXRUN_POD_TAG;
const idForm = (bytes) => POD_TAG ? new RegExp(`^${POD_TAG}[a-z2-7]{26}$`) : new RegExp(`^[0-9a-f]{${2 * bytes}}$`);

// the HTTP status (or RPC code) an SDK call failed with
async function failure(fn) {
  try {
    const r = await fn();
    return { none: JSON.stringify(r).slice(0, 300) };
  } catch (e) {
    return { code: e.code, message: String(e.message) };
  }
}

async function basics() {
  const { client, t } = await connect(tokenA);
  check(client.getServerVersion()?.name === "sandboxrun" && idForm(32).test(t.sessionId || ""),
    "initialize over HTTP: serverInfo, and an MCP-Session-Id of 32 random bytes (or the pod's TAG and 130 bits)",
    t.sessionId);
  await client.ping();
  const { tools } = await client.listTools();
  check(tools.length === 15 && tools.some((x) => x.name === "execute_code"), "tools/list lists the 15 tools", tools.length);

  let r = await call(client, "execute_code", { code: "x = 6 * 7\nprint(x)" });
  check(!r.isError && r.structuredContent.stdout === "42\n", "execute_code: the record comes back (structuredContent valid)",
    JSON.stringify(r).slice(0, 400));
  r = await call(client, "execute_code", { code: "1/0" });
  check(r.isError && r.structuredContent.error?.type === "ZeroDivisionError", "a raising script is isError", text(r));

  // a session across calls
  r = await call(client, "start_session", {});
  const sid = r.structuredContent?.sessionId;
  check(!r.isError && idForm(16).test(sid || ""), "start_session returns a sessionId", text(r));
  await call(client, "execute_code", { sessionId: sid, code: "import pandas as pd\ndf = pd.DataFrame({'a': range(10)})" });
  r = await call(client, "execute_code", { sessionId: sid, code: "print(int(df.a.sum()))" });
  check(!r.isError && r.structuredContent.stdout === "45\n", "the session keeps df between calls", text(r));

  // binary files, both ways, byte for byte
  const blob = randomBytes(200000);
  const sha = createHash("sha256").update(blob).digest("hex");
  r = await call(client, "write_files", { sessionId: sid, files: [{ path: "blob.bin", content: blob.toString("base64"), encoding: "base64" }] });
  check(!r.isError && !r.structuredContent.files[0].error, "write_files: 200 kB of random bytes in", text(r));
  r = await call(client, "execute_code", { sessionId: sid, code: "import hashlib\nprint(hashlib.sha256(open('/tmp/blob.bin','rb').read()).hexdigest())" });
  check(r.structuredContent?.stdout?.trim() === sha, "the jail sees the same bytes (sha256)", text(r));
  r = await call(client, "read_files", { sessionId: sid, paths: ["/tmp/blob.bin"] });
  const back = r.structuredContent?.files?.[0];
  check(back && Buffer.from(back.content, back.encoding === "base64" ? "base64" : "utf8").equals(blob),
    "read_files: the same bytes come back", JSON.stringify(back || r).slice(0, 300));

  // progress, over the POST's event stream
  const progress = [];
  r = await call(client, "execute_code", { code: "import time\ntime.sleep(2.6)\nprint('done')" },
    { onprogress: (p) => progress.push(p), timeout: 60000 });
  check(!r.isError && progress.length >= 2 && progress.every((p, i) => i === 0 || p.progress > progress[i - 1].progress),
    "progress notifications arrive on the SSE stream, increasing", JSON.stringify(progress));

  // cancellation: the SDK sends notifications/cancelled; the run is interrupted
  const ac = new AbortController();
  const pending = call(client, "execute_code",
    { sessionId: sid, code: "import time\ntime.sleep(4)\nopen('/tmp/ran', 'w').write('x')" }, { signal: ac.signal, timeout: 90000 });
  setTimeout(() => ac.abort("test"), 1200);
  try { await pending; } catch { /* the SDK rejects an aborted call itself; what the server did is checked next */ }
  await sleep(4500);
  r = await call(client, "list_files", { sessionId: sid });
  check(!r.isError && !r.structuredContent.entries.some((e) => e.path === "/tmp/ran"),
    "notifications/cancelled interrupted the run: it never wrote its file", text(r));
  r = await call(client, "execute_code", { sessionId: sid, code: "print(int(df.a.sum()))" });
  check(r.structuredContent?.stdout === "45\n", "the session serves on after the cancellation", text(r));

  // a result's link, read back with resources/read
  r = await call(client, "execute_code", { code: "print('===HTML_START===\\n<p>hello link</p>\\n===HTML_END===')" });
  const uri = (r.content || []).map((c) => c.resource?.uri || c.uri).find((u) => u && u.startsWith("sandboxrun://"));
  const rr = uri ? await client.readResource({ uri }) : null;
  check(rr && /hello link/.test(rr.contents?.[0]?.text || ""), "resources/read of a result's sandboxrun:// link", uri);
  await client.close();
}

// tenant B must not reach anything of tenant A
async function tenants() {
  const a = await connect(tokenA);
  let r = await call(a.client, "start_session", {});
  const sid = r.structuredContent.sessionId;
  r = await call(a.client, "execute_code", { code: "print('===HTML_START===\\n<p>only for a</p>\\n===HTML_END===')" });
  const uri = (r.content || []).map((c) => c.resource?.uri || c.uri).find((u) => u && u.startsWith("sandboxrun://"));
  const oid = r.structuredContent?.outputId;

  const b = await connect(tokenB);
  r = await call(b.client, "execute_code", { sessionId: sid, code: "print('in a')" });
  check(r.isError && /session/i.test(text(r)) && !/in a/.test(text(r)), "tenant B cannot run code in A's session", text(r));
  r = await call(b.client, "list_files", { sessionId: sid });
  check(r.isError, "tenant B cannot list A's session files", text(r));
  r = await call(b.client, "stop_session", { sessionId: sid });
  check(r.isError, "tenant B cannot stop A's session", text(r));
  let f = await failure(() => b.client.readResource({ uri }));
  check(f.code === -32002, "tenant B cannot read A's result link (resource not found)", JSON.stringify(f));
  r = await call(b.client, "upload_artifact", { outputId: oid, path: uri.split("/").slice(3).join("/"), s3Uri: "s3://bucket-b/x.html" });
  check(r.isError && /unknown or expired/.test(text(r)), "tenant B cannot upload A's output", text(r));
  // A's MCP session id with B's token: as if it did not exist
  const stolen = transport(tokenB, {}, { sessionId: a.t.sessionId });
  f = await failure(async () => { await stolen.start(); await stolen.send({ jsonrpc: "2.0", id: 9, method: "tools/list" }); });
  check(f.code === 404, "A's MCP-Session-Id with B's token is 404", JSON.stringify(f));
  r = await call(a.client, "execute_code", { sessionId: sid, code: "print('still a')" });
  check(r.structuredContent?.stdout === "still a\n", "A's session is untouched", text(r));
  await a.client.close();
  await b.client.close();
}

async function auth() {
  let f = await failure(() => connect("not-a-token-at-all-xyz"));
  check(f.code === 401 || /401|Unauthorized/.test(f.message || ""), "a bad token: 401", JSON.stringify(f));
  f = await failure(() => connect(null));
  check(f.code === 401 || /401|Unauthorized/.test(f.message || ""), "no token: 401", JSON.stringify(f));
  f = await failure(() => connect(tokenA, { Origin: "https://evil.example" }));
  check(f.code === 403 || /403|Forbidden/.test(f.message || ""), "an Origin not allowed: 403", JSON.stringify(f));
  const { client, t } = await connect(tokenA, { Origin: "https://app.example" });
  check(true, "an allowed Origin connects");
  const old = t.sessionId;
  await t.terminateSession();
  check(t.sessionId === undefined, "DELETE ends the session (terminateSession)");
  const again = transport(tokenA, {}, { sessionId: old });
  f = await failure(async () => { await again.start(); await again.send({ jsonrpc: "2.0", id: 1, method: "tools/list" }); });
  check(f.code === 404, "a call with the deleted MCP-Session-Id: 404", JSON.stringify(f));
  await client.close().catch(() => {});
}

// over HTTPS (the CA comes from NODE_EXTRA_CA_CERTS)
async function smoke() {
  const { client } = await connect(tokenA);
  const r = await call(client, "execute_code", { code: "print('over tls')" });
  check(r.structuredContent?.stdout === "over tls\n", "initialize and execute_code over HTTPS", text(r));
  await client.close();
}

// the run's output as progress messages on the POST's event stream
async function live(flood = false) {
  const { client } = await connect(tokenA);
  await liveChecks(client, check, `${label} over HTTP`, { flood });
  await client.close();
}

const parts = { basics, tenants, auth, smoke, live: () => live(), "live-flood": () => live(true) };
try {
  await parts[part]();
} catch (e) {
  check(false, `${part}: no exception`, e.stack || e);
}
process.exit(0);
