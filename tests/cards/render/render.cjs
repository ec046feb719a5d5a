#!/usr/bin/env node
// Renders Adaptive Cards in headless Debian Chromium with the adaptivecards 3.0.6 JS renderer.
//
//   node tests/cards/render/render.cjs INPUT.json OUT_DIR
//
// INPUT.json: {"<name>": <card JSON>, ...}. For each card: parse with a 1.5 SerializationContext,
// validateProperties(), render() in page.html (markdown by markdown-it, as Teams renders it), and
// screenshot the card to OUT_DIR/<name>.png.
// Prints one JSON document: {"cards": {"<name>": {parse, validation, renderError, version,
// unlabelled, width, height}}, "timing": {"launchMs", "renderMs"}}.
// One browser, one page for all cards. Every request but file:/data:/about: is aborted, and
// Chromium runs with its background networking off and a fresh profile that is removed after.
"use strict";

const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { createRequire } = require("node:module");
const { pathToFileURL } = require("node:url");

const requireTool = createRequire(path.join(__dirname, "..", "..", "e2e", "package.json"));

const CHROMIUM_FLAGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
  "--disable-default-apps", "--disable-extensions", "--mute-audio", "--hide-scrollbars",
  "--font-render-hinting=none",
];

async function main() {
  const [input, outDir] = process.argv.slice(2);
  if (!input || !outDir) throw new Error("usage: render.cjs INPUT.json OUT_DIR");
  const cards = JSON.parse(fs.readFileSync(input, "utf8"));
  fs.mkdirSync(outDir, { recursive: true });
  const { chromium } = requireTool("playwright-core");
  const acDist = path.join(path.dirname(requireTool.resolve("adaptivecards/package.json")), "dist");
  // Teams renders TextBlock markdown; the JS renderer does too once window.markdownit exists.
  const markdownIt = path.join(
    path.dirname(requireTool.resolve("markdown-it/package.json")), "dist", "browser",
    "markdown-it.umd.min.js",
  );
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "ssu-cards-chromium-"));
  const started = Date.now();
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.SSU_CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 600, height: 800 },
    deviceScaleFactor: 1,
    locale: "nb-NO", // navigator.language; date/time inputs follow the (English) browser UI
    timezoneId: "Europe/Oslo",
    offline: true,
    timeout: 60_000,
  });
  const launchMs = Date.now() - started;
  const results = {};
  try {
    await context.route("**/*", (route) => {
      const url = route.request().url();
      return /^(file|data|about):/.test(url) ? route.continue() : route.abort();
    });
    const page = context.pages()[0] || (await context.newPage());
    const pageErrors = [];
    page.on("pageerror", (error) => pageErrors.push(String(error)));
    await page.goto(pathToFileURL(path.join(__dirname, "page.html")).href);
    await page.addScriptTag({ path: markdownIt });
    await page.addScriptTag({ path: path.join(acDist, "adaptivecards.min.js") });
    const renderStart = Date.now();
    for (const [name, card] of Object.entries(cards)) {
      const result = await page.evaluate((payload) => window.renderCard(payload), card);
      const host = page.locator("#host");
      const box = await host.boundingBox();
      result.width = box ? Math.round(box.width) : 0;
      result.height = box ? Math.round(box.height) : 0;
      await host.screenshot({ path: path.join(outDir, `${name}.png`), animations: "disabled" });
      result.pageErrors = pageErrors.splice(0);
      results[name] = result;
    }
    const renderMs = Date.now() - renderStart;
    process.stdout.write(JSON.stringify({ cards: results, timing: { launchMs, renderMs } }) + "\n");
  } finally {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`render.cjs: ${error && error.stack ? error.stack : error}\n`);
  process.exit(1);
});
