// The article page (article.html?slug=...), as the reference page of 黑河新闻网 lays it out, from
// one request (GET /api/v1/articles/{slug}?include=blocks,site) and the view beacon.
//
// Page order: header (首 页 + navigation, slogans); breadcrumb; 引题 and 主题 on one line; the
// source's site and the time; 引题, 主题 (副题) and the bylines over the body; the body; the
// 作者/来源/编辑 line (with the cover or the player, and a gallery's images, over the body); the
// article screen's blocks in configured order: those up to 相关新闻 (the
// `related` block) under the article, the others in the side column; the footer.

import { type ArticleDetail, articleScreen, countView, mediaSrcset, mediaUrl, type Site } from "./api.js";
import {
  channelHref,
  h,
  letterSpaced,
  mount,
  newsroomDateTime,
  picture,
  player,
  schemeless,
  screenBlock,
  showFailure,
  siteFooter,
  siteHeader,
} from "./render.js";

function breadcrumb(article: ArticleDetail): HTMLElement {
  const crumbs: (Node | string)[] = [];
  article.category.path.forEach((ref, i) => {
    if (i > 0) crumbs.push(" > ");
    crumbs.push(h("a", { href: channelHref(ref) }, ref.name));
  });
  return h("div", { class: "breadcrumb" }, "您当前的位置 : ", crumbs);
}

/** The line under the headline: the site's own address and the time, `//heihe.dbw.cn  2024-06-28 09:53:21`. */
function infoLine(article: ArticleDetail, siteUrl: string | null | undefined): HTMLElement {
  const site = siteUrl;
  return h(
    "div",
    { class: "info" },
    site ? h("a", { class: "source-site", href: site }, schemeless(site)) : null,
    site && article.published_at ? "  " : null,
    article.published_at ? h("time", { datetime: article.published_at }, newsroomDateTime(article.published_at)) : null,
  );
}

/**
 * 作者 / 来源 / 编辑. The bylines are shown once, over the body, as the reference page does; its
 * 作者 field stays empty.
 */
function metaLine(article: ArticleDetail): HTMLElement {
  return h(
    "div",
    { class: "meta" },
    h("span", null, "作者:"),
    " ",
    h("span", null, `来源:${article.source?.name ?? ""}`),
    " ",
    h("span", null, `编辑:${article.editor?.display_name ?? ""}`),
  );
}

function articleBody(article: ArticleDetail): HTMLElement {
  const body = h("div", { class: "body" });
  // Sanitized HTML: the API runs every body through its sanitizer on write.
  body.innerHTML = article.body;
  // Images of the media library are paths on the API's origin.
  for (const img of body.querySelectorAll<HTMLImageElement>("img[src^='/media/']")) {
    img.src = mediaUrl(img.getAttribute("src") ?? "");
    const srcset = img.getAttribute("srcset");
    if (srcset) img.srcset = mediaSrcset(srcset);
  }
  return body;
}

/** The cover (题图) or, for video and audio, the player; then a gallery's images. */
function articleMedia(article: ArticleDetail): (HTMLElement | null)[] {
  const lead = article.media
    ? player(article.media, article.cover_image)
    : article.cover_image
      ? h("figure", { class: "cover" }, picture(article.cover_image, "(max-width: 760px) 100vw, 700px"),
          article.cover_image.caption ? h("figcaption", null, article.cover_image.caption) : null)
      : null;
  const gallery = article.gallery.length
    ? h("div", { class: "gallery" }, article.gallery.map((image) => h("figure", null, picture(image, "(max-width: 760px) 50vw, 340px"))))
    : null;
  return [lead, gallery];
}

function render(article: ArticleDetail, site: Site): void {
  const navChannel = site.navigation.find((item) => article.category.path.some((ref) => ref.id === item.id));
  // The blocks up to 相关新闻 go under the article, the rest in the side column.
  const blocks = article.blocks ?? [];
  const under = blocks.findIndex((block) => block.list === "related") + 1;
  document.title = `${article.title}_${site.name}`;
  const kicker = article.kicker ? h("p", { class: "kicker" }, article.kicker) : null;
  mount(
    siteHeader(site, navChannel?.id ?? null),
    h(
      "div",
      { class: "layout" },
      h(
        "main",
        { class: "main-col" },
        breadcrumb(article),
        h(
          "article",
          { class: "article" },
          h(
            "h1",
            { class: "headline" },
            article.kicker ? h("span", { class: "headline-kicker" }, article.kicker) : null,
            article.kicker ? " " : null,
            h("span", { class: "headline-title" }, article.title),
          ),
          infoLine(article, site.url),
          h(
            "div",
            { class: "titles" },
            kicker,
            h("h2", { class: "title" }, article.title),
            article.subtitle ? h("p", { class: "subtitle" }, article.subtitle) : null,
            article.authors.length
              ? h(
                  "p",
                  { class: "byline" },
                  article.authors.flatMap((a, i) => [i ? " " : null, h("span", { class: "author" }, letterSpaced(a.name))]),
                )
              : null,
          ),
          articleMedia(article),
          articleBody(article),
          metaLine(article),
        ),
        blocks.slice(0, under).map(screenBlock),
      ),
      h("aside", { class: "side-col" }, blocks.slice(under).map(screenBlock)),
    ),
    siteFooter(site),
  );
  document.body.dataset.state = "rendered";
}

async function main(): Promise<void> {
  const slug = new URLSearchParams(location.search).get("slug");
  if (!slug) throw new Error("no article: open article.html?slug=...");
  const article = await articleScreen(slug);
  if (!article.site) throw new Error("the API did not include the site settings (include=site)");
  render(article, article.site);
  // The view beacon, once the article is shown: a failure is logged, the page stays.
  countView(article)
    .then(() => {
      document.body.dataset.view = "counted";
    })
    .catch((error: unknown) => console.error(error));
}

main().catch(showFailure);
