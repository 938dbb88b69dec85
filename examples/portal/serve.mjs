#!/usr/bin/env node
// A dependency-free static server for the portal, on its own origin (so the browser calls the
// API across origins, with CORS, as a real front end does).
//
//   node serve.mjs [--api URL] [--port N] [--host ADDR]
//
//   --api    the newsdesk API's base URL (default: $NEWSDESK_API, else http://127.0.0.1:8080);
//            the pages read it from /config.js, which this server writes
//   --port   the port to listen on (default: $PORT, else 8081; 0 picks a free one)
//   --host   the address to listen on (default 127.0.0.1)
//
// It serves index.html, article.html, styles.css, screenshot.png, the compiled modules in dist/
// (`npm run build` first) and openapi-fetch's ES module from node_modules as
// /vendor/openapi-fetch.mjs (the pages' import map points there). Once listening it prints
// `portal: http://HOST:PORT/ (API URL)`.

import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { dirname, extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = dirname(fileURLToPath(import.meta.url));

function options(argv) {
  const opts = {
    api: process.env.NEWSDESK_API || "http://127.0.0.1:8080",
    port: process.env.PORT || "8081",
    host: "127.0.0.1",
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const name = flag.replace(/^--/, "");
    if (!(name in opts) || !flag.startsWith("--")) {
      console.error(`serve.mjs: unknown argument ${argv[i]}\nusage: node serve.mjs [--api URL] [--port N] [--host ADDR]`);
      process.exit(2);
    }
    const value = inline ?? argv[++i];
    if (value === undefined) {
      console.error(`serve.mjs: ${flag} needs a value`);
      process.exit(2);
    }
    opts[name] = value;
  }
  let api;
  try {
    api = new URL(opts.api);
  } catch {
    console.error(`serve.mjs: --api ${opts.api} is not a URL`);
    process.exit(2);
  }
  const port = Number(opts.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`serve.mjs: --port ${opts.port} is not a port`);
    process.exit(2);
  }
  return { api: api.href.replace(/\/+$/, ""), port, host: opts.host };
}

const opts = options(process.argv.slice(2));

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".png": "image/png",
};

/** URL path → file under ROOT, or null for anything the portal does not serve. */
function fileFor(pathname) {
  if (pathname === "/") return join(ROOT, "index.html");
  if (pathname === "/vendor/openapi-fetch.mjs") return join(ROOT, "node_modules/openapi-fetch/dist/index.mjs");
  if (["/index.html", "/article.html", "/styles.css", "/screenshot.png"].includes(pathname)) {
    return join(ROOT, pathname.slice(1));
  }
  if (pathname.startsWith("/dist/")) {
    const file = normalize(join(ROOT, pathname));
    return file.startsWith(join(ROOT, "dist") + sep) ? file : null;
  }
  return null;
}

const config = `// Written by serve.mjs: where the newsdesk API is.\nwindow.NEWSDESK_CONFIG = ${JSON.stringify({ api: opts.api })};\n`;

const server = createServer(async (req, res) => {
  const send = (status, type, body) => {
    res.writeHead(status, { "content-type": type, "cache-control": "no-cache", "x-content-type-options": "nosniff" });
    res.end(req.method === "HEAD" ? undefined : body);
  };
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.setHeader("allow", "GET, HEAD");
    return send(405, "text/plain; charset=utf-8", "method not allowed\n");
  }
  let pathname;
  try {
    pathname = decodeURIComponent(new URL(req.url ?? "/", "http://portal").pathname);
  } catch {
    return send(400, "text/plain; charset=utf-8", "bad request\n");
  }
  if (pathname === "/config.js") return send(200, TYPES[".js"], config);
  if (pathname === "/favicon.ico") {
    res.writeHead(204);
    return res.end();
  }
  const file = fileFor(pathname);
  if (!file) return send(404, "text/plain; charset=utf-8", "not found\n");
  try {
    send(200, TYPES[extname(file)] ?? "application/octet-stream", await readFile(file));
  } catch (error) {
    const missing = error && error.code === "ENOENT";
    const hint = pathname.startsWith("/dist/") ? " (run `npm run build`)" : pathname.startsWith("/vendor/") ? " (run `npm ci`)" : "";
    if (missing) console.error(`serve.mjs: ${pathname} not found${hint}`);
    send(missing ? 404 : 500, "text/plain; charset=utf-8", missing ? `not found${hint}\n` : "error\n");
  }
});

server.on("error", (error) => {
  console.error(`serve.mjs: ${error.message}`);
  process.exit(1);
});

server.listen(opts.port, opts.host, () => {
  const { port } = server.address();
  const host = opts.host.includes(":") ? `[${opts.host}]` : opts.host;
  console.log(`portal: http://${host}:${port}/ (API ${opts.api})`);
});

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => server.close(() => process.exit(0)).closeAllConnections());
}
