// The editors' workspace in a real browser: the whole path in both publication flows, keyboard use,
// and zero axe-core violations on the dashboard, form, review, admin and own-sessions pages.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { makeEnv, serve, browser, noViolations, screenshot, login, cleanUp } from "../lib.mjs";

let env, server, chrome;

before(async () => {
  env = makeEnv();
  env.cli("org", "add", "--code", "zwolle", "--name", "Gemeente Zwolle", "--type", "gemeente", "--flow", "four_eyes");
  env.cli("org", "add", "--code", "assen", "--name", "Gemeente Assen", "--type", "gemeente", "--flow", "central");
  env.cli("org", "add", "--code", "emmen", "--name", "Gemeente Emmen", "--type", "gemeente");
  env.cli("user", "add", "--email", "redacteur@zwolle.nl", "--name", "Rosa Redacteur", "--org", "zwolle", "--role", "editor");
  env.cli("user", "add", "--email", "goedkeurder@zwolle.nl", "--name", "Gijs Goedkeurder", "--org", "zwolle", "--role", "approver");
  env.cli("user", "add", "--email", "beheer@zwolle.nl", "--name", "Bea Beheer", "--org", "zwolle", "--role", "org_admin");
  env.cli("user", "add", "--email", "redacteur@assen.nl", "--name", "Ali Redacteur", "--org", "assen", "--role", "editor");
  env.cli("user", "add", "--email", "redacteur@emmen.nl", "--name", "Eva Redacteur", "--org", "emmen", "--role", "editor");
  env.cli("user", "add", "--email", "centraal@algoreg.nl", "--name", "Centrale Beheerder", "--operator");
  env.cli("user", "add", "--email", "toezicht@algoreg.nl", "--name", "Tessa Toezicht", "--supervisor");
  const template = join(env.dir, "Leverancier.json");
  writeFileSync(template, JSON.stringify([{
    name: "Parkeervergunningen toetsen",
    description_short: "Het systeem controleert aanvragen voor een parkeervergunning aan de hand van de regels van de gemeente.",
    organization: null, status: "In gebruik", publication_category: "Overige algoritmes", category: ["Verkeer"],
    goal: "<p>Inwoners krijgen sneller een besluit over hun vergunning.</p>", provider: "Voorbeeld Leverancier BV",
    lawful_basis_grouping: [{ title: "Wegenverkeerswet 1994", link: "https://wetten.overheid.nl/BWBR0006622" }],
  }]));
  env.cli("template", "import", template);
  server = await serve(env);
  chrome = await browser();
});

cleanUp(() => [chrome, server]);

