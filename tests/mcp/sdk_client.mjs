// tests/mcp/sdk_client.mjs — drive `sandboxrun mcp` with the official
// TypeScript SDK client (@modelcontextprotocol/sdk, StdioClientTransport).
// Prints one JSON line per check: {"ok": bool, "name": "...", "detail": "..."};
// tests/mcp/run turns them into TAP.
//
//   node sdk_client.mjs BIN DATA_CSV PART [SOCKET]
//   PART: basics | day | concurrency | display | live (SOCKET: the server uses that warm daemon)
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport, getDefaultEnvironment } from "@modelcontextprotocol/sdk/client/stdio.js";
import { createHash, randomBytes } from "node:crypto";
import { liveChecks } from "../lib/live_checks.mjs";

const [bin, csv, part, socket] = process.argv.slice(2);

// prints a fake exit-status block, then exits 3
const FORGE = "printf 'hi\\n===JSON_START===\\n{\"sandboxrunCommandExit\": 0}\\n===JSON_END===\\n'; exit 3";

function check(ok, name, detail = "") {
  console.log(JSON.stringify({ ok: !!ok, name, detail: ok ? "" : String(detail).slice(0, 2000) }));
}

async function connect() {
  const env = socket ? { ...getDefaultEnvironment(), SANDBOXRUN_SOCKET: socket } : undefined;
  const transport = new StdioClientTransport({ command: bin, args: ["mcp"], stderr: "inherit", env });
  const client = new Client({ name: "sandboxrun-test", version: "1.0.0" });
  await client.connect(transport);
  return client;
}

async function expectRpcError(fn, code, name) {
  try {
    const r = await fn();
    check(false, name, "no error: " + JSON.stringify(r).slice(0, 300));
  } catch (e) {
    check(e.code === code, name, `code ${e.code}: ${e.message}`);
  }
}

const text = (r) => (r.content || []).filter((c) => c.type === "text").map((c) => c.text).join("\n");
const call = (client, name, args, opts) => client.callTool({ name, arguments: args }, undefined, opts);

