// Render helpers both pages share: elements, links between the portal's pages, dates in the
// newsroom's time zone, and the header (navigation, slogans), blocks and footer.

import { mediaSrcset, mediaUrl } from "./api.js";
import type { ArticleSummary, Footer, ImageRef, MediaRef, NavItem, RankedArticle, ScreenBlock, Site } from "./api.js";

type Child = Node | string | null | undefined | false;

/** An element with attributes and children (strings become text; null/false are skipped). */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> | null,
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) el.setAttribute(name, value);
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child);
  }
  return el;
}

/**
 * A link to one of the portal's pages; the page's `?api=` (when it came with one) goes
 * along, so a portal opened with `?api=` stays on that API.
 */
export function pageHref(page: "index.html" | "article.html", params: Record<string, string> = {}, hash = ""): string {
  const query = new URLSearchParams(params);
  const api = new URLSearchParams(location.search).get("api");
  if (api) query.set("api", api);
  const search = query.toString();
  return `${page}${search ? `?${search}` : ""}${hash ? `#${hash}` : ""}`;
}

export function articleHref(article: { slug: string }): string {
  return pageHref("article.html", { slug: article.slug });
}

export function channelHref(channel: { slug: string }): string {
  return pageHref("index.html", {}, `ch-${channel.slug}`);
}

/** Two-character Chinese names are letter-spaced, as the page sets them: 理论 → 理 论. */
export function letterSpaced(name: string): string {
  return /^\p{Script=Han}{2}$/u.test(name) ? [...name].join(" ") : name;
}

const newsroomTime = new Intl.DateTimeFormat("en-GB", {
  timeZone: "Asia/Shanghai",
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  hourCycle: "h23",
});

/** An instant as the newsroom shows it, in Asia/Shanghai: `2024-06-28 09:53:21`. */
export function newsroomDateTime(iso: string): string {
  const parts: Record<string, string> = {};
  for (const part of newsroomTime.formatToParts(new Date(iso))) parts[part.type] = part.value;
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}`;
}

/** `MM-DD` of an instant in Asia/Shanghai, for lists. */
export function newsroomDay(iso: string | null | undefined): string {
  return iso ? newsroomDateTime(iso).slice(5, 10) : "";
}

/** A URL without its scheme, as the page prints a source's site: `//heihe.dbw.cn`. */
export function schemeless(url: string): string {
  return url.replace(/^[a-z][a-z0-9+.-]*:(?=\/\/)/i, "").replace(/\/$/, "");
}

/** The header: 首 页 and the navigation channels, then the scrolling slogans. */
export function siteHeader(site: Site, current: NavItem["id"] | null): HTMLElement {
  const home = h("a", { href: pageHref("index.html"), class: current === null ? "current" : "" }, letterSpaced("首页"));
  const entries = site.navigation.map((item) =>
    h(
      "a",
      { href: channelHref(item), class: item.id === current ? "current" : "", "data-slug": item.slug },
      letterSpaced(item.name),
    ),
  );
  return h(
    "header",
    { class: "site-header" },
    h("div", { class: "masthead" }, h("a", { class: "site-name", href: pageHref("index.html") }, site.name)),
    h("nav", { class: "nav" }, home, entries),
    h(
      "div",
      { class: "slogans" },
      h(
        "div",
        { class: "slogans-track" },
        site.slogans.map((slogan) =>
          h("span", { class: "slogan" }, slogan.url ? h("a", { href: slogan.url }, slogan.text) : slogan.text),
        ),
      ),
    ),
  );
}

/**
 * The footer's lines, in the order the API documents: copyright; each of `lines`; the
 * contact line; the address; the reporting line; the ICP number; the notice.
 */
export function footerLines(footer: Footer): (string | Node)[] {
  const lines: (string | Node)[] = [];
  if (footer.copyright) lines.push(footer.copyright);
  lines.push(...footer.lines);
  const contact: string[] = [];
  if (footer.contact_label || footer.phone) {
    contact.push(`${footer.contact_label ? `${footer.contact_label}:` : ""}${footer.phone ?? ""}`);
  }
  if (footer.qq) contact.push(`QQ:${footer.qq}`);
  if (footer.email) contact.push(`E-mail: ${footer.email}`);
  if (footer.phone || footer.qq || footer.email) lines.push(contact.join(" "));
  if (footer.address) lines.push(footer.address);
  const report = footer.report;
  if (report) {
    const phone = report.phone ? ` ${report.phone_label ? `${report.phone_label}:` : ""}${report.phone}` : "";
    const name = report.url ? h("a", { href: report.url }, report.name) : report.name;
    const line = h("span", null, name, phone);
    lines.push(line);
  }
  if (footer.icp) lines.push(footer.icp);
  if (footer.notice) lines.push(footer.notice);
  return lines;
}

