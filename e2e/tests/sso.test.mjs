// Single sign-on in a real browser against a real OpenID provider (the `oidc-provider` package, see
// e2e/oidc/provider.mjs): the login page with the organisation's button passes axe-core, the button
// leads through the provider and back, and the person arrives logged in (the session cookie is
// SameSite=Strict, so the way back must end in a request from the site itself); logging out ends the
// session at algoreg and at the provider.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { envWithAnn, serve, browser, noViolations, freePort, root, cleanUp } from "../lib.mjs";

let env, server, chrome, idp;

before(async () => {
  env = envWithAnn();
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  idp = spawn("node", ["oidc/provider.mjs"], {
    cwd: join(root, "e2e"),
    stdio: ["ignore", "pipe", "ignore"],
    env: {
      ...process.env,
      OIDC_CLIENTS: JSON.stringify([{
        client_id: "algoreg", client_secret: "een-geheim-voor-de-browsertest", grant_types: ["authorization_code"], response_types: ["code"],
        redirect_uris: [`${base}/sso/delft/callback`], post_logout_redirect_uris: [`${base}/nl/`], scope: "openid email profile",
      }]),
      OIDC_ACCOUNTS: JSON.stringify({ ann: { email: "ann@delft.nl", email_verified: true, name: "Ann de Vries" } }),
      OIDC_DEFAULT_ACCOUNT: "ann",
    },
  });
  const issuer = await new Promise((resolve, reject) => {
    idp.stdout.on("data", (d) => {
      const m = String(d).match(/ready (\d+)/);
      if (m) resolve(`http://127.0.0.1:${m[1]}`);
    });
    idp.on("exit", (code) => reject(new Error("provider exited " + code)));
  });
  server = await serve(env, [
    "--addr", `127.0.0.1:${port}`, "--public-url", base, "--oidc-allow", "127.0.0.1/32",
    "--oidc", `name=delft,label=Gemeente Delft,issuer=${issuer},client_id=algoreg,client_secret=een-geheim-voor-de-browsertest,email_domains=delft.nl`,
  ]);
  chrome = await browser();
});

cleanUp(() => [chrome, server, idp]);

test("logging in and out through the organisation's identity provider", async () => {
  const ctx = await chrome.newContext({ bypassCSP: true });
  const page = await ctx.newPage();
  await page.goto(server.base + "/nl/login");
  await noViolations(page, "login page with a provider");
  await page.click("text=Inloggen met Gemeente Delft");
  await page.waitForURL(/\/nl\/beheer\/org\/delft$/);
  assert.match(await page.textContent("header"), /Uitloggen \(Ann de Vries\)/);
  await noViolations(page, "dashboard after single sign-on");
  await Promise.all([page.waitForURL(/\/nl\/$/), page.click("text=Uitloggen")]);
  assert.match(await page.textContent("header"), /Inloggen/);
  await page.goto(server.base + "/nl/beheer/org/delft");
  assert.match(page.url(), /\/nl\/login/);
});
