// The front page (index.html), from one request (GET /api/v1/home?include=blocks): header
// (首 页 + navigation, slogans), the headline board (头条, its top story with its cover), one block per navigation channel with
// its newest articles, 点击排行 and the configured home blocks in the side column, the footer.

import { type HomeScreen, homeScreen } from "./api.js";
import {
  articleHref,
  blockHead,
  h,
  mount,
  newsroomDay,
  picture,
  rankedItem,
  screenBlock,
  showFailure,
  siteFooter,
  siteHeader,
  summaryItem,
} from "./render.js";

function headline(home: HomeScreen): HTMLElement | null {
  const board = home.headline;
  if (!board || board.entries.length === 0) return null;
  const [top, ...rest] = board.entries;
  return h(
    "section",
    { class: "headline-board" },
    h("h2", { class: "block-head" }, h("span", { class: "block-title" }, board.title)),
    top
      ? h(
          "div",
          { class: "top-story" },
          top.article.cover_image
            ? h("figure", { class: "cover" }, picture(top.article.cover_image, "(max-width: 760px) 100vw, 700px"))
            : null,
          top.article.kicker ? h("p", { class: "kicker" }, top.article.kicker) : null,
          h("h1", null, h("a", { href: articleHref(top.article) }, top.article.title)),
          h("p", { class: "summary" }, top.article.summary),
        )
      : null,
    h(
      "ul",
      { class: "entries" },
      rest.map((entry) =>
        h(
          "li",
          { class: "entry" },
          h("a", { href: articleHref(entry.article) }, entry.article.title),
          h("span", { class: "day" }, newsroomDay(entry.article.published_at)),
        ),
      ),
    ),
  );
}

function channelBlocks(home: HomeScreen): HTMLElement {
  return h(
    "div",
    { class: "channels" },
    home.channels.map((block) =>
      h(
        "section",
        { class: "block channel", id: `ch-${block.channel.slug}`, "data-slug": block.channel.slug },
        blockHead(block.channel.name, null),
        h("ul", { class: "entries" }, block.articles.map((article) => summaryItem(article, true))),
      ),
    ),
  );
}

function render(home: HomeScreen): void {
  const site = home.site;
  document.title = site.name;
  mount(
    siteHeader(site, null),
    h(
      "div",
      { class: "layout" },
      h("main", { class: "main-col" }, headline(home), channelBlocks(home)),
      h(
        "aside",
        { class: "side-col" },
        h(
          "section",
          { class: "block most-read" },
          blockHead("点击排行", null),
          h("ol", { class: "entries" }, home.most_read.map(rankedItem)),
        ),
        (home.blocks ?? []).map(screenBlock),
      ),
    ),
    siteFooter(site),
  );
  document.body.dataset.state = "rendered";
}

homeScreen().then(render).catch(showFailure);
