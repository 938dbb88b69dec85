// Fails when the TypeScript that openapi-typescript generated from openapi/openapi.json has lost
// types: an `any` or `unknown` anywhere (request and response bodies, schema properties,
// parameters), a `Record<string, never>` object with no properties, or a success response
// (2xx other than 204) without a body. Usage: node check-types.mjs generated/schema.d.ts
//
// Allowed, and only these:
// - `[name: string]: unknown` as the index signature of a response's `headers`: openapi-typescript
//   writes it into every response to say that undocumented headers may come too; the documented
//   ones (Location, ETag, RateLimit-*) are typed next to it.
// - ALLOWED below: add `"<path>": "<why>"` for a value that is truly free-form JSON.

import { readFileSync } from "node:fs";
import ts from "typescript";

/** Exceptions, by the path printed in a finding. Keep it empty unless a value is free-form. */
const ALLOWED = {};

// Top-level declarations openapi-typescript always writes, empty when the spec has none.
const EMPTY_SECTIONS = new Set(["webhooks", "$defs"]);

const file = process.argv[2];
if (!file) {
  console.error("usage: node check-types.mjs <schema.d.ts>");
  process.exit(2);
}
const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);

function nameOf(node) {
  const name = node.name;
  if (!name) return undefined;
  if (ts.isIdentifier(name) || ts.isStringLiteral(name) || ts.isNumericLiteral(name)) return name.text;
  return name.getText(source);
}

/** Where a node sits: the names of the declarations and properties around it. */
function pathOf(node) {
  const parts = [];
  for (let n = node; n; n = n.parent) {
    if (ts.isPropertySignature(n) || ts.isInterfaceDeclaration(n) || ts.isTypeAliasDeclaration(n)) {
      parts.unshift(nameOf(n));
    } else if (ts.isIndexSignatureDeclaration(n)) {
      parts.unshift("[index]");
    }
  }
  return parts.join(" > ");
}

function isHeadersIndex(node) {
  const signature = node.parent;
  if (!signature || !ts.isIndexSignatureDeclaration(signature) || signature.type !== node) return false;
  const literal = signature.parent;
  const property = literal?.parent;
  return Boolean(
    literal && ts.isTypeLiteralNode(literal) && property && ts.isPropertySignature(property) &&
      nameOf(property) === "headers",
  );
}

const findings = [];
function report(node, what) {
  const path = pathOf(node);
  if (Object.hasOwn(ALLOWED, path)) return;
  const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
  findings.push(`${file}:${line + 1}: ${what} at ${path}`);
}

function visit(node) {
  if (node.kind === ts.SyntaxKind.AnyKeyword) {
    report(node, "`any`");
  } else if (node.kind === ts.SyntaxKind.UnknownKeyword && !isHeadersIndex(node)) {
    report(node, "`unknown`");
  } else if (
    ts.isTypeReferenceNode(node) &&
    node.typeName.getText(source) === "Record" &&
    node.typeArguments?.[1]?.kind === ts.SyntaxKind.NeverKeyword &&
    !(ts.isTypeAliasDeclaration(node.parent) && EMPTY_SECTIONS.has(node.parent.name.text))
  ) {
    report(node, "an object without properties (`Record<string, never>`)");
  } else if (
    ts.isPropertySignature(node) &&
    nameOf(node) === "content" &&
    node.type?.kind === ts.SyntaxKind.NeverKeyword
  ) {
    // `content?: never` in a response: fine for 204 and 3xx, a lost body for any other 2xx.
    const response = node.parent?.parent;
    const status = response && ts.isPropertySignature(response) ? nameOf(response) : undefined;
    if (status && /^2\d\d$/.test(status) && status !== "204") {
      report(node, `a ${status} response without a body`);
    }
  }
  ts.forEachChild(node, visit);
}
visit(source);

if (findings.length > 0) {
  console.error(`check-types: the generated TypeScript lost types in ${findings.length} place(s):`);
  for (const finding of findings) console.error(`  ${finding}`);
  console.error(
    "Fix the spec at its source (utoipa annotations and DTOs in src/), or allow-list a free-form " +
      "value in clients/ts/check-types.mjs with the reason.",
  );
  process.exit(1);
}
console.log(`check-types: ${file}: no any, unknown or empty bodies`);
