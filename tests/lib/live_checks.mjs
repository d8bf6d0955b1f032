// tests/lib/live_checks.mjs — the checks of a run's output streamed as MCP
// progress notifications (README, "MCP": progress), shared by the stdio
// (tests/mcp) and the Streamable HTTP (tests/mcphttp) SDK clients.
//
// liveChecks(client, check, label, { flood }) runs them through client (an
// SDK Client already connected): cold or warm is the server's business (the
// caller says which in label); a session is made here.

const LINE = /^\[(stdout|stderr)\] /;
const BUDGET = { perSecond: 2, messageBytes: 4096, lines: 8 + 2 + 1 };   // README: 8 lines, 2 unfinished, 1 count
const CONTROL = /[\x00-\x09\x0b-\x1f\x7f-\x9f]/;   // anything but \n between the lines

// Call a tool with a progress token; the notifications as they came, each
// with its arrival time, and the result's arrival time.
async function withProgress(client, args) {
  const progress = [];
  const t0 = Date.now();
  const r = await client.callTool({ name: "execute_code", arguments: args }, undefined,
    { onprogress: (p) => progress.push({ ...p, at: Date.now() - t0 }), timeout: 180000 });
  return { r, progress, done: Date.now() - t0 };
}

const lines = (p) => (p.message || "").split("\n").filter((l) => LINE.test(l));
const shown = (progress) => progress.flatMap(lines);
const brief = (progress) => JSON.stringify(progress.map((p) => [p.at, p.progress, p.message])).slice(0, 1500);

// Every message within the budget, progress increasing, nothing unprintable.
function withinBudget(progress, seconds) {
  return progress.length <= BUDGET.perSecond * seconds + 2 &&
    progress.every((p, i) => (i === 0 || p.progress > progress[i - 1].progress) &&
      Buffer.byteLength(p.message || "") <= BUDGET.messageBytes &&
      p.message.split("\n").length <= 1 + BUDGET.lines && !CONTROL.test(p.message));
}

// Lines printed with pauses between them show up while the code runs: each
// in a notification that came well before the result, in order, stdout and
// stderr told apart.
async function paced(client, check, label, session) {
  const code = "import sys, time\nfor i in range(4):\n    print('tick', i)\n    time.sleep(0.8)\n" +
    "print('careful', file=sys.stderr)\ntime.sleep(2.5)\n";
  const { r, progress, done } = await withProgress(client, session ? { code, sessionId: session } : { code });
  const all = shown(progress);
  const firstTick = progress.find((p) => lines(p).includes("[stdout] tick 0"));
  const order = ["[stdout] tick 0", "[stdout] tick 1", "[stdout] tick 2", "[stdout] tick 3", "[stderr] careful"]
    .map((l) => all.indexOf(l));
  check(!r.isError && r.structuredContent.stdout === "tick 0\ntick 1\ntick 2\ntick 3\n" && firstTick &&
        firstTick.at < done - 2000 && order.every((x, i) => x >= 0 && (i === 0 || x > order[i - 1])) &&
        progress.every((p) => p.at <= done) && withinBudget(progress, done / 1000 + 1) &&
        progress.every((p) => /^execute_code running for \d+ s/.test(p.message)),
    `${label}: printed lines come as progress messages while the code runs, in order, before the result`,
    brief(progress) + ` result at ${done}`);
  // silence after the output: the heartbeat alone
  const quiet = progress.filter((p) => p.at > (progress.find((q) => lines(q).includes("[stderr] careful"))?.at ?? done) + 600);
  check(quiet.length >= 1 && quiet.every((p) => /^execute_code running for \d+ s$/.test(p.message)),
    `${label}: with no new output the message is the "running for N s" heartbeat alone`, brief(progress));
}

// A tqdm-style bar (\r rewrites, ANSI colours), and bytes that are not
// UTF-8 or are control characters: each message shows the bar's latest
// state as one printable line.
async function rewrites(client, check, label) {
  const code = "import sys, time\nfor i in range(0, 101, 10):\n" +
    "    sys.stderr.write('\\r\\x1b[32m%3d%%|' % i + '#' * (i // 10) + '\\x1b[0m|'); sys.stderr.flush(); time.sleep(0.25)\n" +
    "sys.stderr.write('\\n')\nsys.stdout.buffer.write(b'bad \\xff\\xfe bytes \\x07bell \\x00nul\\n'); sys.stdout.flush()\n" +
    "time.sleep(1.2)\n";
  const { r, progress, done } = await withProgress(client, { code });
  const all = shown(progress);
  const bars = all.filter((l) => /^\[stderr\] +\d+%\|#*\|$/.test(l));
  check(!r.isError && bars.length >= 2 && all.includes("[stderr] 100%|##########|") &&
        !all.some((l) => /\d+%.*\d+%/.test(l)) && withinBudget(progress, done / 1000 + 1),
    `${label}: a \\r progress bar shows its latest state, colours removed, one bar per line`, brief(progress));
  check(all.includes("[stdout] bad \uFFFD\uFFFD bytes \uFFFDbell \uFFFDnul") &&
        /^bad .* bytes \u0007bell /.test(r.structuredContent.stdout),
    `${label}: invalid UTF-8 and control characters become U+FFFD in the message (the record keeps its own form)`,
    brief(progress) + " " + JSON.stringify(r.structuredContent?.stdout));
}

// 10^6 lines, and one line of 3 MB: a bounded number of bounded messages,
// the latest lines and a count of the rest; the record is the one a call
// without a progress token gets.
async function flood(client, check, label) {
  const many = "for i in range(10**6):\n    print(i % 10)\n";
  let { r, progress, done } = await withProgress(client, { code: many });
  const plain = await client.callTool({ name: "execute_code", arguments: { code: many } }, undefined, { timeout: 180000 });
  const counted = progress.some((p) => /\n\[\d+ earlier lines? not shown\]/.test(p.message) && lines(p).length >= 4);
  check(!r.isError && r.structuredContent.stdout.length === 2000000 && !r.structuredContent.stdoutTruncated &&
        r.structuredContent.stdout === plain.structuredContent.stdout && counted && withinBudget(progress, done / 1000 + 1),
    `${label}: 10^6 lines: at most ${BUDGET.perSecond}/s messages of <= ${BUDGET.messageBytes} bytes with the latest ` +
    "lines and a count of the rest; the record equals a call's without progressToken",
    `${progress.length} in ${done} ms: ` + brief(progress.slice(0, 4)));
  const huge = "import sys, time\nsys.stdout.write('y' * 3000000); sys.stdout.flush()\ntime.sleep(1.2)\nprint()\ntime.sleep(0.6)\n";
  ({ r, progress, done } = await withProgress(client, { code: huge }));
  const cut = shown(progress).find((l) => /^\[stdout\] y+…$/.test(l));
  check(!r.isError && r.structuredContent.stdout === "y".repeat(3000000) + "\n" && cut && cut.length < 300 &&
        withinBudget(progress, done / 1000 + 1),
    `${label}: one 3 MB line: the message shows its start, cut with …; the record has all of it`,
    brief(progress) + ` stdout ${r.structuredContent?.stdout?.length}`);
}

export async function liveChecks(client, check, label, opts = {}) {
  await paced(client, check, label);
  await rewrites(client, check, label);
  if (opts.flood)
    await flood(client, check, label);
  const s = await client.callTool({ name: "start_session", arguments: {} });
  const sid = s.structuredContent?.sessionId;
  await paced(client, check, `${label}, session`, sid);
  await client.callTool({ name: "stop_session", arguments: { sessionId: sid } });
}
