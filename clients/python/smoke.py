"""Smoke test of the Python client generated from openapi/openapi.json (openapi-python-client),
run against a live server by scripts/clients-test.sh. Every call goes through the generated
`api` modules with the generated models; each answer must parse into its model class.

Environment: NEWSDESK_URL (base URL), NEWSDESK_EMAIL / NEWSDESK_PASSWORD (an admin),
SMOKE_RUN (suffix that makes this run's slugs unique; optional).

Each step is a named function that asserts real values and returns a one-line note; add a step
by writing a function and appending it to STEPS below.
"""

from __future__ import annotations

import io
import os
import struct
import sys
import time
import traceback
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

# The generated package lives in clients/python/generated (not committed).
sys.path.insert(0, str(Path(__file__).resolve().parent / "generated"))

from newsdesk_client import AuthenticatedClient, Client  # noqa: E402
from newsdesk_client.api.articles import (  # noqa: E402
    create_article,
    get_article,
    list_article_changes,
    list_articles,
    delete_article,
    update_article,
)
from newsdesk_client.api.auth import create_token, get_current_user  # noqa: E402
from newsdesk_client.api.authors import create_author  # noqa: E402
from newsdesk_client.api.categories import create_category  # noqa: E402
from newsdesk_client.api.rankings import (  # noqa: E402
    create_article_view,
    create_ranking,
    get_most_read,
    get_ranking,
    replace_ranking_entries,
)
from newsdesk_client.api.media import get_media_file, upload_media  # noqa: E402
from newsdesk_client.api.search import search_articles  # noqa: E402
from newsdesk_client.api.site import get_home  # noqa: E402
from newsdesk_client.api.sources import create_source  # noqa: E402
from newsdesk_client.models import (  # noqa: E402
    ArticleInclude,
    ArticleChanges,
    ArticleDetail,
    ArticleSummary,
    ArticleStatus,
    AuthorDto,
    CategoryDetail,
    CreateArticle,
    CreateAuthor,
    CreateCategory,
    CreateRanking,
    CreateSource,
    EntryInput,
    ErrorCode,
    HomeScreen,
    ListResponseArticleSummary,
    ListResponseSearchHit,
    LoginRequest,
    MediaDto,
    MediaKind,
    Me,
    MostReadResponse,
    Problem,
    RankingDetail,
    RankingKind,
    RenditionFormat,
    Role,
    SourceDto,
    SourceKind,
    TimeWindow,
    TokenResponse,
    UpdateArticle,
    UploadMedia,
)
from newsdesk_client.types import UNSET, File, Response  # noqa: E402

T = TypeVar("T")

BASE = os.environ.get("NEWSDESK_URL", "")
RUN = os.environ.get("SMOKE_RUN") or format(int(time.time() * 1000), "x")
# Distinctive Chinese words: the search step looks for them (segmented by jieba).
FIRST_TITLE = "五大连池火山冰雪节开幕 游客踏雪赏景"
SECOND_TITLE = "五大连池温泉小镇迎客"


class StepFailure(Exception):
    pass


def check(condition: bool, message: str) -> None:
    if not condition:
        raise StepFailure(message)


def equal(actual: Any, expected: Any, what: str) -> None:
    check(actual == expected, f"{what}: expected {expected!r}, got {actual!r}")


def need(value: T | None, what: str) -> T:
    """A value a previous step stored; fails the step when that step did not run."""
    if value is None:
        raise StepFailure(f"{what} is missing (an earlier step failed)")
    return value


def ok(r: Response[Any], status: int, model: type[T], what: str) -> T:
    """The parsed body of a successful call: it must have the status and parse into `model`."""
    check(
        r.status_code == status,
        f"{what}: expected {status}, got {int(r.status_code)} {r.content[:300]!r}",
    )
    check(
        isinstance(r.parsed, model),
        f"{what}: parsed as {type(r.parsed).__name__}, not {model.__name__}",
    )
    return r.parsed  # type: ignore[return-value]  # narrowed by the isinstance check


