#!/usr/bin/env node
// A headless Debian Chromium that tests/e2e/browser.py drives, one JSON command a line.
//
//   node tests/e2e/browser.cjs '{"allow": ["http://127.0.0.1:PORT"], "viewport": [W, H], ...}'
//
// stdin: {"id": N, "op": OP, ...} per line; stdout: {"id": N, "ok": true, "value": ...} or
// {"id": N, "ok": false, "error": "..."} per line; the first line is {"ready": true, ...} once
// the browser runs. A locator ("loc") is a list of steps applied from the page:
// {"css": S} {"role": R, "name": N?, "exact": B?} {"text": T, "exact": B?} {"label": L,
// "exact": B?} {"has_text": T, "case": B?} (filter; case-sensitive with "case") {"nth": I}
// (-1 = last).  Ops: goto {url}; wait {loc,
// state?}; click {loc}; fill {loc, value}; check {loc}; type {loc, text, enter?}; text {loc};
// count {loc}; screenshot {path, loc?}; errors (page errors so far); close.  Every op that waits
// takes "timeout" (ms).
// Requests to anything but the "allow" origins and data:/blob:/about: are aborted, and Chromium
// runs with its background networking off and a fresh profile that is removed after (as in
// tests/cards/render/render.cjs).
"use strict";

const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const readline = require("node:readline");
const { createRequire } = require("node:module");

const requireTool = createRequire(path.join(__dirname, "package.json"));

const CHROMIUM_FLAGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
  "--disable-default-apps", "--disable-extensions", "--mute-audio",
  "--font-render-hinting=none",
];

function origin(url) {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

function locate(page, steps) {
  let loc = page;
  for (const step of steps || []) {
    if ("css" in step) loc = loc.locator(step.css);
    else if ("role" in step) {
      const options = {};
      if (step.name !== undefined) options.name = step.name;
      if (step.exact !== undefined) options.exact = step.exact;
      loc = loc.getByRole(step.role, options);
    } else if ("text" in step) loc = loc.getByText(step.text, { exact: !!step.exact });
    else if ("label" in step) loc = loc.getByLabel(step.label, { exact: !!step.exact });
    else if ("has_text" in step) {
      // Playwright matches a string ignoring case; "case": true matches it as written.
      const hasText = step.case
        ? new RegExp(step.has_text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
        : step.has_text;
      loc = loc.filter({ hasText });
    }
    else if ("nth" in step) loc = step.nth === -1 ? loc.last() : loc.nth(step.nth);
    else throw new Error(`unknown locator step ${JSON.stringify(step)}`);
  }
  if (loc === page) throw new Error("empty locator");
  return loc;
}

async function main() {
  const options = JSON.parse(process.argv[2] || "{}");
  const allowed = new Set((options.allow || []).map(origin));
  const { chromium } = requireTool("playwright-core");
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "ssu-e2e-chromium-"));
  const [width, height] = options.viewport || [1280, 1000];
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: options.chromium || process.env.SSU_CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width, height },
    deviceScaleFactor: 1,
    locale: options.locale || "nb-NO",
    timezoneId: options.timezone || "Europe/Oslo",
    timeout: options.launchTimeout || 60_000,
  });
  const pageErrors = [];
  const blocked = [];
  try {
    await context.route("**/*", (route) => {
      const url = route.request().url();
      if (/^(data|blob|about):/.test(url) || allowed.has(origin(url))) return route.continue();
      blocked.push(url);
      return route.abort("blockedbyclient");
    });
    const page = context.pages()[0] || (await context.newPage());
    page.on("pageerror", (error) => pageErrors.push(String(error)));
    const send = (message) => process.stdout.write(JSON.stringify(message) + "\n");
    send({ ready: true, version: context.browser() ? context.browser().version() : null });

    const ops = {
      goto: (c) => page.goto(c.url, { timeout: c.timeout, waitUntil: "domcontentloaded" }).then(() => null),
      wait: (c) => locate(page, c.loc).waitFor({ state: c.state || "visible", timeout: c.timeout }).then(() => null),
      click: (c) => locate(page, c.loc).click({ timeout: c.timeout }).then(() => null),
      fill: (c) => locate(page, c.loc).fill(c.value, { timeout: c.timeout }).then(() => null),
      check: (c) => locate(page, c.loc).check({ timeout: c.timeout }).then(() => null),
      type: async (c) => {
        const loc = locate(page, c.loc);
        await loc.click({ timeout: c.timeout });
        await loc.pressSequentially(c.text, { timeout: c.timeout });
        if (c.enter) await loc.press("Enter", { timeout: c.timeout });
        return null;
      },
      text: (c) => locate(page, c.loc).innerText({ timeout: c.timeout }),
      count: (c) => locate(page, c.loc).count(),
      screenshot: async (c) => {
        fs.mkdirSync(path.dirname(c.path), { recursive: true });
        const target = c.loc ? locate(page, c.loc) : page;
        await target.screenshot({ path: c.path, timeout: c.timeout, animations: "disabled" });
        return c.path;
      },
      errors: async () => ({ pageErrors: pageErrors.slice(), blocked: blocked.slice() }),
    };

    const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
    for await (const line of lines) {
      if (!line.trim()) continue;
      let command;
      try {
        command = JSON.parse(line);
      } catch (error) {
        send({ id: null, ok: false, error: `bad command: ${error}` });
        continue;
      }
      if (command.op === "close") {
        send({ id: command.id, ok: true, value: null });
        break;
      }
      const op = ops[command.op];
      try {
        if (!op) throw new Error(`unknown op ${command.op}`);
        send({ id: command.id, ok: true, value: await op(command) });
      } catch (error) {
        send({ id: command.id, ok: false, error: String(error && error.message ? error.message : error) });
      }
    }
  } finally {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`browser.cjs: ${error && error.stack ? error.stack : error}\n`);
  process.exit(1);
});
