// Shared helpers: run the real algoreg binary on loopback with a fresh SQLite store, drive Debian's
// Chromium with playwright-core (never a downloaded browser), and check pages with axe-core.
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { chromium } from "playwright-core";
import { after } from "node:test";
import assert from "node:assert/strict";

const here = dirname(fileURLToPath(import.meta.url));
export const root = join(here, "..");
export const BIN = process.env.ALGOREG_BIN || join(root, "target", "debug", "algoreg");
export const PASSWORD = "een-lang-wachtwoord";
const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

export function makeEnv() {
  const dir = mkdtempSync(join(tmpdir(), "algoreg-e2e-"));
  const data = join(dir, "data");
  const cli = (...args) => execFileSync(BIN, [...args, "--data", data], { env: { ...process.env, ALGOREG_PASSWORD: PASSWORD }, encoding: "utf8" });
  return { dir, data, cli };
}

// A fresh environment with Gemeente Delft (four eyes) and Ann de Vries, one of its editors.
export function envWithAnn() {
  const env = makeEnv();
  env.cli("org", "add", "--code", "delft", "--name", "Gemeente Delft", "--type", "gemeente", "--flow", "four_eyes");
  env.cli("user", "add", "--email", "ann@delft.nl", "--name", "Ann de Vries", "--org", "delft", "--role", "editor");
  return env;
}

export async function serve(env, extra = []) {
  const addr = extra.includes("--addr") ? [] : ["--addr", "127.0.0.1:0"];
  const child = spawn(BIN, ["serve", ...addr, "--data", env.data, ...extra], { env: { ...process.env, ALGOREG_LOG: "error", ALGOREG_OPERATOR_SECOND_FACTOR: "optional", ALGOREG_LINK_CHECK_MAX: "0" }, stdio: ["ignore", "pipe", "inherit"] });
  const base = await new Promise((resolve, reject) => {
    let buf = "";
    child.stdout.on("data", (d) => {
      buf += d;
      const m = buf.match(/algoreg listening on (http:\/\/\S+)/);
      if (m) resolve(m[1]);
    });
    child.on("exit", (code) => reject(new Error("server exited " + code)));
    setTimeout(() => reject(new Error("server did not start")), 15000);
  });
  return { base, stop: () => child.kill() };
}

export async function browser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

/**
 * When the file's tests are done: closes what `get()` returns then (browser contexts and browsers,
 * then servers and other processes).
 */
export function cleanUp(get) {
  after(async () => {
    for (const thing of get()) {
      if (thing?.close) await thing.close();
      else if (thing?.stop) thing.stop();
      else thing?.kill?.();
    }
  });
}

/** Runs axe-core (WCAG 2.1 A and AA rules) on the page; returns the violations. */
export async function axe(page) {
  await page.addScriptTag({ content: axeSource });
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(" ")).slice(0, 5) }));
  });
  return result;
}

/** Fails the test with the list of violations when axe-core finds any. */
export async function noViolations(page, what) {
  const v = await axe(page);
  assert.deepEqual(v, [], `${what}: ${JSON.stringify(v, null, 1)}`);
}

export async function screenshot(page, name) {
  mkdirSync(join(root, "docs", "screenshots"), { recursive: true });
  await page.screenshot({ path: join(root, "docs", "screenshots", name + ".png"), fullPage: true });
}

export async function login(page, base, email) {
  await page.goto(base + "/nl/login");
  await page.fill("#email", email);
  await page.fill("#password", PASSWORD);
  await Promise.all([page.waitForNavigation(), page.click("button[type=submit].primary")]);
}

/** A free port on loopback (for a server whose address must be known before it starts). */
export function freePort() {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}