def failed(r: Response[Any], status: int, what: str) -> Problem:
    """The parsed problem document of a failed call."""
    equal(r.headers.get("content-type"), "application/problem+json", f"{what} content type")
    return ok(r, status, Problem, what)


@dataclass
class State:
    anonymous: Client
    staff: AuthenticatedClient | None = None
    category: CategoryDetail | None = None
    source: SourceDto | None = None
    author: AuthorDto | None = None
    first: ArticleDetail | None = None
    second: ArticleDetail | None = None
    board: RankingDetail | None = None


def slug(what: str) -> str:
    return f"py-smoke-{what}-{RUN}"


# ---- the steps ---------------------------------------------------------------------------------


def log_in(s: State) -> str:
    email = os.environ["NEWSDESK_EMAIL"]
    body = LoginRequest(email=email, password=os.environ["NEWSDESK_PASSWORD"])
    # The optional X-Api-Key makes the generator ask for an AuthenticatedClient (see list_them).
    token = ok(create_token.sync_detailed(client=s.anonymous, body=body), 200, TokenResponse, "POST /auth/login")  # type: ignore[arg-type]
    equal(token.token_type, "Bearer", "token_type")
    check(token.expires_in > 0, "expires_in > 0")
    s.staff = AuthenticatedClient(base_url=BASE, token=token.access_token, raise_on_unexpected_status=False)
    me = ok(get_current_user.sync_detailed(client=s.staff), 200, Me, "GET /auth/me")
    equal(me.email, email, "me.email")
    equal(me.role, Role.ADMIN, "me.role")
    return f"as {me.email} ({me.role.value})"


def create_a_channel(s: State) -> str:
    body = CreateCategory(name=f"冒烟频道 {RUN} py", slug=slug("channel"), position=91)
    r = create_category.sync_detailed(client=need(s.staff, "staff client"), body=body)
    category = ok(r, 201, CategoryDetail, "POST /categories")
    equal(category.slug, slug("channel"), "category.slug")
    equal(category.depth, 1, "category.depth")
    equal(category.path[-1].id, category.id, "category.path ends with itself")
    check("location" in r.headers, "Location header")
    s.category = category
    return f"#{category.id} {category.slug}"


def create_a_source(s: State) -> str:
    body = CreateSource(
        name=f"新华社冒烟 {RUN}",
        slug=slug("source"),
        kind=SourceKind.AGENCY,
        homepage_url="https://www.example.com/xinhua",
    )
    source = ok(create_source.sync_detailed(client=need(s.staff, "staff client"), body=body), 201, SourceDto, "POST /sources")
    equal(source.kind, SourceKind.AGENCY, "source.kind")
    s.source = source
    return f"#{source.id} {source.name}"


def create_an_author(s: State) -> str:
    body = CreateAuthor(name="李晓东", slug=slug("author"), affiliation="五大连池市融媒体中心")
    author = ok(create_author.sync_detailed(client=need(s.staff, "staff client"), body=body), 201, AuthorDto, "POST /authors")
    equal(author.affiliation, "五大连池市融媒体中心", "author.affiliation")
    s.author = author
    return f"#{author.id} {author.name}"


def create_an_article(s: State) -> str:
    body = CreateArticle(
        title=FIRST_TITLE,
        kicker="冬季旅游",
        slug=slug("first"),
        body="<p>五大连池火山冰雪节今天开幕。</p><script>alert(1)</script>",
        category_id=need(s.category, "channel").id,
        source_id=need(s.source, "source").id,
        author_ids=[need(s.author, "author").id],
        tags=["冰雪节", "五大连池"],
    )
    r = create_article.sync_detailed(client=need(s.staff, "staff client"), body=body)
    article = ok(r, 201, ArticleDetail, "POST /articles")
    equal(article.status, ArticleStatus.DRAFT, "article.status")
    equal(article.title, FIRST_TITLE, "article.title")
    equal(article.authors[0].affiliation, "五大连池市融媒体中心", "byline affiliation")
    check(isinstance(article.source, SourceDto), "article.source is a SourceDto")
    equal(article.source.id, need(s.source, "source").id, "article.source.id")  # type: ignore[union-attr]
    check("<script" not in article.body, "body is sanitized")
    check(article.published_at in (None, UNSET), "draft has no published_at")
    s.first = article
    return f"#{article.id} v{article.version} {article.status.value}"


