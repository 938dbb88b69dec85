// Smoke test of the TypeScript client generated from openapi/openapi.json
// (openapi-typescript types + openapi-fetch), run against a live server by
// scripts/clients-test.sh. Every call goes through the typed client; `tsc --strict`
// over this file is what proves the generated types are real.
//
// Environment: NEWSDESK_URL (base URL), NEWSDESK_EMAIL / NEWSDESK_PASSWORD (an admin),
// SMOKE_RUN (suffix that makes this run's slugs unique; optional).
//
// Each step is a named function that asserts real values and prints one line; add a
// step by appending to `steps` below.

import { crc32, deflateSync } from "node:zlib";

import createClient from "openapi-fetch";
import type { components, paths } from "./generated/schema.js";

type Schemas = components["schemas"];
type Problem = Schemas["Problem"];

const base = env("NEWSDESK_URL");
const run = process.env.SMOKE_RUN ?? Date.now().toString(36);

// ---- helpers -------------------------------------------------------------------------------

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

class StepFailure extends Error {}

function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new StepFailure(message);
}

function equal<T>(actual: T, expected: T, what: string): void {
  check(
    actual === expected,
    `${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`,
  );
}

/** A value a previous step stored; fails the step when that step did not run. */
function need<T>(value: T | undefined, what: string): T {
  check(value !== undefined, `${what} is missing (an earlier step failed)`);
  return value;
}

/** `true` when T is `any`: the rest parameters below then demand an argument nobody passes. */
type IsAny<T> = 0 extends 1 & T ? true : false;
type Typed<T> = IsAny<T> extends true ? ["the generated type of this body is `any`"] : [];

interface Result<T, E> {
  data?: T;
  error?: E;
  response: Response;
}

/** The typed body of a successful call with the expected status. */
function ok<T, E>(r: Result<T, E>, status: number, what: string, ..._typed: Typed<T>): T {
  check(
    r.response.status === status && r.data !== undefined,
    `${what}: expected ${status}, got ${r.response.status} ${JSON.stringify(r.error ?? null)}`,
  );
  return r.data;
}

/** The typed problem document of a failed call with the expected status. */
function failed<T, E>(r: Result<T, E>, status: number, what: string, ..._typed: Typed<E>): E {
  check(
    r.response.status === status && r.error !== undefined,
    `${what}: expected ${status}, got ${r.response.status} ${JSON.stringify(r.data ?? null)}`,
  );
  equal(r.response.headers.get("content-type"), "application/problem+json", `${what} content type`);
  return r.error;
}

/** A gradient PNG with a text chunk (`note` makes the upload this run's own). */
function png(width: number, height: number, note: string): Uint8Array {
  const chunk = (kind: string, data: Uint8Array): Buffer => {
    const head = Buffer.alloc(4);
    head.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(kind, "latin1"), data]);
    const tail = Buffer.alloc(4);
    tail.writeUInt32BE(crc32(body));
    return Buffer.concat([head, body, tail]);
  };
  const rows = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const at = y * (width * 3 + 1) + 1 + x * 3;
      rows[at] = Math.floor((x * 255) / width);
      rows[at + 1] = Math.floor((y * 255) / height);
      rows[at + 2] = 128;
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("tEXt", Buffer.from(`Comment\0${note}`, "latin1")),
    chunk("IDAT", deflateSync(rows)),
    chunk("IEND", new Uint8Array()),
  ]);
}

// ---- clients and what the steps share ------------------------------------------------------

// List parameters (`include`, `kind`) are comma lists (`style: form, explode: false`).
const querySerializer = { array: { style: "form", explode: false } } as const;
const anonymous = createClient<paths>({ baseUrl: base, querySerializer });
let staff = anonymous;

interface State {
  category?: Schemas["CategoryDto"];
  source?: Schemas["SourceDto"];
  author?: Schemas["AuthorDto"];
  first?: Schemas["ArticleDetail"];
  second?: Schemas["ArticleDetail"];
  board?: Schemas["RankingDto"];
}
const state: State = {};

const slug = (what: string): string => `ts-smoke-${what}-${run}`;
// Distinctive Chinese words: the search step looks for them (segmented by jieba).
const firstTitle = "卧牛湖冬捕节开幕 渔民喜获丰收";
const secondTitle = "卧牛湖冰雪摄影展开幕";

// ---- the steps -----------------------------------------------------------------------------

interface Step {
  name: string;
  run: () => Promise<string>;
}

