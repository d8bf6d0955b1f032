// tests/observe/mcp_client.mjs — the official MCP TypeScript SDK client
// (StdioClientTransport) against `sandboxrun mcp --audit FILE`: a mixed
// workload whose audit lines tests/observe/run then checks.
// usage: node mcp_client.mjs SANDBOXRUN AUDIT_FILE S3_PREFIX
// Prints one JSON object: what each call was and what it answered.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

const [bin, audit, s3prefix] = process.argv.slice(2);
const env = { ...process.env };
const transport = new StdioClientTransport({ command: bin, args: ["mcp", "--audit", audit], env, stderr: "inherit" });
const client = new Client({ name: "observe-test", version: "1.0.0" });
const out = { calls: [] };
const call = async (what, name, args, meta) => {
  const params = { name, arguments: args };
  if (meta) params._meta = meta;
  const r = await client.callTool(params, undefined, { timeout: 120000 });
  out.calls.push({ what, name, isError: !!r.isError, structured: r.structuredContent || null });
  return r;
};

await client.connect(transport);
let r = await call("ok with an inline file", "execute_code",
  { code: "print(open('/work/a.csv').read().count('\\n'))", files: [{ name: "a.csv", content: "x,y\n1,2\n" }] });
out.outputId = r.structuredContent.outputId;
await call("raises", "execute_code", { code: "raise ValueError('boom')" });
await call("traced", "execute_code", { code: "print('traced')" },
  { traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" });
await call("writes a report", "execute_code", { code: "open('/out/r.txt','w').write('report')" }).then((x) => {
  out.reportOutput = x.structuredContent.outputId;
});
await call("upload", "upload_artifact", { outputId: out.reportOutput, path: "r.txt", s3Uri: s3prefix + "r.txt" });
r = await call("start", "start_session", {});
const sid = r.structuredContent.sessionId;
out.sessionId = sid;
await call("in session", "execute_code", { sessionId: sid, code: "x = 41\nprint(x + 1)",
  files: [{ name: "b.txt", content: "hello" }] });
await call("write_files", "write_files", { sessionId: sid, files: [{ path: "c.txt", content: "written" }] });
await call("stop", "stop_session", { sessionId: sid });
await call("stop again", "stop_session", { sessionId: sid });
await client.close();
console.log(JSON.stringify(out));