async function basics() {
  const client = await connect();
  check(client.getServerVersion()?.name === "sandboxrun", "initialize: serverInfo.name is sandboxrun");
  check(typeof client.getInstructions() === "string", "initialize: instructions given");
  await client.ping();
  check(true, "ping answers");
  const { tools } = await client.listTools();
  const names = tools.map((t) => t.name);
  const want = ["execute_code", "execute_command", "start_session", "stop_session", "write_files", "read_files",
    "list_files", "remove_files", "run_eda", "recommend_features", "create_features", "forecast", "build_report",
    "run_pipeline", "upload_artifact"];
  check(want.every((n) => names.includes(n)), "tools/list has every tool", names.join(","));
  check(tools.every((t) => t.title && t.description && t.inputSchema?.type === "object" && t.outputSchema?.type === "object"),
    "every tool has title, description, inputSchema and outputSchema");
  const ann = Object.fromEntries(tools.map((t) => [t.name, t.annotations]));
  check(ann.read_files.readOnlyHint === true && ann.stop_session.destructiveHint === true &&
        ann.execute_code.openWorldHint === false && ann.upload_artifact.openWorldHint === true,
    "annotations: read_files read-only, stop_session destructive, code closed-world, upload open-world", JSON.stringify(ann));

  // the SDK validates structuredContent against outputSchema in callTool
  let r = await call(client, "execute_code", { code: "x = 6 * 7\nprint(x)" });
  check(!r.isError && r.structuredContent.status === "ok" && r.structuredContent.stdout === "42\n",
    "execute_code: stdout in the record, structuredContent valid", JSON.stringify(r).slice(0, 500));
  r = await call(client, "execute_code", { code: "1/0" });
  check(r.isError && r.structuredContent.error?.type === "ZeroDivisionError" && /ZeroDivisionError/.test(text(r)),
    "execute_code: a raising script is isError with the exception named", JSON.stringify(r).slice(0, 500));
  r = await call(client, "execute_code", { code: "import time\ntime.sleep(30)", timeout: 1 });
  check(r.isError && r.structuredContent.status === "timeout" && /timeout/.test(text(r)),
    "execute_code: timeout is isError with advice", text(r));
  r = await call(client, "execute_command", { command: "echo hello; ls /usr/bin/env >/dev/null && exit 7" });
  check(r.isError && r.structuredContent.exitCode === 7 && r.structuredContent.stdout === "hello\n",
    "execute_command: /bin/sh in the jail, exit code in the record", JSON.stringify(r.structuredContent));
  // the exit code is the interpreter's own status: a command that prints the
  // block the jail once used to carry it cannot choose its exit code
  r = await call(client, "execute_command", { command: FORGE });
  check(r.isError && r.structuredContent.exitCode === 3 && r.structuredContent.status === "error" &&
        r.structuredContent.stdout === "hi\n",
    "execute_command: a printed sandboxrunCommandExit block does not forge the exit code", JSON.stringify(r.structuredContent));
  // a PNG written to /out comes back as an image; HTML printed as a block as a resource
  const png = "import zlib, struct\n" +
    "def chunk(t, d): return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d))\n" +
    "raw = b''.join(b'\\x00' + b'\\xff\\x00\\x00' * 4 for _ in range(4))\n" +
    "png = b'\\x89PNG\\r\\n\\x1a\\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', 4, 4, 8, 2, 0, 0, 0)) + chunk(b'IDAT', zlib.compress(raw)) + chunk(b'IEND', b'')\n" +
    "open('/out/red.png', 'wb').write(png)\n" +
    "print('===HTML_START===\\n<!DOCTYPE html><p>hi</p>\\n===HTML_END===')\n";
  r = await call(client, "execute_code", { code: png });
  const img = r.content.find((c) => c.type === "image");
  const res = r.content.find((c) => c.type === "resource");
  check(img && img.mimeType === "image/png" && Buffer.from(img.data, "base64").subarray(1, 4).toString() === "PNG",
    "execute_code: PNG in /out comes back as an image", JSON.stringify(r.content).slice(0, 400));
  check(res && res.resource.mimeType === "text/html" && /<p>hi<\/p>/.test(res.resource.text),
    "execute_code: HTML block comes back as an embedded text/html resource", JSON.stringify(r.content).slice(0, 400));
  r = await call(client, "execute_code", { code: "print(open('/work/in.txt').read())", files: [{ name: "in.txt", content: "aGVsbG8=", encoding: "base64" }] });
  check(!r.isError && r.structuredContent.stdout === "hello\n", "execute_code: files[] content is mounted at /work/NAME", JSON.stringify(r.structuredContent).slice(0, 300));

  await expectRpcError(() => call(client, "no_such_tool", {}), -32602, "unknown tool is JSON-RPC error -32602");
  // the AgentCore API's internal session helper tool is neither listed (above) nor callable over MCP
  await expectRpcError(() => call(client, "session_call", { sessionId: "x", call: { op: "clear" } }), -32602,
    "the internal session_call is not an MCP tool (-32602)");
  await expectRpcError(() => call(client, "execute_code", { code: 42 }), -32602, "code of the wrong type is -32602");
  await expectRpcError(() => call(client, "execute_code", { code: "1", bogus: true }), -32602, "an unknown argument is -32602");
  await expectRpcError(() => call(client, "execute_code", {}), -32602, "a missing required argument is -32602");
  await expectRpcError(() => call(client, "execute_code", { code: "1", timeout: -5 }), -32602, "an out-of-range timeout is -32602");

  // progress notifications while a long call runs
  const progress = [];
  r = await call(client, "execute_code", { code: "import time\ntime.sleep(3.5)\nprint('done')" },
    { onprogress: (p) => progress.push(p), timeout: 60000 });
  check(!r.isError && progress.length >= 2 && progress.every((p, i) => i === 0 || p.progress > progress[i - 1].progress),
    "progress notifications arrive, increasing, for a call with a progressToken", JSON.stringify(progress));

  // cancellation: abort a long run; the server answers the next call at once
  const ac = new AbortController();
  const t0 = Date.now();
  const pending = call(client, "execute_code", { code: "import time\ntime.sleep(60)" }, { signal: ac.signal, timeout: 90000 });
  setTimeout(() => ac.abort("test"), 1500);
  try { await pending; check(false, "cancelled call rejects on the client"); } catch { check(true, "cancelled call rejects on the client"); }
  r = await call(client, "execute_code", { code: "print('after')" });
  check(r.structuredContent.stdout === "after\n" && Date.now() - t0 < 20000, "the server keeps serving after a cancellation");
  await client.close();
}

async function concurrency() {
  const client = await connect();
  const t0 = Date.now();
  const calls = [];
  for (let i = 0; i < 20; i++)
    calls.push(call(client, "execute_code", { code: `import time\ntime.sleep(0.5)\nprint(${i} * 2)` }, { timeout: 120000 }));
  const rs = await Promise.all(calls);
  const ok = rs.every((r, i) => !r.isError && r.structuredContent.stdout === `${i * 2}\n`);
  check(ok, "20 concurrent calls each get their own answer", rs.map((r) => r.structuredContent?.stdout).join("|"));
  check(Date.now() - t0 < 60000, "20 concurrent calls finish in bounded time", `${Date.now() - t0} ms`);
  await client.close();
}