test("four eyes: register from a template, validate, release, reject, fix, approve, public page", async () => {
  const ctx = await chrome.newContext({ bypassCSP: true });
  const page = await ctx.newPage();
  await login(page, server.base, "redacteur@zwolle.nl");
  assert.match(page.url(), /\/nl\/beheer\/org\/zwolle$/);
  await noViolations(page, "dashboard");
  await screenshot(page, "workspace-dashboard");

  await page.click("text=Nieuwe registratie");
  await page.selectOption("#template", { label: "Parkeervergunningen toetsen (Leverancier)" });
  await Promise.all([page.waitForNavigation(), page.click("text=Sjabloon gebruiken")]);
  assert.equal(await page.inputValue("#field-name"), "Parkeervergunningen toetsen");
  await noViolations(page, "form");
  await screenshot(page, "workspace-form");

  // A bad link: the error summary links to the field; nothing is stored.
  await page.fill("#field-website", "zwolle.nl/parkeren");
  await Promise.all([page.waitForNavigation(), page.click("text=Opslaan als concept")]);
  const summary = page.locator(".error-summary");
  assert.match(await summary.innerText(), /Link naar publiekspagina/);
  await noViolations(page, "form with errors");
  await screenshot(page, "workspace-form-errors");
  await page.fill("#field-website", "https://www.zwolle.nl/parkeren");
  await page.fill("#field-contact_email", "algoritmes@zwolle.nl");
  await Promise.all([page.waitForNavigation(), page.click("text=Opslaan als concept")]);
  assert.match(await page.locator("p.notice").innerText(), /Opgeslagen/);
  const recordUrl = page.url().split("?")[0];
  const id = recordUrl.split("/").pop();

  // The AI Act check: one question per page, answered with the keyboard-operable radio buttons.
  await page.goto(recordUrl + "/ai-act");
  await noViolations(page, "AI Act question");
  await screenshot(page, "workspace-ai-act-question");
  for (const choice of [0, 0, 2, 1, 2, 1, 1, 0]) {
    await page.check(`#k${choice}`);
    await Promise.all([page.waitForNavigation(), page.click("button:has-text('Volgende')")]);
  }
  assert.match(await page.locator("main").innerText(), /transparantieverplichtingen/);
  await noViolations(page, "AI Act outcome");
  await screenshot(page, "workspace-ai-act-outcome");
  await Promise.all([page.waitForNavigation(), page.click("button:has-text('Uitkomst opslaan')")]);
  assert.match(await page.locator("p.notice").innerText(), /Gedaan/);
  // The requirements that follow, kept up to date on the check's page.
  await page.goto(recordUrl + "/ai-act");
  assert.match(await page.locator("main").innerText(), /Vereisten bijhouden/);
  await noViolations(page, "AI Act requirements");
  await screenshot(page, "workspace-ai-act-requirements");

  // A preview link for a reviewer without an account: the draft, as the public will see it.
  await page.goto(recordUrl + "/voorbeeld");
  await noViolations(page, "preview");
  await Promise.all([page.waitForNavigation(), page.click("button:has-text('Voorbeeldlink maken')")]);
  await noViolations(page, "preview with its link");
  const previewLink = await page.inputValue("#preview-link");
  const anyone = await (await chrome.newContext({ bypassCSP: true })).newPage();
  await anyone.goto(previewLink.replace(/^https?:\/\/[^/]+/, server.base));
  assert.match(await anyone.locator("h1").innerText(), /Parkeervergunningen toetsen/);
  await noViolations(anyone, "preview by link");
  await page.goto(recordUrl);

  await Promise.all([page.waitForNavigation(), page.click("button:has-text('Vrijgeven')")]);
  assert.match(await page.locator(".facts").innerText(), /Vrijgegeven/);
  assert.equal(await page.locator("button:has-text('Publiceren')").count(), 0, "no publish button for the editor");

  // The approver publishes the first version.
  const actx = await chrome.newContext({ bypassCSP: true });
  const ap = await actx.newPage();
  await login(ap, server.base, "goedkeurder@zwolle.nl");
  assert.match(await ap.locator(".todo").innerText(), /Parkeervergunningen toetsen/);
  await ap.goto(recordUrl);
  await Promise.all([ap.waitForNavigation(), ap.click("button:has-text('Publiceren')")]);
  await ap.goto(server.base + "/nl/algoritme/" + id);
  assert.match(await ap.locator("h1").innerText(), /Parkeervergunningen toetsen/);

  // A second version: the approver sees the word-level difference and rejects with a reason.
  await page.goto(recordUrl + "/bewerken");
  await page.fill("#field-description_short", "Het systeem controleert elke aanvraag voor een parkeervergunning aan de hand van de regels van de gemeente Zwolle.");
  // A field withheld on a legal ground, and an English name written by the editor.
  const opened = (id) => page.locator(id).locator("xpath=ancestor::details[1]/summary").click();
  await opened("#field-withheld-methods_and_models-ground");
  await page.selectOption("#field-withheld-methods_and_models-ground", "woo-5.1.2.d");
  await page.fill("#field-withheld-methods_and_models-explanation", "De precieze regels blijven intern, zodat controles werken.");
  await opened("#field-translations-en-name");
  await page.fill("#field-translations-en-name", "Checking parking permits");
  await noViolations(page, "form with a withheld field and a translation");
  await screenshot(page, "workspace-form-withheld");
  await Promise.all([page.waitForNavigation(), page.click("text=Opslaan als concept")]);
  await Promise.all([page.waitForNavigation(), page.click("button:has-text('Vrijgeven')")]);
  await ap.goto(recordUrl);
  assert.ok(await ap.locator(".review ins").count() > 0, "insertions marked");
  assert.match(await ap.locator("main").innerText(), /Afgeschermd in deze versie/);
  await noViolations(ap, "review");
  await screenshot(ap, "workspace-review");
  await ap.fill("#reason-reject", "Noem ook wat de inwoner merkt.");
  await Promise.all([ap.waitForNavigation(), ap.click("button:has-text('Afwijzen')")]);

  await page.goto(recordUrl);
  assert.match(await page.locator("table.history").innerText(), /Noem ook wat de inwoner merkt/);
  await page.goto(recordUrl + "/bewerken");
  await page.fill("#field-goal", "Inwoners krijgen sneller een besluit over hun vergunning. U merkt dit aan een kortere wachttijd.");
  await Promise.all([page.waitForNavigation(), page.click("text=Opslaan als concept")]);
  await Promise.all([page.waitForNavigation(), page.click("button:has-text('Vrijgeven')")]);
  await ap.goto(recordUrl);
  await Promise.all([ap.waitForNavigation(), ap.click("button:has-text('Publiceren')")]);
  await ap.goto(server.base + "/nl/algoritme/" + id);
  assert.match(await ap.locator("main").innerText(), /kortere wachttijd/);
  assert.match(await ap.locator("main").innerText(), /AI-verordening/);
  await noViolations(ap, "public record with the AI Act summary");
  assert.match(await ap.locator("main").innerText(), /Niet openbaar gemaakt/);
  await ap.goto(server.base + "/en/algoritme/" + id);
  assert.match(await ap.locator("h1").innerText(), /Checking parking permits/);
  await noViolations(ap, "English record with a translation and a withheld field");
  await screenshot(ap, "public-record");
  await ctx.close();
  await actx.close();
});

