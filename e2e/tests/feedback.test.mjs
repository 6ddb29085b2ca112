// The feedback loop in a real browser: a citizen signals a problem on a record page, the editor
// answers in public, and both the citizen's status page and the record page show the answer. Also an
// incident reported to the provider and an evaluation schedule; zero axe-core violations on each page.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { makeEnv, serve, browser, noViolations, screenshot, login, cleanUp } from "../lib.mjs";

let env, server, chrome, id;

before(async () => {
  env = makeEnv();
  env.cli("org", "add", "--code", "zwolle", "--name", "Gemeente Zwolle", "--type", "gemeente", "--flow", "four_eyes");
  env.cli("org", "add", "--code", "leverancier", "--name", "Voorbeeld Leverancier BV", "--type", "overig");
  env.cli("user", "add", "--email", "redacteur@zwolle.nl", "--name", "Rosa Redacteur", "--org", "zwolle", "--role", "editor");
  env.cli("user", "add", "--email", "support@leverancier.nl", "--name", "Lev Support", "--org", "leverancier", "--role", "editor");
  const file = join(env.dir, "registratie.json");
  writeFileSync(file, JSON.stringify([{
    name: "Parkeervergunningen toetsen",
    description_short: "Het systeem controleert aanvragen voor een parkeervergunning aan de hand van de regels van de gemeente.",
    organization: "Gemeente Zwolle", status: "In gebruik", publication_category: "Impactvolle algoritmes", category: ["Verkeer"],
    begin_date: "2023-04", contact_email: "algoritmes@zwolle.nl",
    goal: "<p>Inwoners krijgen sneller een besluit over hun vergunning.</p>", provider: "Voorbeeld Leverancier BV",
    lawful_basis_grouping: [{ title: "Wegenverkeerswet 1994", link: "https://wetten.overheid.nl/BWBR0006622" }],
  }]));
  env.cli("import", "--org", "zwolle", "--publish", file);
  server = await serve(env, ["--feedback-tick", "1s"]);
  const list = await (await fetch(server.base + "/api/v1/algorithms?per_page=1")).json();
  id = list.items[0].id;
  chrome = await browser();
});

cleanUp(() => [chrome, server]);

test("a citizen signals, the editor answers in public, the status page and the record page show it", async () => {
  const cctx = await chrome.newContext({ bypassCSP: true });
  const citizen = await cctx.newPage();
  await citizen.goto(server.base + "/nl/algoritme/" + id);
  await noViolations(citizen, "record page with the feedback section");
  await Promise.all([citizen.waitForNavigation(), citizen.click("text=Meld een fout of stel een vraag")]);
  await noViolations(citizen, "signal form");
  // Too short: the form comes back with the field named and the input kept.
  await citizen.check("#kind-error");
  await citizen.fill("#text", "Fout");
  await citizen.evaluate(() => document.querySelector("#text").removeAttribute("minlength"));
  await Promise.all([citizen.waitForNavigation(), citizen.click("button:has-text('Versturen')")]);
  assert.match(await citizen.locator("[role=alert]").innerText(), /text/);
  await noViolations(citizen, "signal form with an error");
  await citizen.fill("#text", "De begindatum in deze registratie klopt niet; het systeem draait al sinds 2021.");
  await Promise.all([citizen.waitForNavigation(), citizen.click("button:has-text('Versturen')")]);
  const code = (await citizen.locator("strong.code").innerText()).trim();
  assert.match(code, /^[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}$/);
  await noViolations(citizen, "confirmation");
  await Promise.all([citizen.waitForNavigation(), citizen.click("text=Naar de stand van zaken")]);
  assert.match(await citizen.locator("dd.status").innerText(), /ontvangen/);
  await noViolations(citizen, "status page");

  // The editor finds it in the inbox and answers in public.
  const ectx = await chrome.newContext({ bypassCSP: true });
  const ed = await ectx.newPage();
  await login(ed, server.base, "redacteur@zwolle.nl");
  await Promise.all([ed.waitForNavigation(), ed.click("a:has-text('Signalen')")]);
  await noViolations(ed, "inbox");
  await screenshot(ed, "feedback-inbox");
  await Promise.all([ed.waitForNavigation(), ed.click("text=De begindatum in deze registratie")]);
  await Promise.all([ed.waitForNavigation(), ed.click("button:has-text('Zelf oppakken')")]);
  assert.match(await ed.locator("dd.status").innerText(), /in behandeling/);
  await noViolations(ed, "signal page");
  await ed.fill("#answer", "Dank u wel. U heeft gelijk: de begindatum is nu 2021-03.");
  await Promise.all([ed.waitForNavigation(), ed.click("button:has-text('Antwoord versturen')")]);
  assert.match(await ed.locator("[role=status]").innerText(), /verstuurd/);
  await screenshot(ed, "feedback-signal");

  // The citizen sees the answer on the status page and on the record page.
  await citizen.goto(server.base + "/nl/signaal/" + code);
  assert.match(await citizen.locator(".answer").innerText(), /begindatum is nu 2021-03/);
  assert.match(await citizen.locator("dd.status").innerText(), /beantwoord/);
  await citizen.goto(server.base + "/nl/algoritme/" + id);
  assert.match(await citizen.locator("section[aria-labelledby=g-feedback]").innerText(), /begindatum is nu 2021-03/);
  await screenshot(citizen, "feedback-record");
  // And the organisation page shows the response figures.
  await citizen.goto(server.base + "/nl/organisatie/zwolle");
  assert.match(await citizen.locator("ul.figures").innerText(), /1\s+signalen ontvangen/);
  assert.match(await citizen.locator("ul.figures").innerText(), /100%/);
  await noViolations(citizen, "organisation page with figures");
  await cctx.close();
  await ectx.close();
});

