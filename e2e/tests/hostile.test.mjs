// Hostile text in a real browser: a registration, a citizen's signal and the public answer carry script,
// SVG, event-handler and javascript: payloads. No page that shows the stored text runs any of it, even
// with the Content-Security-Policy switched off (so escaping and sanitising alone must hold), and no link
// or event handler from the payloads is left in the page.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { makeEnv, serve, browser, cleanUp } from "../lib.mjs";

const PAYLOADS = [
  `<script>window.__pwned=1</script>`,
  `<img src=x onerror="window.__pwned=2">`,
  `<svg onload="window.__pwned=3"><circle r="1"/></svg>`,
  `<a href="javascript:window.__pwned=4">klik</a>`,
  `"><script>window.__pwned=5</script>`,
  `<iframe src="javascript:window.top.__pwned=6"></iframe>`,
  `<p style="x" onmouseover="window.__pwned=7">zweef</p>`,
  `=HYPERLINK("https://evil.example","klik")`,
];
const ALL = PAYLOADS.join(" ");

let env, server, chrome, id, code;

before(async () => {
  env = makeEnv();
  env.cli("org", "add", "--code", "zwolle", "--name", "Gemeente Zwolle", "--type", "gemeente", "--flow", "four_eyes");
  const token = env.cli("token", "create", "--org", "zwolle", "--role", "editor").trim();
  const file = join(env.dir, "registratie.json");
  writeFileSync(file, JSON.stringify([{
    name: `Parkeren "><script>window.__pwned=5</script>`,
    description_short: `Het algoritme toetst aanvragen. ${ALL}`,
    organization: "Gemeente Zwolle", status: "In gebruik", publication_category: "Impactvolle algoritmes", category: ["Verkeer"],
    begin_date: "2023-04", contact_email: "algoritmes@zwolle.nl",
    goal: `<p>Sneller een besluit.</p>${ALL}`,
    proportionality: ALL,
    lawful_basis_grouping: [{ title: ALL, link: "https://wetten.overheid.nl/BWBR0006622" }, { title: "x", link: "javascript:window.__pwned=8" }],
  }]));
  try { env.cli("import", "--org", "zwolle", "--publish", file); } catch { /* refused records are reported; the test checks what is public */ }
  server = await serve(env, ["--signal-limit-address", "0"]);
  const list = await (await fetch(server.base + "/api/v1/algorithms?per_page=1")).json();
  assert.equal(list.items.length, 1, "the registration is public");
  id = list.items[0].id;
  const sig = await fetch(`${server.base}/api/v1/algorithms/${id}/signals`, {
    method: "POST", headers: { "content-type": "application/json" },
    body: JSON.stringify({ kind: "question", text: `Een vraag. ${ALL}` }),
  });
  assert.equal(sig.status, 201);
  code = (await sig.json()).tracking_code;
  const inbox = await (await fetch(`${server.base}/api/v1/organisations/zwolle/signals`, { headers: { authorization: `Bearer ${token}` } })).json();
  const ans = await fetch(`${server.base}/api/v1/signals/${inbox[0].id}/answer`, {
    method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ text: `Ons antwoord. ${ALL}`, public: true }),
  });
  assert.ok(ans.status < 300, `answer: ${ans.status} ${await ans.text()}`);
  chrome = await browser();
});

cleanUp(() => [chrome, server]);

test("no page that shows the stored text runs a payload", async () => {
  const ctx = await chrome.newContext({ bypassCSP: true });
  const page = await ctx.newPage();
  const dialogs = [];
  page.on("dialog", async (d) => { dialogs.push(d.message()); await d.dismiss(); });
  const pages = [
    `/nl/algoritme/${id}`, `/en/algoritme/${id}`, `/nl/algoritme/${id}/versies`, `/nl/algoritme/${id}/signaal`,
    `/nl/search?q=parkeren`, `/nl/search?q=${encodeURIComponent(PAYLOADS[0])}`, `/nl/organisatie/zwolle`, `/nl/signaal/${code}`, `/nl/`,
  ];
  for (const p of pages) {
    const r = await page.goto(server.base + p);
    assert.ok(r.status() < 500, `${p}: ${r.status()}`);
    await page.mouse.move(200, 300);
    const found = await page.evaluate(() => ({
      pwned: window.__pwned ?? null,
      handlers: document.querySelectorAll("[onerror],[onload],[onmouseover],[onclick]").length,
      js: [...document.querySelectorAll("[href],[src]")].filter((e) => /^\s*javascript:/i.test(e.getAttribute("href") ?? e.getAttribute("src") ?? "")).length,
      scripts: [...document.querySelectorAll("script")].filter((s) => !(s.src && new URL(s.src).pathname === "/static/algoreg.js")).length,
      frames: document.querySelectorAll("iframe, svg[onload]").length,
    }));
    assert.deepEqual(found, { pwned: null, handlers: 0, js: 0, scripts: 0, frames: 0 }, p);
  }
  assert.deepEqual(dialogs, []);
  await ctx.close();
});