export function siteFooter(site: Site): HTMLElement {
  return h("footer", { class: "site-footer" }, footerLines(site.footer).map((line) => h("p", null, line)));
}

/** A block's heading: its title and, when it has somewhere to go, 更多>>. */
export function blockHead(title: string, more: string | null | undefined): HTMLElement {
  return h(
    "h2",
    { class: "block-head" },
    h("span", { class: "block-title" }, title),
    more ? [" ", h("a", { class: "more", href: more }, "更多>>")] : null,
  );
}

/** A length in milliseconds as a player shows it: `0:03`, `12:40`. */
export function duration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
}

/** An image of the media library, with its renditions for the browser to choose from. */
export function picture(image: ImageRef, sizes: string, className = ""): HTMLImageElement {
  return h("img", {
    class: className,
    src: mediaUrl(image.renditions.at(-1)?.url ?? image.url),
    srcset: mediaSrcset(image.srcset),
    sizes,
    width: String(image.width),
    height: String(image.height),
    alt: image.alt ?? "",
    loading: "lazy",
  });
}

/** A player for a video or audio of the media library, its poster shown until it plays. */
export function player(media: MediaRef, fallbackPoster: ImageRef | null | undefined): HTMLElement {
  const poster = media.poster ?? fallbackPoster;
  const attrs: Record<string, string> = { controls: "", preload: "metadata", playsinline: "" };
  if (poster) attrs.poster = mediaUrl(poster.renditions.find((r) => r.width >= 320)?.url ?? poster.url);
  const source = h("source", { src: mediaUrl(media.url), type: media.mime });
  const element = media.kind === "video" ? h("video", attrs, source) : h("audio", { controls: "", preload: "metadata" }, source);
  return h(
    "figure",
    { class: `player player-${media.kind}`, "data-duration": media.duration_ms ? duration(media.duration_ms) : "" },
    media.kind === "audio" && poster ? picture(poster, "300px", "player-poster") : null,
    element,
  );
}

/** One list entry: `· title`, with its day on the front page. */
export function summaryItem(article: ArticleSummary, withDay = false): HTMLLIElement {
  const media = article.media;
  return h(
    "li",
    {
      class: `entry kind-${article.kind}`,
      // Shown by the style sheet (not part of the entry's text).
      "data-duration": media?.duration_ms ? duration(media.duration_ms) : "",
    },
    h("span", { class: "dot" }, "· "),
    h("a", { href: articleHref(article) }, article.title),
    withDay && article.published_at ? h("span", { class: "day" }, newsroomDay(article.published_at)) : null,
  );
}

/** One ranked entry (点击排行, boards): its place, the title, and the views when counted. */
export function rankedItem(entry: RankedArticle): HTMLLIElement {
  return h(
    "li",
    { class: "entry ranked" },
    h("span", { class: `rank${entry.rank <= 3 ? " top" : ""}` }, String(entry.rank)),
    h("a", { href: articleHref(entry.article) }, entry.article.title),
    entry.views !== null && entry.views !== undefined ? h("span", { class: "views" }, String(entry.views)) : null,
  );
}

/**
 * A configured block (ScreenBlock): its heading and its list, ranked for boards. A block of
 * video and audio (影音黑河) opens with a player for its newest one.
 */
export function screenBlock(block: ScreenBlock): HTMLElement {
  const ranked = block.list === "most_read" || block.list === "board";
  const playable = ranked ? undefined : block.entries.find((entry) => entry.article.media)?.article;
  return h(
    "section",
    { class: `block list-${block.list}`, "data-key": block.key },
    blockHead(block.title, block.more_url),
    playable?.media ? player(playable.media, playable.cover_image) : null,
    ranked
      ? h("ol", { class: "entries" }, block.entries.map(rankedItem))
      : h("ul", { class: "entries" }, block.entries.map((entry) => summaryItem(entry.article))),
  );
}

/** Replaces the page's content with what the API answered, or says what went wrong. */
export function mount(...children: Node[]): void {
  document.getElementById("app")?.replaceChildren(...children);
}

export function showFailure(error: unknown): void {
  console.error(error);
  mount(h("p", { class: "failure" }, `无法载入页面: ${error instanceof Error ? error.message : String(error)}`));
  document.body.dataset.state = "failed";
}