def publish_it(s: State) -> str:
    staff, draft = need(s.staff, "staff client"), need(s.first, "article")
    current = get_article.sync_detailed(str(draft.id), client=staff)
    ok(current, 200, ArticleDetail, "GET /articles/{id} as staff")
    etag = current.headers.get("etag")
    equal(etag, f'"v{draft.version}"', "staff ETag")
    r = update_article.sync_detailed(
        str(draft.id), client=staff, body=UpdateArticle(status=ArticleStatus.PUBLISHED), if_match=etag
    )
    article = ok(r, 200, ArticleDetail, "PATCH /articles/{id}")
    equal(article.status, ArticleStatus.PUBLISHED, "article.status")
    equal(article.version, draft.version + 1, "article.version")
    check(article.published_at not in (None, UNSET), "published_at is set")
    stale = update_article.sync_detailed(
        str(draft.id), client=staff, body=UpdateArticle(subtitle="过期的修改"), if_match=etag
    )
    equal(failed(stale, 412, "stale PATCH").code, ErrorCode.PRECONDITION_FAILED, "stale PATCH code")
    s.first = article
    return f"v{article.version} published at {article.published_at}"


def create_a_second_article(s: State) -> str:
    body = CreateArticle(
        title=SECOND_TITLE,
        slug=slug("second"),
        body="<p>温泉小镇迎来今冬第一批游客。</p>",
        category_id=need(s.category, "channel").id,
        status=ArticleStatus.PUBLISHED,
    )
    r = create_article.sync_detailed(client=need(s.staff, "staff client"), body=body)
    article = ok(r, 201, ArticleDetail, "POST /articles (published)")
    equal(article.status, ArticleStatus.PUBLISHED, "article.status")
    s.second = article
    return f"#{article.id} {article.status.value}"


def list_them(s: State) -> str:
    first = need(s.first, "article")
    # Public reads: the generator asks for an AuthenticatedClient wherever a security scheme is
    # optional, but any client works; the anonymous one proves the article is public.
    r = list_articles.sync_detailed(client=s.anonymous, category=need(s.category, "channel").slug)  # type: ignore[arg-type]
    page = ok(r, 200, ListResponseArticleSummary, "GET /articles")
    equal(page.meta.total, 2, "meta.total")
    item = next((a for a in page.data if a.id == first.id), None)
    check(item is not None, f"article #{first.id} is listed")
    equal(item.title, FIRST_TITLE, "listed title")  # type: ignore[union-attr]
    check(str(r.headers.get("cache-control", "")).startswith("public"), "public cache")
    return f"{len(page.data)} of {page.meta.total}, found #{first.id}"


def fetch_by_slug(s: State) -> str:
    first = need(s.first, "article")
    r = get_article.sync_detailed(first.slug, client=s.anonymous)  # type: ignore[arg-type]
    article = ok(r, 200, ArticleDetail, "GET /articles/{slug}")
    equal(article.id, first.id, "article.id")
    equal(article.kicker, "冬季旅游", "article.kicker")
    equal(article.authors[0].name, "李晓东", "byline")
    equal(article.category.path[-1].slug, slug("channel"), "breadcrumb")
    check("etag" in r.headers, "ETag")
    return f"#{article.id} {article.title}"


def send_a_view(s: State) -> str:
    first = need(s.first, "article")
    r = create_article_view.sync_detailed(str(first.id), client=s.anonymous, x_visitor_id=f"py-smoke-{RUN}")  # type: ignore[arg-type]
    equal(int(r.status_code), 204, "POST /articles/{id}/views status")
    return "204"