const steps: Step[] = [
  {
    name: "log in",
    run: async () => {
      const email = env("NEWSDESK_EMAIL");
      const r = await anonymous.POST("/api/v1/auth/login", {
        body: { email, password: env("NEWSDESK_PASSWORD") },
      });
      const token: Schemas["TokenResponse"] = ok(r, 200, "POST /auth/login");
      equal(token.token_type, "Bearer", "token_type");
      check(token.expires_in > 0, "expires_in > 0");
      staff = createClient<paths>({
        baseUrl: base,
        querySerializer,
        headers: { Authorization: `Bearer ${token.access_token}` },
      });
      const me = ok(await staff.GET("/api/v1/auth/me"), 200, "GET /auth/me");
      equal(me.email, email, "me.email");
      equal(me.role, "admin", "me.role");
      return `as ${me.email} (${me.role})`;
    },
  },
  {
    name: "create a channel",
    run: async () => {
      const r = await staff.POST("/api/v1/categories", {
        body: { name: `冒烟频道 ${run}`, slug: slug("channel"), position: 90 },
      });
      const category = ok(r, 201, "POST /categories");
      equal(category.slug, slug("channel"), "category.slug");
      equal(category.depth, 1, "category.depth");
      equal(category.path.at(-1)?.id, category.id, "category.path ends with itself");
      check(r.response.headers.get("location") !== null, "Location header");
      state.category = category;
      return `#${category.id} ${category.slug}`;
    },
  },
  {
    name: "create a source",
    run: async () => {
      const r = await staff.POST("/api/v1/sources", {
        body: {
          name: `黑河日报冒烟 ${run}`,
          slug: slug("source"),
          kind: "newspaper",
          homepage_url: "https://www.example.com/heihe-daily",
        },
      });
      const source = ok(r, 201, "POST /sources");
      equal(source.kind, "newspaper", "source.kind");
      state.source = source;
      return `#${source.id} ${source.name}`;
    },
  },
  {
    name: "create an author",
    run: async () => {
      const r = await staff.POST("/api/v1/authors", {
        body: { name: "张庆梅", slug: slug("author"), affiliation: "黑河市委讲师团" },
      });
      const author = ok(r, 201, "POST /authors");
      equal(author.affiliation, "黑河市委讲师团", "author.affiliation");
      state.author = author;
      return `#${author.id} ${author.name}`;
    },
  },
  {
    name: "create an article (draft)",
    run: async () => {
      const r = await staff.POST("/api/v1/articles", {
        body: {
          title: firstTitle,
          kicker: "冬季旅游",
          slug: slug("first"),
          body: "<p>卧牛湖冬捕节今天开幕，渔民喜获丰收。</p><script>alert(1)</script>",
          category_id: need(state.category, "channel").id,
          source_id: need(state.source, "source").id,
          author_ids: [need(state.author, "author").id],
          tags: ["冬捕", "黑河"],
        },
      });
      const article = ok(r, 201, "POST /articles");
      equal(article.status, "draft", "article.status");
      equal(article.title, firstTitle, "article.title");
      equal(article.authors[0]?.affiliation, "黑河市委讲师团", "byline affiliation");
      equal(article.source?.id, state.source?.id, "article.source.id");
      check(!article.body.includes("<script"), "body is sanitized");
      equal(article.published_at ?? null, null, "draft published_at");
      state.first = article;
      return `#${article.id} v${article.version} ${article.status}`;
    },
  },
  {
    name: "publish it (If-Match)",
    run: async () => {
      const draft = need(state.first, "article");
      const current = await staff.GET("/api/v1/articles/{key}", {
        params: { path: { key: String(draft.id) } },
      });
      ok(current, 200, "GET /articles/{id} as staff");
      const etag = current.response.headers.get("etag");
      equal(etag, `"v${draft.version}"`, "staff ETag");
      const r = await staff.PATCH("/api/v1/articles/{key}", {
        params: { path: { key: String(draft.id) }, header: { "If-Match": etag } },
        body: { status: "published" },
      });
      const article = ok(r, 200, "PATCH /articles/{id}");
      equal(article.status, "published", "article.status");
      equal(article.version, draft.version + 1, "article.version");
      check(article.published_at != null, "published_at is set");
      const stale = await staff.PATCH("/api/v1/articles/{key}", {
        params: { path: { key: String(draft.id) }, header: { "If-Match": etag } },
        body: { subtitle: "过期的修改" },
      });
      equal(failed(stale, 412, "stale PATCH").code, "precondition_failed", "stale PATCH code");
      state.first = article;
      return `v${article.version} published at ${article.published_at}`;
    },
  },
  {
    name: "create a second article (published at once)",
    run: async () => {
      const r = await staff.POST("/api/v1/articles", {
        body: {
          title: secondTitle,
          slug: slug("second"),
          body: "<p>冰雪摄影展展出作品一百余幅。</p>",
          category_id: need(state.category, "channel").id,
          status: "published",
          flags: { featured: true },
        },
      });
      const article = ok(r, 201, "POST /articles (published)");
      equal(article.status, "published", "article.status");
      equal(article.flags.featured, true, "flags.featured");
      state.second = article;
      return `#${article.id} ${article.status}`;
    },
  },
  {
    name: "list articles",
    run: async () => {
      const first = need(state.first, "article");
      const r = await anonymous.GET("/api/v1/articles", {
        params: { query: { category: need(state.category, "channel").slug } },
      });
      const list = ok(r, 200, "GET /articles");
      equal(list.meta.total, 2, "meta.total");
      const item = list.data.find((a) => a.id === first.id);
      check(item !== undefined, `article #${first.id} is listed`);
      equal(item.title, firstTitle, "listed title");
      equal(item.category.id, state.category?.id, "listed category");
      check(r.response.headers.get("cache-control")?.startsWith("public") === true, "public cache");
      return `${list.data.length} of ${list.meta.total}, found #${item.id}`;
    },
  },
  {
    name: "fetch it by slug",
    run: async () => {
      const first = need(state.first, "article");
      const r = await anonymous.GET("/api/v1/articles/{key}", {
        params: { path: { key: first.slug } },
      });
      const article = ok(r, 200, "GET /articles/{slug}");
      equal(article.id, first.id, "article.id");
      equal(article.kicker, "冬季旅游", "article.kicker");
      equal(article.authors[0]?.name, "张庆梅", "byline");
      equal(article.category.path.at(-1)?.slug, slug("channel"), "breadcrumb");
      check(r.response.headers.get("etag") !== null, "ETag");
      return `#${article.id} ${article.title}`;
    },
  },
  {
    name: "send a view",
    run: async () => {
      const first = need(state.first, "article");
      const r = await anonymous.POST("/api/v1/articles/{key}/views", {
        params: { path: { key: String(first.id) }, header: { "X-Visitor-Id": `ts-smoke-${run}` } },
      });
      equal(r.response.status, 204, "POST /articles/{id}/views status");
      return "204";
    },
  },
  {
    name: "read the most-read board",
    run: async () => {
      const first = need(state.first, "article");
      // Views are flushed to the database every VIEWS_FLUSH_INTERVAL seconds.
      for (let attempt = 0; ; attempt++) {
        const r = await anonymous.GET("/api/v1/rankings/most-read", {
          params: { query: { window: "day", category: need(state.category, "channel").slug } },
        });
        const board = ok(r, 200, "GET /rankings/most-read");
        equal(board.meta.window, "day", "meta.window");
        const top = board.data[0];
        if (top?.article.id === first.id) {
          equal(top.rank, 1, "rank");
          equal(top.views, 1, "views");
          return `#${top.article.id} rank ${top.rank} with ${top.views} view`;
        }
        check(attempt < 50, `article #${first.id} is not on top: ${JSON.stringify(board.data)}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    },
  },
  {
    name: "read a curated board",
    run: async () => {
      const first = need(state.first, "article");
      const created = await staff.POST("/api/v1/rankings", {
        body: { title: "冒烟推荐", slug: slug("board"), kind: "curated", size: 5 },
      });
      const board = ok(created, 201, "POST /rankings");
      equal(board.kind, "curated", "board.kind");
      state.board = board;
      const put = await staff.PUT("/api/v1/rankings/{key}/entries", {
        params: { path: { key: board.slug } },
        body: [{ article_id: first.id, note: "今日推荐" }],
      });
      ok(put, 200, "PUT /rankings/{slug}/entries");
      const r = await anonymous.GET("/api/v1/rankings/{key}", {
        params: { path: { key: board.slug } },
      });
      const detail = ok(r, 200, "GET /rankings/{slug}");
      equal(detail.entries.length, 1, "entries");
      equal(detail.entries[0]?.article.id, first.id, "entry article");
      equal(detail.entries[0]?.note, "今日推荐", "entry note");
      return `${detail.slug}: #${detail.entries[0]?.article.id}`;
    },
  },
  {
    name: "search",
    run: async () => {
      const first = need(state.first, "article");
      const r = await anonymous.GET("/api/v1/search", { params: { query: { q: "渔民 丰收" } } });
      const hits = ok(r, 200, "GET /search");
      const hit = hits.data.find((h) => h.id === first.id);
      check(hit !== undefined, `article #${first.id} is found: ${JSON.stringify(hits.data)}`);
      check(hit.highlight.title.includes("<mark>"), `highlighted title: ${hit.highlight.title}`);
      check(hit.score > 0, "score > 0");
      check(!hits.data.some((h) => h.id === state.second?.id), "the other article is not found");
      return `${hits.meta.total} hit(s), ${hit.highlight.title}`;
    },
  },
  {
    name: "page with a cursor",
    run: async () => {
      const [first, second] = [need(state.first, "article"), need(state.second, "article")];
      const query = { category: need(state.category, "channel").slug, per_page: 1 };
      const page1 = ok(
        await anonymous.GET("/api/v1/articles", { params: { query } }),
        200,
        "GET /articles?per_page=1",
      );
      equal(page1.data[0]?.id, second.id, "page 1 holds the newest");
      const cursor = page1.meta.next_cursor;
      check(typeof cursor === "string", "meta.next_cursor");
      const page2 = ok(
        await anonymous.GET("/api/v1/articles", { params: { query: { ...query, cursor } } }),
        200,
        "GET /articles?cursor=…",
      );
      equal(page2.data[0]?.id, first.id, "page 2 holds the older");
      equal(page2.meta.next_cursor ?? null, null, "next_cursor at the end");
      equal(page2.meta.total ?? null, null, "no total in cursor mode");
      return `#${second.id} then #${first.id}, then the end`;
    },
  },
  {
    name: "read the front page",
    run: async () => {
      // A cached front page shows a new most-read order after the next recount (RANKINGS_TTL).
      let home: Schemas["HomeScreen"] | undefined;
      let mostRead: number[] = [];
      for (let attempt = 0; attempt < 50; attempt++) {
        const r = await anonymous.GET("/api/v1/home", { params: { query: { per_channel: 3 } } });
        home = ok(r, 200, "GET /home");
        check(r.response.headers.get("etag") !== null, "ETag");
        mostRead = home.most_read.map((e) => e.article.id);
        if (mostRead.includes(need(state.first, "article").id)) break;
        await new Promise((done) => setTimeout(done, 200));
      }
      home = need(home, "front page");
      check(home.site.name.length > 0, "site.name");
      for (const block of home.channels) {
        check(block.articles.length <= 3, `at most 3 in ${block.channel.slug}`);
      }
      check(mostRead.includes(need(state.first, "article").id), "the viewed article is most-read");
      return `${home.site.name}: ${home.channels.length} channel block(s), ${mostRead.length} most-read`;
    },
  },
  {
    name: "read an article screen",
    run: async () => {
      const second = need(state.second, "article");
      const r = await anonymous.GET("/api/v1/articles/{key}", {
        params: {
          path: { key: second.slug },
          query: { include: ["related", "latest_in_category", "most_read", "blocks"] },
        },
      });
      const article = ok(r, 200, "GET /articles/{slug}?include=…");
      const latest = article.latest_in_category ?? [];
      equal(latest[0]?.id, need(state.first, "article").id, "latest_in_category");
      check(!latest.some((a) => a.id === second.id), "not the article itself");
      check(Array.isArray(article.related) && Array.isArray(article.most_read), "related, most_read");
      check(Array.isArray(article.blocks), "blocks");
      return `${latest.length} latest, ${article.related?.length} related, ${article.most_read?.length} most-read`;
    },
  },
  {
    name: "sync an offline copy",
    run: async () => {
      const copy = new Map<number, Schemas["ArticleSummary"]>();
      let since: string | undefined;
      let pages = 0;
      const pull = async (): Promise<void> => {
        for (;;) {
          const r = await anonymous.GET("/api/v1/articles/changes", {
            params: { query: { limit: 1, ...(since ? { since } : {}) } },
          });
          const page: Schemas["ArticleChanges"] = ok(r, 200, "GET /articles/changes");
          page.removed.forEach((id) => copy.delete(id));
          page.changed.forEach((a) => copy.set(a.id, a));
          since = page.next;
          pages++;
          if (!page.has_more) return;
        }
      };
      await pull();
      const [first, second] = [need(state.first, "article"), need(state.second, "article")];
      check(copy.has(first.id) && copy.has(second.id), "both articles are in the copy");
      const trashed = await staff.DELETE("/api/v1/articles/{key}", {
        params: { path: { key: String(second.id) } },
      });
      equal(trashed.response.status, 204, "DELETE /articles/{id}");
      await pull();
      check(!copy.has(second.id), "the trashed article left the copy");
      equal(copy.get(first.id)?.title, firstTitle, "the other one stays");
      return `${copy.size} article(s) after ${pages} page(s)`;
    },
  },
  {
    name: "upload an image and read a rendition",
    run: async () => {
      const image = png(480, 270, `ts-smoke ${run}`);
      // openapi-typescript types a `format: binary` part as a string; the form carries a Blob.
      const r = await staff.POST("/api/v1/media", {
        body: {
          file: new Blob([image], { type: "image/png" }) as unknown as string,
          title: "冒烟测试图片",
          alt: "渐变色测试图",
          tags: ["冒烟"],
          public: true,
        },
        bodySerializer: (body) => {
          const form = new FormData();
          form.append("file", body.file as unknown as Blob, "ts-smoke.png");
          for (const [name, value] of Object.entries(body)) {
            if (name === "file" || value === undefined) continue;
            for (const v of Array.isArray(value) ? value : [value]) form.append(name, String(v));
          }
          return form;
        },
      });
      const asset: Schemas["MediaDto"] = ok(r, 201, "POST /media");
      equal(asset.kind, "image", "asset.kind");
      equal(asset.mime, "image/png", "asset.mime");
      equal(`${asset.width}x${asset.height}`, "480x270", "asset size");
      equal(asset.renditions.map((x) => x.width).join(","), "160,320", "rendition widths");
      check(asset.srcset?.endsWith(" 480w") ?? false, `srcset ends with the original: ${asset.srcset}`);
      const rendition = await anonymous.GET("/media/{id}/{name}", {
        params: { path: { id: asset.id, name: asset.file_name }, query: { w: 320, h: 180, fit: "cover" } },
        parseAs: "arrayBuffer",
      });
      equal(rendition.response.status, 200, "GET /media/{id}/{name}?w=320&h=180");
      const bytes = new Uint8Array(rendition.data as ArrayBuffer);
      const view = new DataView(bytes.buffer);
      equal(`${view.getUint32(16)}x${view.getUint32(20)}`, "320x180", "rendition size (PNG header)");
      const ranged = await anonymous.GET("/media/{id}/{name}", {
        params: { path: { id: asset.id, name: asset.file_name }, header: { Range: "bytes=0-7" } } as never,
        parseAs: "arrayBuffer",
      });
      equal(ranged.response.status, 206, "a range of the original");
      return `#${asset.id} ${asset.file_name}, 320x180 rendition ${bytes.length} bytes`;
    },
  },
  {
    name: "get a 404 as a typed problem",
    run: async () => {
      const r = await anonymous.GET("/api/v1/articles/{key}", {
        params: { path: { key: slug("no-such-article") } },
      });
      const problem: Problem = failed(r, 404, "GET /articles/{unknown}");
      equal(problem.code, "not_found", "problem.code");
      equal(problem.status, 404, "problem.status");
      return `${problem.code}: ${problem.detail}`;
    },
  },
  {
    name: "get a 422 as a typed problem",
    run: async () => {
      const r = await staff.POST("/api/v1/articles", {
        body: { title: "", category_id: need(state.category, "channel").id },
      });
      const problem: Problem = failed(r, 422, "POST /articles with an empty title");
      equal(problem.code, "validation_failed", "problem.code");
      const fields = (problem.errors ?? []).map((e) => e.field);
      check(fields.includes("title"), `errors name the field title: ${JSON.stringify(fields)}`);
      return `${problem.code}: ${fields.join(", ")}`;
    },
  },
];

// ---- run them ------------------------------------------------------------------------------

let failures = 0;
for (const step of steps) {
  const started = performance.now();
  try {
    const note = await step.run();
    const ms = Math.round(performance.now() - started);
    console.log(`ok    ${step.name}: ${note} (${ms} ms)`);
  } catch (e) {
    failures++;
    const message = e instanceof StepFailure ? e.message : e instanceof Error ? e.stack : String(e);
    console.log(`FAIL  ${step.name}: ${message}`);
  }
}
console.log(`ts smoke: ${steps.length - failures} of ${steps.length} steps passed`);
process.exitCode = failures === 0 ? 0 : 1;