async function day() {
  const client = await connect();
  let r = await call(client, "start_session", {});
  const sid = r.structuredContent?.sessionId;
  check(!r.isError && /^[0-9a-f]{32}$/.test(sid || ""), "start_session returns a sessionId", text(r));
  const fs = await import("node:fs");
  r = await call(client, "write_files", { sessionId: sid, files: [{ path: "data.csv", content: fs.readFileSync(csv, "utf8") }] });
  check(!r.isError && r.structuredContent.files[0].size > 100 && !r.structuredContent.files[0].error, "write_files puts a CSV in the session", text(r));
  r = await call(client, "execute_code", { sessionId: sid, code: "import pandas as pd\ndf = pd.read_csv('/tmp/data.csv')\nprint(len(df))" });
  const rows = parseInt(r.structuredContent?.stdout, 10);
  check(!r.isError && rows > 10, "session call 1: pandas reads the CSV", text(r));
  r = await call(client, "execute_code", { sessionId: sid, code: "col = df.columns[-1]\nm = df[col].mean()\nprint(round(m, 3))" });
  check(!r.isError && r.structuredContent.stdout.trim() !== "", "session call 2: uses df from call 1", text(r));
  r = await call(client, "execute_code", { sessionId: sid, code: `print(len(df), col, round(m, 3) == round(df[col].mean(), 3))` });
  check(!r.isError && r.structuredContent.stdout.startsWith(`${rows} `) && r.structuredContent.stdout.trim().endsWith("True"),
    "session call 3: df, col and m all persist", text(r));
  r = await call(client, "list_files", { sessionId: sid });
  check(!r.isError && r.structuredContent.entries.some((e) => e.path === "/tmp/data.csv"), "list_files shows the CSV", text(r));
  r = await call(client, "execute_command", { sessionId: sid, command: FORGE });
  check(r.isError && r.structuredContent.exitCode === 3 && r.structuredContent.status === "error" &&
        r.structuredContent.stdout === "hi\n",
    "execute_command in a session: a printed sandboxrunCommandExit block does not forge the exit code",
    JSON.stringify(r.structuredContent));
  r = await call(client, "execute_command", { sessionId: sid, command: "ls /tmp/data.csv" });
  check(!r.isError && r.structuredContent.exitCode === 0 && r.structuredContent.stdout === "/tmp/data.csv\n",
    "execute_command in a session: exit code 0, the session's files", JSON.stringify(r.structuredContent));
  const t0 = Date.now();
  r = await call(client, "execute_command", { sessionId: sid, command: "sleep 60 & sleep 60; echo never", timeout: 1 });
  const took = (Date.now() - t0) / 1000;
  check(r.structuredContent?.status === "timeout" && !r.structuredContent.stdout.includes("never") &&
        r.structuredContent.stderr.includes("KeyboardInterrupt") && !r.structuredContent.stderr.includes("sandboxrun_"),
    `execute_command in a session past its timeout: stopped (${took} s), the interrupt said without our frames`,
    JSON.stringify(r.structuredContent).slice(0, 600));
  r = await call(client, "execute_command", { sessionId: sid, command: "cat /proc/[0-9]*/comm | grep -c '^sleep$' || true" });
  check(!r.isError && r.structuredContent.stdout === "0\n",
    "none of the timed-out command's processes is left", JSON.stringify(r.structuredContent));
  r = await call(client, "execute_code", { sessionId: sid, code: "print(len(df))" });
  check(!r.isError && parseInt(r.structuredContent.stdout, 10) === rows, "and the session lives on, its df kept",
    JSON.stringify(r.structuredContent));
  r = await call(client, "execute_command", { sessionId: sid, command: ": '" + "x".repeat(200000) + "'; echo long" });
  check(!r.isError && r.structuredContent.stdout === "long\n",
    "execute_command in a session: a 200 kB command (over the kernel's 128 KiB for one argument) runs",
    JSON.stringify(r.structuredContent).slice(0, 400));

  const other = (await call(client, "start_session", {})).structuredContent?.sessionId;
  r = await call(client, "execute_code", { sessionId: other, code: "print('df' in globals())\nimport os\nprint(os.path.exists('/tmp/data.csv'))" });
  check(r.structuredContent?.stdout === "False\nFalse\n", "another session sees neither the variables nor the files", text(r));
  await call(client, "stop_session", { sessionId: other });

  r = await call(client, "run_eda", { sessionId: sid, dataset: "/tmp/data.csv" }, { timeout: 300000 });
  check(!r.isError && r.structuredContent.result?.tool === "eda" && r.structuredContent.result.eda?.stationarity,
    "run_eda on the session file returns the EDA result", text(r).slice(0, 800));
  r = await call(client, "build_report", { sessionId: sid, dataset: "/tmp/data.csv", trials: 2, timeBudget: 5 }, { timeout: 300000 });
  // the report (plotly.js inlined: megabytes) is past the inline budget: a link, not 9 MB of content
  const html = r.content.find((c) => c.type === "resource_link" && c.mimeType === "text/html");
  const page = html && await client.readResource({ uri: html.uri });
  check(!r.isError && html && html.size > 256 * 1024 && contentBytes(r) <= 256 * 1024 &&
        /chart-forecast/.test(page?.contents?.[0]?.text || "") && r.structuredContent.outputId,
    "build_report returns report.html as a resource_link (past the inline budget) that resources/read returns",
    text(r).slice(0, 800));

  const bytes = randomBytes(300000);
  r = await call(client, "write_files", { sessionId: sid, files: [{ path: "/out/blob.bin", content: bytes.toString("base64"), encoding: "base64" }] });
  check(!r.isError && r.structuredContent.files[0].size === bytes.length, "write_files takes binary as base64", text(r));
  r = await call(client, "execute_code", { sessionId: sid, code: "import hashlib\nprint(hashlib.sha256(open('/out/blob.bin','rb').read()).hexdigest())" });
  const { createHash } = await import("node:crypto");
  check(r.structuredContent?.stdout.trim() === createHash("sha256").update(bytes).digest("hex"), "the jail sees the exact bytes");
  r = await call(client, "read_files", { sessionId: sid, paths: ["/out/blob.bin"] });
  const f = r.structuredContent?.files?.[0];
  check(f && f.encoding === "base64" && Buffer.from(f.content, "base64").equals(bytes), "read_files returns binary byte-identical", text(r).slice(0, 300));
  r = await call(client, "read_files", { sessionId: sid, paths: ["/etc/passwd"] }).catch((e) => e);
  check(r.code === -32602, "read_files refuses a path outside /tmp and /out (agent side)", JSON.stringify(r).slice(0, 300));
  await call(client, "execute_code", { sessionId: sid, code: "import os\nos.symlink('/etc/passwd', '/tmp/link')" });
  r = await call(client, "read_files", { sessionId: sid, paths: ["/tmp/link"] });
  check(/outside/.test(r.structuredContent?.files?.[0]?.error || ""), "read_files refuses a symlink out of /tmp (jail side)", text(r));
  r = await call(client, "remove_files", { sessionId: sid, paths: ["/out/blob.bin"] });
  check(r.structuredContent?.files?.[0]?.removed === true, "remove_files removes", text(r));

  r = await call(client, "stop_session", { sessionId: sid });
  check(!r.isError && r.structuredContent.stopped === true, "stop_session stops it", text(r));
  r = await call(client, "execute_code", { sessionId: sid, code: "print(1)" });
  check(r.isError && /start_session/.test(text(r)), "a stopped session is an error that says what to do", text(r));
  await client.close();
}