def read_most_read(s: State) -> str:
    first = need(s.first, "article")
    # Views are flushed to the database every VIEWS_FLUSH_INTERVAL seconds.
    for attempt in range(51):
        r = get_most_read.sync_detailed(
            client=s.anonymous,  # type: ignore[arg-type]
            window=TimeWindow.DAY,
            category=need(s.category, "channel").slug,
        )
        board = ok(r, 200, MostReadResponse, "GET /rankings/most-read")
        equal(board.meta.window, TimeWindow.DAY, "meta.window")
        if board.data and board.data[0].article.id == first.id:
            top = board.data[0]
            equal(top.rank, 1, "rank")
            equal(top.views, 1, "views")
            return f"#{top.article.id} rank {top.rank} with {top.views} view"
        time.sleep(0.2)
    raise StepFailure(f"article #{first.id} did not reach the top of the most-read board")


def read_a_curated_board(s: State) -> str:
    staff, first = need(s.staff, "staff client"), need(s.first, "article")
    body = CreateRanking(title="冒烟推荐 py", slug=slug("board"), kind=RankingKind.CURATED, size=5)
    board = ok(create_ranking.sync_detailed(client=staff, body=body), 201, RankingDetail, "POST /rankings")
    equal(board.kind, RankingKind.CURATED, "board.kind")
    s.board = board
    entries = [EntryInput(article_id=first.id, note="今日推荐")]
    r = replace_ranking_entries.sync_detailed(board.slug, client=staff, body=entries)
    ok(r, 200, RankingDetail, "PUT /rankings/{slug}/entries")
    detail = ok(get_ranking.sync_detailed(board.slug, client=s.anonymous), 200, RankingDetail, "GET /rankings/{slug}")  # type: ignore[arg-type]
    equal(len(detail.entries), 1, "entries")
    equal(detail.entries[0].article.id, first.id, "entry article")
    equal(detail.entries[0].note, "今日推荐", "entry note")
    return f"{detail.slug}: #{detail.entries[0].article.id}"


def search(s: State) -> str:
    first = need(s.first, "article")
    r = search_articles.sync_detailed(client=s.anonymous, q="火山冰雪节")  # type: ignore[arg-type]
    hits = ok(r, 200, ListResponseSearchHit, "GET /search")
    hit = next((h for h in hits.data if h.id == first.id), None)
    check(hit is not None, f"article #{first.id} is found: {[h.id for h in hits.data]}")
    check("<mark>" in hit.highlight.title, f"highlighted title: {hit.highlight.title}")  # type: ignore[union-attr]
    check(hit.score > 0, "score > 0")  # type: ignore[union-attr]
    check(all(h.id != need(s.second, "second article").id for h in hits.data), "the other article is not found")
    return f"{hits.meta.total} hit(s), {hit.highlight.title}"  # type: ignore[union-attr]


def page_with_a_cursor(s: State) -> str:
    first, second = need(s.first, "article"), need(s.second, "second article")
    category = need(s.category, "channel").slug
    r1 = list_articles.sync_detailed(client=s.anonymous, category=category, per_page=1)  # type: ignore[arg-type]
    page1 = ok(r1, 200, ListResponseArticleSummary, "GET /articles?per_page=1")
    equal(page1.data[0].id, second.id, "page 1 holds the newest")
    cursor = page1.meta.next_cursor
    check(isinstance(cursor, str), "meta.next_cursor")
    r2 = list_articles.sync_detailed(client=s.anonymous, category=category, per_page=1, cursor=cursor)  # type: ignore[arg-type]
    page2 = ok(r2, 200, ListResponseArticleSummary, "GET /articles?cursor=…")
    equal(page2.data[0].id, first.id, "page 2 holds the older")
    check(page2.meta.next_cursor in (None, UNSET), "next_cursor is null at the end")
    check(page2.meta.total in (None, UNSET), "no total in cursor mode")
    return f"#{second.id} then #{first.id}, then the end"