test("an incident goes to the provider; evaluations are scheduled and overdue ones show", async () => {
  const ctx = await chrome.newContext({ bypassCSP: true });
  const ed = await ctx.newPage();
  await login(ed, server.base, "redacteur@zwolle.nl");
  await ed.goto(server.base + "/nl/beheer/algoritme/" + id + "/incident");
  await noViolations(ed, "incident form");
  await ed.check("#class-serious");
  await ed.fill("#title", "Onterechte weigeringen");
  await ed.fill("#what", "Door een fout in een regel werden aanvragen van bewoners ten onrechte geweigerd.");
  await ed.fill("#noticed", "2026-11-20T09:30");
  await ed.fill("#people", "40");
  await Promise.all([ed.waitForNavigation(), ed.click("button:has-text('Incident melden')")]);
  assert.match(await ed.locator("dd.deadline").innerText(), /2026-12-05 09:30/);
  await noViolations(ed, "incident page");
  await screenshot(ed, "feedback-incident");

  const pctx = await chrome.newContext({ bypassCSP: true });
  const prov = await pctx.newPage();
  await login(prov, server.base, "support@leverancier.nl");
  await prov.goto(server.base + "/nl/beheer/org/leverancier/incidenten");
  await Promise.all([prov.waitForNavigation(), prov.click("text=Onterechte weigeringen")]);
  await prov.check("#ev-acknowledged");
  await prov.fill("#ev-text", "Ontvangen; we onderzoeken het.");
  await Promise.all([prov.waitForNavigation(), prov.click("button:has-text('Toevoegen')")]);
  assert.match(await prov.locator("ol.timeline").innerText(), /ontvangst bevestigd door de aanbieder/);
  await pctx.close();

  await ed.goto(server.base + "/nl/beheer/algoritme/" + id + "/evaluaties");
  await noViolations(ed, "evaluations page");
  await ed.fill("#interval", "12");
  await ed.fill("#next_due", "2026-01-15");
  await Promise.all([ed.waitForNavigation(), ed.click("button:has-text('Schema opslaan')")]);
  assert.match(await ed.locator("main").innerText(), /dagen te laat/);
  await ed.goto(server.base + "/nl/beheer/org/zwolle");
  assert.match(await ed.locator("main").innerText(), /Evaluatie van Parkeervergunningen toetsen/);
  await noViolations(ed, "dashboard with overdue evaluation");
  const page = await ctx.newPage();
  await page.goto(server.base + "/nl/algoritme/" + id);
  assert.match(await page.locator("section[aria-labelledby=g-evaluations]").innerText(), /Te laat/);
  await ctx.close();
});