test("shared registration: published by one organisation, adopted by another with only its own fields", async () => {
  const ctx = await chrome.newContext({ bypassCSP: true });
  const page = await ctx.newPage();
  await login(page, server.base, "redacteur@assen.nl");
  await page.goto(server.base + "/nl/beheer/org/assen/nieuw");
  await page.fill("#field-name", "Zaaksysteem Meldingen Openbare Ruimte");
  await page.fill("#field-description_short", "Het zaaksysteem verdeelt meldingen over de openbare ruimte over de teams die ze oplossen.");
  await page.selectOption("#field-status", "In gebruik");
  await page.fill("#field-contact_email", "algoritmes@assen.nl");
  await page.selectOption("#field-publication_category", "Overige algoritmes");
  await page.check("#field-shared");
  await Promise.all([page.waitForNavigation(), page.click("text=Opslaan als concept")]);
  const sharedUrl = page.url().split("?")[0];
  const shared = sharedUrl.split("/").pop();
  await Promise.all([page.waitForNavigation(), page.click("button:has-text('Vrijgeven')")]);
  const octx = await chrome.newContext({ bypassCSP: true });
  const op = await octx.newPage();
  await login(op, server.base, "centraal@algoreg.nl");
  await op.goto(sharedUrl);
  await Promise.all([op.waitForNavigation(), op.click("button:has-text('Publiceren')")]);

  const ectx = await chrome.newContext({ bypassCSP: true });
  const ed = await ectx.newPage();
  await login(ed, server.base, "redacteur@emmen.nl");
  await ed.goto(server.base + "/nl/algoritme/" + shared);
  assert.match(await ed.locator("main").innerText(), /Gedeelde registratie/);
  await noViolations(ed, "shared registration's public page");
  await Promise.all([ed.waitForNavigation(), ed.click("text=Neem de registratie over")]);
  assert.match(ed.url(), /\/beheer\/org\/emmen\/nieuw\?adopt=/);
  assert.equal(await ed.locator("#field-description_short").count(), 0, "the shared part is not asked for");
  await noViolations(ed, "adoption form");
  await screenshot(ed, "workspace-adoption-form");
  await ed.fill("#field-goal", "Meldingen in Emmen sneller bij het juiste team.");
  await ed.fill("#field-contact_email", "algoritmes@emmen.nl");
  await Promise.all([ed.waitForNavigation(), ed.click("text=Opslaan als concept")]);
  assert.match(await ed.locator("main").innerText(), /neemt de gedeelde registratie/);
  await noViolations(ed, "adopting registration's page");
  await ctx.close();
  await octx.close();
  await ectx.close();
});

