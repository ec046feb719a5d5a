#!/usr/bin/env node
// Validates an unpacked Teams app package offline with @microsoft/app-manifest.
//
//   node tests/appPackage/validate_manifest.cjs DIR
//
// DIR holds manifest.json and the localization files it names. The JSON schemas come from the
// npm package's own copy (build/json-schemas/teams/vX.Y/), chosen by the manifest's $schema URL,
// and are passed in explicitly, so nothing is fetched. Prints one JSON document:
//   {"manifestVersion": "1.30", "manifest": [errors], "localization": {"en.json": [errors]}}
// and exits 0 (the caller judges the errors), or 1 with a reason on stderr.
"use strict";

const fs = require("node:fs");
const path = require("node:path");
const { createRequire } = require("node:module");

// The node tools live in tests/e2e (one package.json for every test-only npm package).
const requireTool = createRequire(path.join(__dirname, "..", "e2e", "package.json"));

function fail(message) {
  process.stderr.write(`validate_manifest: ${message}\n`);
  process.exit(1);
}

function readJson(file) {
  return JSON.parse(fs.readFileSync(file, "utf8").replace(/^\uFEFF/, ""));
}

async function main() {
  const dir = process.argv[2];
  if (!dir) fail("usage: validate_manifest.cjs DIR");
  const { AppManifestUtils } = requireTool("@microsoft/app-manifest");
  const schemaRoot = path.join(
    path.dirname(requireTool.resolve("@microsoft/app-manifest/package.json")),
    "build", "json-schemas", "teams",
  );
  const manifest = readJson(path.join(dir, "manifest.json"));
  const match = /\/json-schemas\/teams\/(v[0-9.]+)\/MicrosoftTeams\.schema\.json$/.exec(
    manifest.$schema || "",
  );
  if (!match) fail(`unexpected $schema: ${manifest.$schema}`);
  const version = match[1];
  const schemaFile = path.join(schemaRoot, version, "MicrosoftTeams.schema.json");
  if (!fs.existsSync(schemaFile)) fail(`@microsoft/app-manifest has no schema ${version}`);
  const result = {
    manifestVersion: manifest.manifestVersion,
    schema: version,
    manifest: await AppManifestUtils.validateAgainstSchema(manifest, readJson(schemaFile)),
    localization: {},
  };
  const info = manifest.localizationInfo || {};
  const files = [info.defaultLanguageFile, ...(info.additionalLanguages || []).map((l) => l.file)];
  // The localization schema has patterns that are invalid as /u regular expressions
  // (`\b]`), which AppManifestUtils' Ajv refuses to compile: same Ajv (draft-04, as the
  // package sets it up) with unicodeRegExp off.
  const Ajv = requireTool("ajv-draft-04");
  const addFormats = requireTool("ajv-formats");
  const ajv = new Ajv({ allErrors: true, strictTypes: false, unicodeRegExp: false });
  addFormats(ajv, ["uri", "email", "regex"]);
  const validateLocalization = ajv.compile(
    readJson(path.join(schemaRoot, version, "MicrosoftTeams.Localization.schema.json")),
  );
  for (const file of files.filter(Boolean)) {
    const valid = validateLocalization(readJson(path.join(dir, file)));
    result.localization[file] = valid
      ? []
      : validateLocalization.errors.map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
  }
  process.stdout.write(JSON.stringify(result) + "\n");
}

main().catch((error) => fail(error && error.stack ? error.stack : String(error)));
