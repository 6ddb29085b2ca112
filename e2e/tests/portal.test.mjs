// The public portal in a real browser on the demo data: zero axe-core violations on home, results,
// record, organisation, history and comparison pages; keyboard use; screenshots for docs/.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { makeEnv, serve, browser, axe, screenshot, cleanUp } from "../lib.mjs";

let server, chrome, ctx, page;

before(async () => {
  const env = makeEnv();
  server = await serve(env, ["--demo"]);
  chrome = await browser();
  ctx = await chrome.newContext({ bypassCSP: true });
  page = await ctx.newPage();
});

cleanUp(() => [ctx, chrome, server]);

async function check(name) {
  const v = await axe(page);
  assert.deepEqual(v, [], `${name} (${page.url()}): ${JSON.stringify(v, null, 1)}`);
  await screenshot(page, name);
}

test("home, search results with facets, record, organisation, history and comparison", async () => {
  await page.goto(server.base + "/nl/");
  await check("portal-home");

  await page.fill("#q", "parkeervergunning");
  await Promise.all([page.waitForNavigation(), page.click("form.search button")]);
  assert.match(await page.locator(".results > p[role=status]").innerText(), /\d+ resultaten/);
  await check("portal-results");

  await page.click(".facet >> text=/Verkeer \\(\\d+\\)/");
  assert.match(page.url(), /theme=Verkeer/);

  await page.click("ol.hits li.hit h2 a >> nth=0");
  await page.waitForLoadState();
  assert.match(page.url(), /\/nl\/algoritme\/\d{8}$/);
  await check("portal-record");

  await page.click(".crumbs a");
  await page.waitForLoadState();
  assert.match(page.url(), /\/nl\/organisatie\//);
  await check("portal-organisation");

  // E-mail alerts for this organisation: the form, and the answer after subscribing.
  const orgPage = page.url();
  await Promise.all([page.waitForNavigation(), page.click("text=Volg deze organisatie per e-mail")]);
  assert.match(page.url(), /\/nl\/meldingen\?org=/);
  await check("alerts-subscribe");
  await page.fill("#email", "lezer@example.org");
  await page.check("#frequency-daily");
  await Promise.all([page.waitForNavigation(), page.click("form.narrow button.primary")]);
  assert.match(await page.locator("h1").innerText(), /Kijk in uw mailbox/);
  await check("alerts-check-mail");
  await page.goto(orgPage);

  // A record with several published versions: history and a comparison.
  const res = await fetch(server.base + "/downloads/history.json");
  const versions = await res.json();
  const counts = {};
  versions.forEach((v) => { counts[v.id] = (counts[v.id] || 0) + 1; });
  const multi = Object.keys(counts).find((id) => counts[id] >= 2);
  assert.ok(multi, "the demo data has records with several versions");
  await page.goto(server.base + "/nl/algoritme/" + multi + "/versies");
  assert.ok(await page.locator(".diff ins, .diff del").count() > 0, "differences marked");
  await check("portal-history-diff");

  // The proof that the public version is in the signed publication log, in plain words.
  for (let i = 0; i < 50; i++) {
    await page.goto(server.base + "/nl/algoritme/" + multi + "/bewijs");
    if ((await page.locator("main").innerText()).includes("Klopt.")) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.match(await page.locator("main").innerText(), /Klopt\./);
  await check("portal-log-proof");

  await page.goto(server.base + "/en/search?q=uitkering");
  assert.equal(await page.getAttribute("html", "lang"), "en");
  await check("portal-results-en");
});

test("keyboard: skip link, search box and results reachable without a mouse", async () => {
  await page.goto(server.base + "/nl/");
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement.textContent), "Naar de inhoud");
  for (let i = 0; i < 12 && (await page.evaluate(() => document.activeElement.id)) !== "q"; i++) await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement.id), "q");
  await page.keyboard.type("afvalinzameling");
  await Promise.all([page.waitForNavigation(), page.keyboard.press("Enter")]);
  assert.match(page.url(), /search\?q=afvalinzameling/);
  // Tab reaches the first result link.
  let reached = false;
  for (let i = 0; i < 200 && !reached; i++) {
    await page.keyboard.press("Tab");
    reached = await page.evaluate(() => !!document.activeElement.closest("li.hit"));
  }
  assert.ok(reached, "a result link is reachable by keyboard");
  const focusStyle = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  assert.notEqual(focusStyle, "none", "focus is visible");
});

test("the overview: charts with their tables, opened tables, both languages", async () => {
  await page.goto(server.base + "/nl/");
  await Promise.all([page.waitForNavigation(), page.click("a[href='/nl/overzicht']")]);
  assert.equal(await page.locator("svg.chart[role=img]").count() >= 3, true, "charts drawn on the server");
  assert.match(await page.locator("#s-coverage ~ div table, #s-coverage + p + div table").first().innerText(), /Gemeente/);
  // The tables behind "details" are checked open as well.
  for (const d of await page.locator("details").all()) await d.evaluate((el) => { el.open = true; });
  await check("overview");
  await page.goto(server.base + "/en/overview");
  assert.equal(await page.getAttribute("html", "lang"), "en");
  for (const d of await page.locator("details").all()) await d.evaluate((el) => { el.open = true; });
  await check("overview-en");
});