test("central flow: the editor releases, the central operator publishes", async () => {
  const ctx = await chrome.newContext({ bypassCSP: true });
  const page = await ctx.newPage();
  await login(page, server.base, "redacteur@assen.nl");
  await page.goto(server.base + "/nl/beheer/org/assen/nieuw");
  await page.fill("#field-name", "Afvalroutes plannen");
  await page.fill("#field-description_short", "Het algoritme plant de routes van de vuilniswagens met gegevens van sensoren in containers.");
  await page.check("text=Natuur en milieu");
  await page.selectOption("#field-status", "In gebruik");
  await page.fill("#field-contact_email", "algoritmes@assen.nl");
  await page.selectOption("#field-publication_category", "Overige algoritmes");
  await Promise.all([page.waitForNavigation(), page.click("text=Opslaan als concept")]);
  const recordUrl = page.url().split("?")[0];
  const id = recordUrl.split("/").pop();

  await Promise.all([page.waitForNavigation(), page.click("button:has-text('Vrijgeven')")]);

  const octx = await chrome.newContext({ bypassCSP: true });
  const op = await octx.newPage();
  await login(op, server.base, "centraal@algoreg.nl");
  assert.match(await op.locator("main").innerText(), /Afvalroutes plannen/);
  await op.goto(recordUrl);
  await Promise.all([op.waitForNavigation(), op.click("button:has-text('Publiceren')")]);
  const res = await op.goto(server.base + "/nl/algoritme/" + id);
  assert.equal(res.status(), 200);
  await ctx.close();
  await octx.close();
});

test("admin page has no violations; pages of another organisation answer 403", async () => {
  const ctx = await chrome.newContext({ bypassCSP: true });
  const page = await ctx.newPage();
  await login(page, server.base, "beheer@zwolle.nl");
  await page.goto(server.base + "/nl/beheer/org/zwolle/instellingen");
  await noViolations(page, "admin");
  await screenshot(page, "workspace-admin");
  await page.goto(server.base + "/nl/account/sessies");
  await noViolations(page, "own sessions");
  await page.goto(server.base + "/en/account/sessies");
  await noViolations(page, "own sessions (English)");
  await page.goto(server.base + "/nl/beheer/org/zwolle/logboek");
  assert.match(await page.locator("main").innerText(), /ingelogd/);
  await noViolations(page, "audit log");
  await page.goto(server.base + "/en/beheer/org/zwolle/logboek");
  await noViolations(page, "audit log (English)");
  await page.goto(server.base + "/nl/account/tweestaps");
  assert.match(await page.locator("main").innerText(), /QR-code/);
  await noViolations(page, "second factor");
  await page.goto(server.base + "/en/account/tweestaps");
  await noViolations(page, "second factor (English)");
  const res = await page.goto(server.base + "/nl/beheer/org/assen");
  assert.equal(res.status(), 403);
  await noViolations(page, "403 page");
  await ctx.close();
});

