// Passkeys in a real browser: Chromium's virtual authenticator (DevTools protocol, WebAuthn domain)
// stands in for a phone or security key. A person adds a passkey while logged in, logs out, logs in with
// the passkey alone, and removes it; the pages pass axe-core. The site runs at http://localhost (a
// secure context; WebAuthn does not take an IP address as the site's ID).
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { envWithAnn, serve, browser, noViolations, freePort, login, cleanUp, PASSWORD } from "../lib.mjs";

let env, server, chrome, base;

before(async () => {
  env = envWithAnn();
  const port = await freePort();
  base = `http://localhost:${port}`;
  server = await serve(env, ["--addr", `127.0.0.1:${port}`, "--public-url", base]);
  chrome = await browser();
});

cleanUp(() => [chrome, server]);

test("adding a passkey, logging in with it alone, and removing it", async () => {
  const ctx = await chrome.newContext({ bypassCSP: true });
  const page = await ctx.newPage();
  const cdp = await ctx.newCDPSession(page);
  await cdp.send("WebAuthn.enable");
  await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: { protocol: "ctap2", transport: "internal", hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  });

  await login(page, base, "ann@delft.nl");
  await page.goto(base + "/nl/account/passkeys");
  await noViolations(page, "passkeys page");
  await page.fill("#passkey-name", "Laptop");
  await page.fill("#passkey-password", PASSWORD);
  await Promise.all([page.waitForEvent("load"), page.click("[data-passkey-add] button")]);
  assert.match(await page.textContent("main table"), /Laptop/);

  await Promise.all([page.waitForURL(/\/nl\/$/), page.click("text=Uitloggen")]);
  await page.goto(base + "/nl/login");
  await noViolations(page, "login page with the passkey button");
  await Promise.all([page.waitForURL(/\/nl\/beheer/), page.click("[data-passkey-login] button")]);
  assert.match(await page.textContent("header"), /Uitloggen \(Ann de Vries\)/);
  const me = await page.evaluate(() => fetch("/api/v1/session").then((r) => r.json()));
  assert.equal(me.roles.length, 1);

  await page.goto(base + "/nl/account/passkeys");
  assert.match(await page.textContent("main"), /Laptop/);
  await Promise.all([page.waitForEvent("load"), page.click("button[aria-label='Verwijderen: Laptop']")]);
  assert.match(await page.textContent("main"), /Passkey verwijderd/);
  assert.match(await page.textContent("main"), /nog geen passkey/);
  // This browser had logged in with that passkey: its session ended with it.
  const after = await page.evaluate(() => fetch("/api/v1/session").then((r) => r.status));
  assert.equal(after, 401);
});
