// The typed API client: openapi-fetch over the types openapi-typescript generated from
// openapi/openapi.json (generated/schema.d.ts). Each page makes its few requests through the
// functions below; nothing else in the portal talks to the API.

import createClient from "openapi-fetch";
import type { components, paths } from "../generated/schema.js";

type Schemas = components["schemas"];
export type ArticleDetail = Schemas["ArticleDetail"];
export type ArticleSummary = Schemas["ArticleSummary"];
export type RankedArticle = Schemas["RankedArticle"];
export type HomeScreen = Schemas["HomeScreen"];
export type Site = Schemas["SiteDto"];
export type Footer = Site["footer"];
export type NavItem = Schemas["NavItem"];
export type ScreenBlock = Schemas["ScreenBlock"];
export type Problem = Schemas["Problem"];
export type ImageRef = Schemas["ImageRef"];
export type MediaRef = Schemas["MediaRef"];

declare global {
  interface Window {
    /** Written by serve.mjs into /config.js: where the API is. */
    NEWSDESK_CONFIG?: { api?: string };
  }
}

/** The API's base URL: `?api=` on the page's URL, else what serve.mjs put in /config.js. */
export function apiBase(): string {
  const base = new URLSearchParams(location.search).get("api") ?? window.NEWSDESK_CONFIG?.api;
  if (!base) {
    throw new Error(
      "no API base URL: serve the portal with `node serve.mjs --api URL`, or open it with ?api=URL",
    );
  }
  return base.replace(/\/+$/, "");
}

/**
 * A media URL of the API (`/media/{id}/{name}…`, a path on the API's origin) as this page,
 * served from another origin, must ask for it.
 */
export function mediaUrl(path: string): string {
  return path.startsWith("/") ? `${apiBase()}${path}` : path;
}

/** Every URL of a `srcset` through `mediaUrl`. */
export function mediaSrcset(srcset: string): string {
  return srcset
    .split(",")
    .map((candidate) => {
      const [url, ...size] = candidate.trim().split(/\s+/);
      return [mediaUrl(url ?? ""), ...size].join(" ");
    })
    .join(", ");
}

let client: ReturnType<typeof createClient<paths>> | undefined;

function api(): ReturnType<typeof createClient<paths>> {
  // `include` is a comma list (style form, explode false in the spec): include=blocks,site.
  client ??= createClient<paths>({
    baseUrl: apiBase(),
    querySerializer: { array: { style: "form", explode: false } },
  });
  return client;
}

/** A failed call, with the problem document's title and detail when the API sent one. */
export class ApiError extends Error {
  constructor(what: string, response: Response, problem: Problem | undefined) {
    const why = problem ? `${problem.title}${problem.detail ? `: ${problem.detail}` : ""}` : "";
    super(`${what}: HTTP ${response.status}${why ? ` (${why})` : ""}`);
    this.name = "ApiError";
  }
}

/**
 * The article screen in one request: the article, the article screen's configured blocks
 * (相关新闻 among them, as a `related` block) and the site settings (header, navigation,
 * slogans, footer).
 */
export async function articleScreen(slug: string): Promise<ArticleDetail> {
  const { data, error, response } = await api().GET("/api/v1/articles/{key}", {
    params: { path: { key: slug }, query: { include: ["blocks", "site"] } },
  });
  if (data === undefined) throw new ApiError(`article ${slug}`, response, error);
  return data;
}

/** The front page in one request, with the configured home blocks. */
export async function homeScreen(): Promise<HomeScreen> {
  const { data, error, response } = await api().GET("/api/v1/home", {
    params: { query: { include: ["blocks"] } },
  });
  if (data === undefined) throw new ApiError("front page", response, error);
  return data;
}

/**
 * The view beacon, once per page view after the article is shown. No custom header, so the
 * browser sends it without a CORS preflight (the server then dedupes by address and agent).
 */
export async function countView(article: ArticleDetail): Promise<void> {
  const { error, response } = await api().POST("/api/v1/articles/{key}/views", {
    params: { path: { key: String(article.id) } },
  });
  if (!response.ok) throw new ApiError(`view of article ${article.id}`, response, error);
  // openapi-fetch leaves a 204's (empty) body unread; read it, or the browser aborts the
  // request when it drops the response and reports it as failed.
  if (!response.bodyUsed) await response.arrayBuffer();
}