def read_the_front_page(s: State) -> str:
    # A cached front page shows a new most-read order after the next recount (RANKINGS_TTL).
    for attempt in range(50):
        r = get_home.sync_detailed(client=s.anonymous, per_channel=3)  # type: ignore[arg-type]
        home = ok(r, 200, HomeScreen, "GET /home")
        check("etag" in r.headers, "ETag")
        most_read = [e.article.id for e in home.most_read]
        if need(s.first, "article").id in most_read:
            break
        time.sleep(0.2)
    check(bool(home.site.name), "site.name")
    for block in home.channels:
        check(len(block.articles) <= 3, f"at most 3 in {block.channel.slug}")
    check(need(s.first, "article").id in most_read, "the viewed article is most-read")
    return f"{home.site.name}: {len(home.channels)} channel block(s), {len(most_read)} most-read"


def read_an_article_screen(s: State) -> str:
    first, second = need(s.first, "article"), need(s.second, "second article")
    r = get_article.sync_detailed(
        second.slug,
        client=s.anonymous,  # type: ignore[arg-type]
        include=[ArticleInclude.RELATED, ArticleInclude.LATEST_IN_CATEGORY, ArticleInclude.MOST_READ],
    )
    article = ok(r, 200, ArticleDetail, "GET /articles/{slug}?include=…")
    latest = article.latest_in_category
    check(isinstance(latest, list), "latest_in_category is a list")
    equal(latest[0].id, first.id, "latest_in_category")  # type: ignore[index]
    check(all(a.id != second.id for a in latest), "not the article itself")  # type: ignore[union-attr]
    check(isinstance(article.related, list) and isinstance(article.most_read, list), "related, most_read")
    return f"{len(latest)} latest, {len(article.related)} related, {len(article.most_read)} most-read"  # type: ignore[arg-type]


def sync_an_offline_copy(s: State) -> str:
    copy: dict[int, ArticleSummary] = {}
    since: str | None = None
    pages = 0

    def pull() -> None:
        nonlocal since, pages
        while True:
            r = list_article_changes.sync_detailed(client=s.anonymous, limit=1, since=since or UNSET)  # type: ignore[arg-type]
            page = ok(r, 200, ArticleChanges, "GET /articles/changes")
            for article_id in page.removed:
                copy.pop(article_id, None)
            for a in page.changed:
                copy[a.id] = a
            since = page.next_
            pages += 1
            if not page.has_more:
                return

    pull()
    first, second = need(s.first, "article"), need(s.second, "second article")
    check(first.id in copy and second.id in copy, "both articles are in the copy")
    r = delete_article.sync_detailed(str(second.id), client=need(s.staff, "staff client"))
    equal(int(r.status_code), 204, "DELETE /articles/{id}")
    pull()
    check(second.id not in copy, "the trashed article left the copy")
    equal(copy[first.id].title, FIRST_TITLE, "the other one stays")
    return f"{len(copy)} article(s) after {pages} page(s)"


def get_a_404(s: State) -> str:
    r = get_article.sync_detailed(slug("no-such-article"), client=s.anonymous)  # type: ignore[arg-type]
    problem = failed(r, 404, "GET /articles/{unknown}")
    equal(problem.code, ErrorCode.NOT_FOUND, "problem.code")
    equal(problem.status, 404, "problem.status")
    return f"{problem.code.value}: {problem.detail}"