test("keyboard only: log in and reach the form fields in order", async () => {
  const ctx = await chrome.newContext({ bypassCSP: true });
  const page = await ctx.newPage();
  await page.goto(server.base + "/nl/login");
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement.className), "skip", "the skip link comes first");
  await page.keyboard.press("Enter");
  for (let i = 0; i < 10 && (await page.evaluate(() => document.activeElement.id)) !== "email"; i++) await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement.id), "email");
  await page.keyboard.type("redacteur@zwolle.nl");
  await page.keyboard.press("Tab");
  await page.keyboard.type("een-lang-wachtwoord");
  await Promise.all([page.waitForNavigation(), page.keyboard.press("Enter")]);
  assert.match(page.url(), /beheer\/org\/zwolle/);
  await page.goto(server.base + "/en/beheer/org/zwolle/nieuw");
  assert.equal(await page.getAttribute("html", "lang"), "en");
  await noViolations(page, "English form");
  await ctx.close();
});

test("sources: the operator adds a feed, harvests it and reads its health in plain words", async () => {
  const ctx = await chrome.newContext({ bypassCSP: true });
  const page = await ctx.newPage();
  await login(page, server.base, "centraal@algoreg.nl");
  await page.goto(server.base + "/nl/beheer/bronnen");
  await noViolations(page, "sources page (empty)");
  // A wrong address is refused with the field named, nothing is added.
  await page.selectOption("#organisation", "zwolle");
  await page.fill("#url", "ftp://voorbeeld.nl/feed");
  await Promise.all([page.waitForNavigation(), page.click("button:has-text('Toevoegen')")]);
  assert.match(await page.locator("[role=alert]").innerText(), /http/);
  assert.match(await page.locator("main").innerText(), /nog geen bronnen/);
  // This server's own feed: loopback is not allow-listed, so the harvest is refused and says why.
  await page.selectOption("#organisation", "zwolle");
  await page.fill("#url", server.base + "/feed/v1/register.json");
  await Promise.all([page.waitForNavigation(), page.click("button:has-text('Toevoegen')")]);
  assert.match(await page.locator("[role=status]").innerText(), /Bron toegevoegd/);
  await noViolations(page, "sources page");
  await Promise.all([page.waitForNavigation(), page.click(`a:has-text('${server.base}/feed/v1/register.json')`)]);
  await Promise.all([page.waitForNavigation(), page.click("button:has-text('Nu ophalen')")]);
  assert.match(await page.locator("[role=status]").innerText(), /Ophalen mislukt: geweigerd/);
  assert.match(await page.locator("main").innerText(), /mislukt/);
  await noViolations(page, "source detail");
  await screenshot(page, "workspace-source");
  // An editor sees no management forms.
  const ectx = await chrome.newContext({ bypassCSP: true });
  const ed = await ectx.newPage();
  await login(ed, server.base, "redacteur@zwolle.nl");
  await ed.goto(server.base + "/nl/beheer/bronnen");
  assert.equal(await ed.locator("#url").count(), 0);
  assert.match(await ed.locator("main").innerText(), /register\.json/, "the organisation sees its own source");
  await ectx.close();
  await ctx.close();
});

test("supervision: the supervisor reaches the view from the workspace, filters it, no violations", async () => {
  const ctx = await chrome.newContext({ bypassCSP: true });
  const page = await ctx.newPage();
  await login(page, server.base, "toezicht@algoreg.nl");
  await Promise.all([page.waitForNavigation(), page.click("a[href='/nl/toezicht']")]);
  assert.match(await page.locator("h1").innerText(), /Toezicht/);
  await noViolations(page, "supervision view");
  await page.selectOption("#org_type", "gemeente");
  await Promise.all([page.waitForNavigation(), page.click("form.filters button")]);
  assert.match(page.url(), /org_type=gemeente/);
  assert.match(await page.locator("#t-not-publishing").locator("..").innerText(), /Gemeente Emmen/);
  await noViolations(page, "supervision view, filtered");
  await screenshot(page, "supervision");
  await page.goto(server.base + "/en/toezicht");
  await noViolations(page, "supervision view (English)");
  await ctx.close();
});