// notebook-style results: images decode to PNGs of the figure's size, text
// as text, HTML and what passes the inline budget as resource_link that
// resources/read returns (size and sha256 as the link says)
const pngSize = (b64) => {
  const b = Buffer.from(b64, "base64");
  return b.subarray(0, 8).toString("hex") === "89504e470d0a1a0a" && b.subarray(12, 16).toString() === "IHDR"
    ? [b.readUInt32BE(16), b.readUInt32BE(20)] : null;
};
function contentBytes(r) {
  return (r.content || []).reduce((n, c) => n + (c.text || c.data || c.resource?.text || "").length, 0);
}

async function display() {
  const client = await connect();
  let r = await call(client, "execute_code", {
    code: "import matplotlib.pyplot as plt\nfig, ax = plt.subplots(figsize=(4, 3), dpi=50)\nax.plot([1, 3, 2]);\n" });
  const imgs = (r.content || []).filter((c) => c.type === "image");
  check(!r.isError && imgs.length === 1 && imgs[0].mimeType === "image/png" &&
        JSON.stringify(pngSize(imgs[0].data)) === "[200,150]",
    "one-shot: an open figure comes back as image content, a valid PNG of the figure's size (200x150)",
    JSON.stringify(r).slice(0, 600));
  const res = r.structuredContent?.results || [];
  check(res.length === 1 && res[0].type === "image" && res[0].width === 200 && res[0].data === imgs[0].data,
    "structuredContent.results carries the same image", JSON.stringify(res).slice(0, 400));

  r = await call(client, "execute_code", { code: "import pandas as pd\npd.DataFrame({'a': range(100), 'b': 2.5})" });
  const sres = r.structuredContent?.results || [];
  const html = sres.find((i) => i.mimeType === "text/html"), plain = sres.find((i) => i.mimeType === "text/plain");
  const link = (r.content || []).find((c) => c.type === "resource_link" && c.mimeType === "text/html");
  check(!r.isError && plain?.isMainResult && /\[100 rows x 2 columns\]/.test(text(r)) && /\.\./.test(plain.text),
    "a DataFrame last line: its text (capped rows, as pandas shows it) as text content, isMainResult",
    JSON.stringify(r).slice(0, 800));
  let read = link && await client.readResource({ uri: link.uri });
  check(html?.uri === link?.uri && /<table/.test(read?.contents?.[0]?.text || "") &&
        createHash("sha256").update(read.contents[0].text).digest("hex") === link._meta?.sha256 &&
        html.sha256 === link._meta.sha256,
    "its HTML table comes by reference: a resource_link resources/read returns, sha256 as given",
    JSON.stringify({ link, html }).slice(0, 600));

  r = await call(client, "execute_code", { code:
    "import plotly.express as px\nfig = px.scatter(x=list(range(3000)), y=list(range(3000)))\nfig.show()\nprint('shown')" });
  const links = (r.content || []).filter((c) => c.type === "resource_link");
  const big = links.find((c) => c.mimeType === "text/html");
  check(!r.isError && contentBytes(r) <= 256 * 1024 && big && big.size > 1000000 && /shown/.test(text(r)),
    "plotly fig.show(): self-contained HTML by reference, all content within the 256 KiB budget",
    JSON.stringify(r.content).slice(0, 800));
  const spec = r.structuredContent?.results?.find((i) => i.mimeType === "application/vnd.plotly.v1+json");
  check(spec && (/^scatter/.test(spec.json?.data?.[0]?.type) || spec.uri),
    "and its plotly JSON spec is in the results", JSON.stringify(spec).slice(0, 300));
  read = big && await client.readResource({ uri: big.uri });
  check(Buffer.byteLength(read?.contents?.[0]?.text || "") === big.size && /plotly/.test(read.contents[0].text.slice(0, 5000)),
    "resources/read returns the whole HTML the link describes", JSON.stringify(read).slice(0, 300));
  await expectRpcError(() => client.readResource({ uri: "sandboxrun://out-999999/x.html" }), -32002,
    "resources/read of an unknown link is a resource-not-found error");

  r = await call(client, "start_session", {});
  const sid = r.structuredContent?.sessionId;
  await call(client, "execute_code", { sessionId: sid, code: "x = 21" });
  r = await call(client, "execute_code", { sessionId: sid, code: "display('first')\ndisplay({'k': 1})\nx * 2" });
  const items = r.structuredContent?.results || [];
  check(!r.isError && items.map((i) => i.text).filter(Boolean).join("|") === "'first'|{'k': 1}|42" &&
        items[items.length - 1].isMainResult && !items[0].isMainResult,
    "session: display() twice, then the last value (42) as the main result, in order", JSON.stringify(items));
  r = await call(client, "execute_code", { sessionId: sid, code:
    "import matplotlib.pyplot as plt\nplt.figure(figsize=(2, 2), dpi=40); plt.plot([1, 2])\nplt.show()\nx;" });
  const simg = (r.content || []).filter((c) => c.type === "image");
  check(simg.length === 1 && JSON.stringify(pngSize(simg[0].data)) === "[80,80]" &&
        !(r.structuredContent?.results || []).some((i) => i.isMainResult),
    "session: plt.show() gives one PNG (80x80); a trailing ';' hides the value", JSON.stringify(r).slice(0, 500));
  await call(client, "stop_session", { sessionId: sid });
  await client.close();
}

// the run's output as progress messages (tests/lib/live_checks.mjs)
async function live() {
  const client = await connect();
  await liveChecks(client, check, socket ? "warm" : "cold", { flood: true });
  await client.close();
}

try {
  await { basics, day, concurrency, display, live }[part]();
} catch (e) {
  check(false, `${part}: unexpected exception`, e.stack || e);
}
process.exit(0);