def png(width: int, height: int, note: str) -> bytes:
    """A gradient PNG with a text chunk (`note` makes the upload this run's own)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(
        b"\x00" + bytes(v for x in range(width) for v in (x * 255 // width, y * 255 // height, 128))
        for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"tEXt", b"Comment\x00" + note.encode())
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def upload_an_image_and_read_a_rendition(s: State) -> str:
    staff = need(s.staff, "staff client")
    image = png(400, 300, f"py-smoke {RUN}")
    body = UploadMedia(
        file=File(payload=io.BytesIO(image), file_name="python-smoke.png", mime_type="image/png"),
        title="冒烟测试图片",
        alt="渐变色测试图",
        tags=["冒烟"],
        public=True,
    )
    asset = ok(upload_media.sync_detailed(client=staff, body=body), 201, MediaDto, "POST /media")
    equal(asset.kind, MediaKind.IMAGE, "asset.kind")
    equal(asset.mime, "image/png", "asset.mime")
    equal((asset.width, asset.height), (400, 300), "asset size")
    check("py-smoke" not in asset.file_name, "the text chunk is not the name")
    widths = [r.width for r in asset.renditions]
    equal(widths, [160, 320], "rendition widths")
    again = upload_media.sync_detailed(
        client=staff,
        body=UploadMedia(file=File(payload=io.BytesIO(image), file_name="again.png", mime_type="image/png")),
    )
    equal(ok(again, 200, MediaDto, "POST /media (the same file)").id, asset.id, "the same file is the same asset")
    r = get_media_file.sync_detailed(
        asset.id, asset.file_name, client=s.anonymous, w=320, format_=RenditionFormat.WEBP  # type: ignore[arg-type]
    )
    equal(r.status_code, 200, "GET /media/{id}/{name}?w=320&format=webp")
    equal(r.headers.get("content-type"), "image/webp", "rendition type")
    check(r.content[:4] == b"RIFF" and r.content[8:12] == b"WEBP", "a WebP file")
    original = get_media_file.sync_detailed(asset.id, asset.file_name, client=s.anonymous)  # type: ignore[arg-type]
    check(original.content[:8] == b"\x89PNG\r\n\x1a\n", "the original is a PNG")
    check(b"py-smoke" not in original.content, "its text chunk was stripped")
    return f"#{asset.id} {asset.file_name} {asset.width}x{asset.height}, WebP rendition {len(r.content)} bytes"


def get_a_422(s: State) -> str:
    body = CreateArticle(title="", category_id=need(s.category, "channel").id)
    r = create_article.sync_detailed(client=need(s.staff, "staff client"), body=body)
    problem = failed(r, 422, "POST /articles with an empty title")
    equal(problem.code, ErrorCode.VALIDATION_FAILED, "problem.code")
    fields = [e.field for e in problem.errors or []]
    check("title" in fields, f"errors name the field title: {fields}")
    return f"{problem.code.value}: {', '.join(fields)}"


STEPS: list[tuple[str, Callable[[State], str]]] = [
    ("log in", log_in),
    ("create a channel", create_a_channel),
    ("create a source", create_a_source),
    ("create an author", create_an_author),
    ("create an article (draft)", create_an_article),
    ("publish it (If-Match)", publish_it),
    ("create a second article (published at once)", create_a_second_article),
    ("list articles", list_them),
    ("fetch it by slug", fetch_by_slug),
    ("send a view", send_a_view),
    ("read the most-read board", read_most_read),
    ("read a curated board", read_a_curated_board),
    ("search", search),
    ("page with a cursor", page_with_a_cursor),
    ("read the front page", read_the_front_page),
    ("read an article screen", read_an_article_screen),
    ("sync an offline copy", sync_an_offline_copy),
    ("upload an image and read a rendition", upload_an_image_and_read_a_rendition),
    ("get a 404 as a typed problem", get_a_404),
    ("get a 422 as a typed problem", get_a_422),
]


def main() -> int:
    check(bool(BASE), "NEWSDESK_URL is not set")
    state = State(anonymous=Client(base_url=BASE, raise_on_unexpected_status=False))
    failures = 0
    for name, step in STEPS:
        started = time.perf_counter()
        try:
            note = step(state)
            print(f"ok    {name}: {note} ({round((time.perf_counter() - started) * 1000)} ms)", flush=True)
        except StepFailure as e:
            failures += 1
            print(f"FAIL  {name}: {e}", flush=True)
        except Exception:  # noqa: BLE001 - a step's crash is its failure; the others still run
            failures += 1
            print(f"FAIL  {name}: {traceback.format_exc()}", flush=True)
    print(f"python smoke: {len(STEPS) - failures} of {len(STEPS)} steps passed")
    return 0 if failures == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
