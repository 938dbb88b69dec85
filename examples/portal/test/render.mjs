// Renders the portal in headless Chromium (puppeteer-core, /usr/bin/chromium) against a live,
// seeded newsdesk server and checks it against the reference page's text
// (tests/fixtures/reference-page.txt); run by scripts/portal-test.sh.
//
// Environment:
//   PORTAL_URL     the portal (serve.mjs), e.g. http://127.0.0.1:8123
//   API_URL        the newsdesk server it talks to, e.g. http://127.0.0.1:8124
//   REFERENCE      the reference page's text
//   OUT_DIR        where the full-page screenshots go (article.png, home.png)
//   SCREENSHOT_COPY  optional: also copy article.png there (the README's picture)
//   CHROMIUM       the browser (default /usr/bin/chromium)
//   ARTICLE_SLUG   the reference article (default yin-di-zhi-yi-xin-zhi-sheng-chan-li)
//
// Every check is collected; at the end each failure is printed with what was expected and
// what the page showed, and the exit code is 1 when any failed.

import { copyFileSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import puppeteer from "puppeteer-core";

const env = (name, fallback) => {
  const value = process.env[name] ?? fallback;
  if (value === undefined) {
    console.error(`render.mjs: ${name} is not set`);
    process.exit(2);
  }
  return value;
};
const PORTAL = env("PORTAL_URL").replace(/\/+$/, "");
const API = new URL(env("API_URL")).origin;
const REFERENCE = env("REFERENCE");
const OUT_DIR = env("OUT_DIR");
const SLUG = env("ARTICLE_SLUG", "yin-di-zhi-yi-xin-zhi-sheng-chan-li");
const MAX_ARTICLE_REQUESTS = 2;
const MAX_HOME_REQUESTS = 1;

/** Text as a reader sees it: runs of whitespace (no-break spaces too) are one space. */
const norm = (text) => (text ?? "").replace(/\s+/g, " ").trim();
const show = (value) => (typeof value === "string" ? JSON.stringify(value) : JSON.stringify(value, null, 0));

// ---- checks ---------------------------------------------------------------------------------

const failures = [];
const passed = [];

function check(what, ok, details = "") {
  if (ok) passed.push(what);
  else failures.push(details ? `${what}\n      ${details}` : what);
  return ok;
}

function equal(what, got, expected) {
  const ok = JSON.stringify(got) === JSON.stringify(expected);
  return check(what, ok, `expected: ${show(expected)}\n      got:      ${show(got)}`);
}

/** Lists compared entry by entry, so a failure names the first entry that differs. */
function equalList(what, got, expected) {
  if (JSON.stringify(got) === JSON.stringify(expected)) return check(what, true);
  const lines = [];
  for (let i = 0; i < Math.max(got.length, expected.length); i++) {
    if (got[i] === expected[i]) continue;
    lines.push(`[${i}] expected: ${show(expected[i] ?? "(nothing)")}\n      [${i}] got:      ${show(got[i] ?? "(nothing)")}`);
  }
  return check(what, false, lines.join("\n      "));
}

// ---- the reference page, in parts -----------------------------------------------------------

function reference(file) {
  const lines = readFileSync(file, "utf8").split("\n");
  const find = (test, from = 0) => {
    const i = lines.findIndex((line, n) => n >= from && test(norm(line)));
    if (i < 0) throw new Error(`reference page: a line was not found (${test})`);
    return i;
  };
  const nextText = (from) => find((line) => line !== "", from);

  const crumbAt = find((line) => line.startsWith("您当前的位置"));
  let slogansAt = crumbAt - 1;
  while (norm(lines[slogansAt]) === "") slogansAt--;
  // Navigation: its words, where two single characters in a row are one letter-spaced
  // entry (首 页, 理 论, 评 论).
  const words = lines.slice(0, slogansAt).flatMap((line) => norm(line).split(" ")).filter(Boolean);
  const nav = [];
  for (let i = 0; i < words.length; i++) {
    const single = (w) => w !== undefined && /^\p{Script=Han}$/u.test(w);
    if (single(words[i]) && single(words[i + 1])) nav.push(`${words[i]} ${words[++i]}`);
    else nav.push(words[i]);
  }
  const headlineAt = nextText(crumbAt + 1);
  const infoAt = nextText(headlineAt + 1);
  const kickerAt = nextText(infoAt + 1);
  const titleAt = nextText(kickerAt + 1);
  const bylineAt = nextText(titleAt + 1);
  const metaAt = find((line) => line.startsWith("作者:"), bylineAt + 1);
  const footerAt = find((line) => line.startsWith("Copyright"), metaAt + 1);
  const body = lines.slice(bylineAt + 1, metaAt).map(norm).filter(Boolean);
  // Blocks: a heading line, then its `· ` entries (the page's own lists are not in its text,
  // except 相关新闻's).
  const blocks = [];
  for (const line of lines.slice(metaAt + 1, footerAt).map(norm).filter(Boolean)) {
    if (line.startsWith("·")) blocks.at(-1).entries.push(line);
    else blocks.push({ head: line, entries: [] });
  }
  return {
    nav,
    slogans: norm(lines[slogansAt]),
    breadcrumb: norm(lines[crumbAt]),
    headline: norm(lines[headlineAt]),
    info: norm(lines[infoAt]),
    kicker: norm(lines[kickerAt]),
    title: norm(lines[titleAt]),
    byline: norm(lines[bylineAt]),
    body,
    meta: norm(lines[metaAt]),
    blocks,
    footer: lines.slice(footerAt).map(norm).filter(Boolean),
  };
}

// ---- the browser ----------------------------------------------------------------------------

/**
 * Opens URL in a fresh page, records every request to the API and every console error, failed
 * request or HTTP error, waits until the page says it rendered (body[data-state]) and the
 * network is idle, then returns the page and what it saw.
 */
async function open(browser, url, { waitFor } = {}) {
  const page = await browser.newPage();
  await page.setViewport({ width: 1200, height: 900 });
  const seen = { api: [], media: [], problems: [], responses: new Map() };
  page.on("console", (msg) => {
    if (msg.type() === "error") seen.problems.push(`console error: ${msg.text()}`);
  });
  page.on("pageerror", (error) => seen.problems.push(`page error: ${error.message}`));
  page.on("request", (request) => {
    const { origin, pathname } = new URL(request.url());
    // Media files (/media/…) are the API server's too, but not requests to the API.
    if (origin === API && !pathname.startsWith("/media/")) {
      seen.api.push(`${request.method()} ${request.url().slice(API.length)}`);
    }
  });
  page.on("requestfailed", (request) =>
    seen.problems.push(`request failed: ${request.method()} ${request.url()} (${request.failure()?.errorText})`),
  );
  page.on("response", (response) => {
    if (response.status() >= 400) {
      seen.problems.push(`HTTP ${response.status()}: ${response.request().method()} ${response.url()}`);
    }
    const { origin, pathname } = new URL(response.url());
    if (origin === API && pathname.startsWith("/media/")) {
      seen.media.push({ path: response.url().slice(API.length), status: response.status(), range: response.request().headers().range ?? "" });
    }
    if (new URL(response.url()).origin === API && response.request().method() === "GET") {
      seen.responses.set(new URL(response.url()).pathname, response);
    }
  });
  await page.goto(url, { waitUntil: "load", timeout: 20_000 });
  await page.waitForFunction(() => document.body.dataset.state, { timeout: 20_000 });
  const state = await page.evaluate(() => document.body.dataset.state);
  if (state !== "rendered") {
    seen.problems.push(`the page did not render: ${norm(await page.evaluate(() => document.body.innerText))}`);
  }
  if (waitFor) {
    await page
      .waitForFunction(waitFor, { timeout: 10_000 })
      .catch(() => seen.problems.push(`timed out waiting for ${waitFor}`));
  }
  await page.waitForNetworkIdle({ idleTime: 300, timeout: 10_000 }).catch(() => {});
  return { page, seen, rendered: state === "rendered" };
}

/** Normalized text of every element matching SELECTOR, in document order. */
const texts = (page, selector) =>
  page.$$eval(selector, (els) => els.map((el) => el.textContent.replace(/\s+/g, " ").trim()));
const text = async (page, selector) => (await texts(page, selector))[0] ?? "(missing)";

function problems(what, seen) {
  equalList(`${what}: no console errors, failed requests or HTTP errors`, seen.problems, []);
}

// ---- media ----------------------------------------------------------------------------------

/**
 * The first video player of the page (the 影音黑河 block's): it shows a poster from the media
 * library, plays, and seeks; the file came in ranges (206). Images of the library on the page
 * loaded, each a rendition the browser chose from its srcset.
 */
async function mediaChecks(page, seen, what, summary, { images: needImages }) {
  const images = await page.$$eval("img[srcset]", (imgs) =>
    imgs.map((img) => {
      img.loading = "eager";
      return { src: img.currentSrc, ok: img.complete && img.naturalWidth > 0 };
    }),
  );
  const loaded = images.filter((i) => i.ok);
  check(
    `${what}: images of the media library load${needImages ? " (the top story's cover among them)" : ""}`,
    (!needImages || loaded.length > 0) && loaded.every((i) => /\/media\/\d+\/.+\?w=\d+/.test(i.src)),
    show(images),
  );
  const played = await page.evaluate(async () => {
    const video = document.querySelector(".player video");
    if (!video) return { error: "no video player on the page" };
    const wait = (until, ms) =>
      new Promise((resolve, reject) => {
        const stop = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
        const poll = () => (until() ? (clearTimeout(stop), resolve()) : setTimeout(poll, 50));
        poll();
      });
    try {
      video.muted = true;
      await video.play();
      await wait(() => video.currentTime > 0.3, 10_000);
      video.pause();
      const seeked = new Promise((resolve) => video.addEventListener("seeked", resolve, { once: true }));
      video.currentTime = 2.2;
      await seeked;
      return { poster: video.poster, time: video.currentTime, duration: video.duration, src: video.currentSrc };
    } catch (error) {
      return { error: String(error), poster: video.poster, networkState: video.networkState, readyState: video.readyState };
    }
  });
  check(`${what}: the video player plays and seeks`, !played.error && played.time >= 2, show(played));
  check(`${what}: the player shows a poster from the media library`, /\/media\/\d+\//.test(played.poster ?? ""), show(played));
  await page.waitForNetworkIdle({ idleTime: 300, timeout: 5_000 }).catch(() => {});
  const ranged = seen.media.filter((m) => m.status === 206);
  check(`${what}: the video came in ranges (206)`, ranged.length > 0, show(seen.media));
  summary.push(
    `  media: ${loaded.length} images, video ${played.src ? played.src.slice(API.length) : "(none)"} played to ${played.time?.toFixed?.(1)} s of ${played.duration?.toFixed?.(1)} s, ${ranged.length} ranged responses`,
  );
}

// ---- the article page -----------------------------------------------------------------------

async function articlePage(browser, ref, summary) {
  const url = `${PORTAL}/article.html?slug=${encodeURIComponent(SLUG)}`;
  const { page, seen, rendered } = await open(browser, url, { waitFor: "document.body.dataset.view === 'counted'" });
  summary.push(`article page: ${seen.api.length} API requests (${seen.api.join(", ")})`);
  check(
    `article page: at most ${MAX_ARTICLE_REQUESTS} requests to the API`,
    seen.api.length <= MAX_ARTICLE_REQUESTS,
    `got ${seen.api.length}: ${seen.api.join(", ")}`,
  );
  problems("article page", seen);
  if (rendered) {
    equalList("article: navigation (首 页 and the navigation entries, in order)", await texts(page, ".nav a"), ref.nav);
    // The slogans in order, each exactly; between two of them the page's text has a space or
    // nothing (…绿色生活。践行垃圾分类…), so the separator is not compared.
    const slogans = await texts(page, ".slogan");
    const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    check(
      "article: slogans",
      slogans.length > 0 && new RegExp(`^${slogans.map(escape).join("\\s*")}$`, "u").test(ref.slogans),
      `expected: ${show(ref.slogans)}\n      got:      ${show(slogans.join(" | "))} (${slogans.length} slogans)`,
    );
    equal("article: breadcrumb", await text(page, ".breadcrumb"), ref.breadcrumb);
    equal("article: headline (引题 主题)", await text(page, ".headline"), ref.headline);
    equal("article: source site and time", await text(page, ".info"), ref.info);
    equal("article: kicker (引题)", await text(page, ".titles .kicker"), ref.kicker);
    equal("article: title (主题)", await text(page, ".titles .title"), ref.title);
    equal("article: authors", await text(page, ".titles .byline"), ref.byline);
    equalList("article: body paragraphs", await texts(page, ".body > p"), ref.body);
    equal("article: 作者/来源/编辑 line", await text(page, ".meta"), ref.meta);

    const blocks = await page.$$eval(".layout .block", (els) =>
      els.map((el) => ({
        head: el.querySelector(".block-head")?.textContent.replace(/\s+/g, " ").trim() ?? "(no heading)",
        entries: [...el.querySelectorAll(".entries > li")].map((li) => li.textContent.replace(/\s+/g, " ").trim()),
      })),
    );
    equalList(
      "article: blocks in page order (title, and 更多>> where the page has it)",
      blocks.map((b) => b.head),
      ref.blocks.map((b) => b.head),
    );
    // Each block's list, matched by its title (so that a missing 更多>> does not hide it).
    const titleOf = (head) => head.replace(/\s*更多>>$/, "");
    for (const [i, expected] of ref.blocks.entries()) {
      const got = blocks[i];
      if (!got || titleOf(got.head) !== titleOf(expected.head)) continue;
      if (expected.entries.length) {
        equalList(`article: ${titleOf(expected.head)} entries`, got.entries, expected.entries);
      } else {
        check(`article: block ${i + 1} (${titleOf(expected.head)}) lists articles`, got.entries.length > 0, "its list is empty");
      }
      summary.push(`  block ${i + 1}: ${got.head} (${got.entries.length} entries)`);
    }
    equalList("article: footer lines", await texts(page, ".site-footer p"), ref.footer);
    await mediaChecks(page, seen, "article", summary, { images: false });
  }
  await page.screenshot({ path: join(OUT_DIR, "article.png"), fullPage: true });
  await page.close();
}

// ---- the front page -------------------------------------------------------------------------

async function frontPage(browser, ref, summary) {
  const { page, seen, rendered } = await open(browser, `${PORTAL}/`);
  summary.push(`front page: ${seen.api.length} API request(s) (${seen.api.join(", ")})`);
  check(
    `front page: at most ${MAX_HOME_REQUESTS} request to the API`,
    seen.api.length <= MAX_HOME_REQUESTS,
    `got ${seen.api.length}: ${seen.api.join(", ")}`,
  );
  problems("front page", seen);
  if (rendered) {
    equalList("front page: navigation", await texts(page, ".nav a"), ref.nav);
    const channels = await page.$$eval(".nav a[data-slug]", (links) =>
      links.map((a) => {
        const block = document.getElementById(`ch-${a.dataset.slug}`);
        return { name: a.textContent, entries: block ? block.querySelectorAll(".entries > li").length : -1 };
      }),
    );
    for (const channel of channels) {
      check(
        `front page: channel block ${channel.name}`,
        channel.entries > 0,
        channel.entries < 0 ? "no block for this navigation channel" : "its list is empty",
      );
    }
    summary.push(`  ${channels.length} channel blocks (${channels.map((c) => c.entries).join("/")} entries)`);
    const mostRead = (await texts(page, ".most-read .entries > li")).length;
    check("front page: 点击排行 lists articles", mostRead > 0, "its list is empty");

    const response = seen.responses.get("/api/v1/home");
    const home = response ? await response.json().catch(() => null) : null;
    const configured = home?.blocks ?? [];
    check("front page: the API answered home blocks (include=blocks)", configured.length > 0, `got ${show(home?.blocks ?? null)}`);
    const blocks = await page.$$eval(".side-col .block[data-key]", (els) =>
      els.map((el) => ({
        key: el.dataset.key,
        title: el.querySelector(".block-title")?.textContent ?? "",
        entries: el.querySelectorAll(".entries > li").length,
      })),
    );
    equalList(
      "front page: home blocks shown, in configured order",
      blocks.map((b) => `${b.key}: ${b.title} (${b.entries})`),
      configured.map((b) => `${b.key}: ${b.title} (${b.entries.length})`),
    );
    for (const block of blocks) check(`front page: home block ${block.title} lists articles`, block.entries > 0, "its list is empty");
    summary.push(`  点击排行 (${mostRead}), home blocks: ${blocks.map((b) => `${b.title} (${b.entries})`).join(", ") || "none"}`);
    equalList("front page: footer lines", await texts(page, ".site-footer p"), ref.footer);
    await mediaChecks(page, seen, "front page", summary, { images: true });
  }
  await page.screenshot({ path: join(OUT_DIR, "home.png"), fullPage: true });
  await page.close();
}

// ---- run ------------------------------------------------------------------------------------

const ref = reference(REFERENCE);
mkdirSync(OUT_DIR, { recursive: true });
const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-dev-shm-usage", "--font-render-hinting=none"],
});
const summary = [];
try {
  for (const [what, run] of [["article page", articlePage], ["front page", frontPage]]) {
    await run(browser, ref, summary).catch((error) => check(`${what}: opened and rendered`, false, String(error?.stack ?? error)));
  }
} finally {
  await browser.close();
}
if (process.env.SCREENSHOT_COPY) copyFileSync(join(OUT_DIR, "article.png"), process.env.SCREENSHOT_COPY);

for (const line of summary) console.log(line);
console.log(`screenshots: ${join(OUT_DIR, "article.png")}, ${join(OUT_DIR, "home.png")}`);
for (const failure of failures) console.log(`FAIL ${failure}`);
console.log(`${passed.length} passed, ${failures.length} failed`);
process.exit(failures.length ? 1 : 0);
