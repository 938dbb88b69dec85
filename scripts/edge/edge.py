#!/usr/bin/env python3
"""newsdesk behind a real Varnish (run by scripts/edge-test.sh, a lane of make test).

Starts a seeded newsdesk on its own database and Varnish (Debian's varnish with varnish-modules'
xkey) on loopback with deploy/varnish/newsdesk.vcl as it is (only the backend's port replaced),
newsdesk purging it (EDGE_PURGE_URLS=xkey=…), and proves over HTTP:

  1. a public article and a channel list are served by Varnish (hit) after the first request;
     the edge strips the surrogate keys the origin tags them with;
  2. editing an article purges exactly the pages that show it (its page, its channel's list, the
     article screens that list it as latest, /home when it shows it), while an unrelated
     channel's list and an unrelated article stay cached; the new version is served at the edge
     within a fraction of a second of the write's answer (figures printed);
  3. a scheduled publish appears in its channel's cached list at the edge on time;
  4. staff requests (Authorization) are never served from, nor stored in, the edge;
  5. with the origin down, Varnish serves expired answers from grace; while the origin is up it
     never serves an expired answer.

Environment: NEWSDESK_BIN, VARNISHD (path). Everything it starts is stopped, its database dropped
and its folder removed at the end.
"""

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "scripts", "pylib"))
import harness  # noqa: E402
from harness import free_port, http, wait_for  # noqa: E402

BIN = os.environ["NEWSDESK_BIN"]
VARNISHD = os.environ.get("VARNISHD", "varnishd")
VCL = os.path.join(ROOT, "deploy", "varnish", "newsdesk.vcl")
ADMIN = ("admin@example.com", "edge-admin-password-0123")
figures = {}


def log(msg):
    harness.log("edge", msg)


def edge_get(edge, path, headers=None):
    res = http("GET", edge + path, headers=headers)
    return res, res.headers.get("x-edge-cache")


def keys_of(origin, path):
    res = http("GET", origin.base + path)
    assert res.status == 200, f"{path}: {res.status}"
    return set((res.headers.get("xkey") or "").split())


def warm(edge, path):
    """Until the edge serves `path` from its cache (a purge sent again for an earlier write may
    drop it meanwhile)."""
    wait_for(lambda: edge_get(edge, path)[0].status == 200 and edge_get(edge, path)[1] == "hit",
             10, f"{path} to be cached at the edge", every=0.1)


def login(origin):
    res = http("POST", origin.base + "/api/v1/auth/login",
               {"email": ADMIN[0], "password": ADMIN[1]})
    assert res.status == 200, res.body
    return res.json()["access_token"]


def staff(token):
    return {"authorization": f"Bearer {token}"}


def titles_of(body, article):
    """Every title the JSON `body` shows for `article` (as an item, a link, a list entry)."""
    out = []
    if isinstance(body, dict):
        if body.get("id") == article and "title" in body:
            out.append(body["title"])
        for v in body.values():
            out += titles_of(v, article)
    elif isinstance(body, list):
        for v in body:
            out += titles_of(v, article)
    return out


def check_hits(edge, origin, article, channel):
    for path in (f"/api/v1/articles/{article}", f"/api/v1/categories/{channel}/articles?per_page=20"):
        res, how = edge_get(edge, path)
        assert res.status == 200 and how == "miss", f"{path}: first request {how}"
        res, how = edge_get(edge, path)
        assert res.status == 200 and how == "hit", f"{path}: second request {how}"
        assert "xkey" not in res.headers and "surrogate-key" not in res.headers, \
            "the edge passed the surrogate keys on"
    tagged = keys_of(origin, f"/api/v1/articles/{article}")
    assert {"all", f"a{article}"} <= tagged, tagged
    log(f"ok: an article and a channel list are edge hits after the first request; the origin "
        f"tags the article with {len(tagged)} keys ({' '.join(sorted(tagged)[:6])} …)")


def check_purge_precision(edge, origin, token, a, others, channel, other_channel, other_article):
    # A neighbour whose article screen lists it (as latest in the channel, 上一篇/下一篇 …).
    b = next((x for x in others
              if f"a{a}" in keys_of(origin, f"/api/v1/articles/{x}?include=latest_in_category,related")),
             others[0])
    pages = {
        "the article": f"/api/v1/articles/{a}",
        "a neighbour's article screen": f"/api/v1/articles/{b}?include=latest_in_category,related",
        "its channel's list": f"/api/v1/categories/{channel}/articles?per_page=20",
        "the front page": "/api/v1/home",
        "an unrelated channel's list": f"/api/v1/categories/{other_channel}/articles?per_page=20",
        "an unrelated article": f"/api/v1/articles/{other_article}",
    }
    delays = []
    for round_ in range(5):
        keys = {}
        for name, path in pages.items():
            warm(edge, path)
            keys[name] = keys_of(origin, path)
        title = f"边缘清除测试 第{round_}版"
        res = http("PATCH", f"{origin.base}/api/v1/articles/{a}", {"title": title}, staff(token))
        assert res.status == 200, res.body
        t0 = time.monotonic()
        wait_for(lambda: edge_get(edge, pages["the article"])[0].json()["title"] == title, 10,
                 "the edge to serve the edited article")
        delays.append((time.monotonic() - t0) * 1000)
        for name, path in pages.items():
            res, how = edge_get(edge, path)
            shows = f"a{a}" in keys[name]
            if name == "the article":
                continue
            if shows:
                # Purged: fetched again (a page may no longer show it: a new title can change
                # the 相关新闻 chosen); wherever it still shows it, with the new title.
                assert how == "miss", f"{name} shows the article but was not purged ({how})"
                shown = titles_of(res.json(), a)
                assert all(t == title for t in shown), f"{name} still shows the old title: {shown}"
            elif name.startswith("an unrelated"):
                assert how == "hit", f"{name} was purged by an unrelated edit ({how}); keys {keys[name]}"
    figures["edit_to_edge_ms"] = {
        "p50": round(statistics.median(delays)),
        "max": round(max(delays)),
        "samples": len(delays),
    }
    log(f"ok: 5 edits each purged the pages showing the article (its page, a neighbour's screen, "
        f"its channel, the front page where it shows it) and left an unrelated channel and "
        f"article cached; edit answered → edge serves it: p50 {figures['edit_to_edge_ms']['p50']} ms, "
        f"max {figures['edit_to_edge_ms']['max']} ms")


def check_scheduled_publish(edge, origin, token, category_id, channel):
    at = time.time() + 4
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(at))
    res = http("POST", f"{origin.base}/api/v1/articles",
               {"title": "边缘定时发布", "category_id": category_id, "status": "published",
                "published_at": stamp, "body": "<p>定时</p>"}, staff(token))
    assert res.status == 201, res.body
    art = res.json()["id"]
    path = f"/api/v1/categories/{channel}/articles?per_page=20"
    warm(edge, path)
    listed = lambda: art in [x["id"] for x in edge_get(edge, path)[0].json()["data"]]  # noqa: E731
    assert not listed(), "listed before its time"
    published = int(at)  # whole seconds: what published_at holds
    wait_for(listed, 15, "the scheduled article in the edge's cached list")
    late = time.time() - published
    figures["scheduled_publish_late_ms"] = round(late * 1000)
    assert late < 3, f"appeared {late:.1f} s late"
    log(f"ok: a scheduled publish appeared in its channel's cached list at the edge "
        f"{late * 1000:.0f} ms after its published_at")


def check_staff_bypass(edge, origin, token, category_id):
    res = http("POST", f"{origin.base}/api/v1/articles",
               {"title": "边缘草稿", "category_id": category_id, "body": "<p>草稿</p>"},
               staff(token))
    assert res.status == 201, res.body
    draft = res.json()["id"]
    path = f"/api/v1/articles/{draft}"
    for _ in range(2):
        res, how = edge_get(edge, path, staff(token))
        assert res.status == 200 and how == "pass", f"staff read: {res.status} {how}"
    res, how = edge_get(edge, path)
    assert res.status == 404, f"a reader got the staff copy of a draft: {res.status} {how}"
    log("ok: staff requests pass the edge (never stored: a reader gets 404 for the draft)")


def check_grace(edge, origin, article):
    origin.stop()
    origin.start(EDGE_TTL_SECS="2")
    wait_for(lambda: edge_get(edge, "/livez")[0].status == 200, 10, "the edge to see the origin")
    path = f"/api/v1/articles/{article}?include=related"
    warm(edge, path)
    time.sleep(2.5)
    res, how = edge_get(edge, path)
    assert res.status == 200 and how == "miss", f"served expired while the origin is up: {how}"
    warm(edge, path)
    origin.stop()
    time.sleep(3.5)  # expired, and the health check has seen the origin fail
    res, how = edge_get(edge, path)
    assert res.status == 200 and how == "hit", f"no grace with the origin down: {res.status} {how}"
    age = int(res.headers.get("age") or 0)
    res, _ = edge_get(edge, "/api/v1/articles/999999")
    assert res.status == 503, f"an uncached page with the origin down: {res.status}"
    log(f"ok: with the origin down, an expired page was served from grace (Age {age} s); never "
        f"while it was up")


def main():
    global WORK
    WORK = tempfile.mkdtemp(prefix="newsdesk-edge-")
    db_name = f"edge_{os.getpid()}"
    db_url = subprocess.run([os.path.join(ROOT, "scripts", "ensure-postgres.sh"), db_name],
                            capture_output=True, text=True, check=True).stdout.strip()
    vport, oport = free_port(), free_port()
    env = dict(os.environ)
    env.update({
        "DATABASE_URL": db_url,
        "JWT_SECRET": os.urandom(32).hex(),
        "NEWSDESK_ENV": "test",
        "RUST_LOG": "warn,newsdesk::edge=debug",
        "RATE_LIMIT_PER_MINUTE": "0",
        "BEACON_RATE_LIMIT_PER_MINUTE": "0",
        "MEDIA_DIR": os.path.join(WORK, "media"),
        "SCHEDULER_INTERVAL": "0.2",
        "TRUSTED_PROXIES": "127.0.0.1",
        "EDGE_PURGE_URLS": f"xkey=http://127.0.0.1:{vport}/",
        "EDGE_REPURGE_SECS": "2",
    })
    origin = harness.Server(BIN, oport, env, os.path.join(WORK, "newsdesk.log"))
    varnish = None
    ok = False
    try:
        subprocess.run([BIN, "migrate"], env=env, check=True, capture_output=True)
        subprocess.run([BIN, "seed"], env=dict(env, NEWSDESK_ADMIN_PASSWORD=ADMIN[1]), check=True,
                       capture_output=True)
        origin.start()
        with open(VCL) as f:
            vcl = f.read().replace('.port = "8080";', f'.port = "{oport}";')
        assert f'.port = "{oport}"' in vcl, "the VCL's backend port was not found"
        vcl_path = os.path.join(WORK, "newsdesk.vcl")
        with open(vcl_path, "w") as f:
            f.write(vcl)
        vlog = open(os.path.join(WORK, "varnish.log"), "ab")
        varnish = subprocess.Popen([VARNISHD, "-F", "-j", "none", "-n", os.path.join(WORK, "varnish"),
                                    "-a", f"127.0.0.1:{vport}", "-f", vcl_path, "-s", "malloc,64m"],
                                   stdout=vlog, stderr=vlog)
        edge = f"http://127.0.0.1:{vport}"
        wait_for(lambda: edge_get(edge, "/livez")[0].status == 200, 30, "Varnish to answer")
        log(f"Varnish on {vport} in front of newsdesk on {oport}")
        # `seed` asked for a purge of everything; it is retried until Varnish answers.
        wait_for(lambda: origin.metric("newsdesk_edge_purge_full_total") >= 1, 15,
                 "the seed's purge of everything to reach Varnish")

        token = login(origin)
        cats, todo = [], list(http("GET", origin.base + "/api/v1/categories").json()["data"])
        while todo:  # the tree, flattened
            c = todo.pop()
            cats.append(c)
            todo.extend(c.get("children") or [])
        lists = {}
        for c in cats:
            data = http("GET", f"{origin.base}/api/v1/categories/{c['slug']}/articles?per_page=20"
                        "").json().get("data") or []
            if len(data) >= 2:
                lists[c["slug"]] = (c["id"], [x["id"] for x in data])
        # Two channels that share no article (neither is the other's parent).
        pair = next(((x, y) for x in lists for y in lists
                     if x != y and not set(lists[x][1]) & set(lists[y][1])), None)
        assert pair, "the demo content has no two channels without a shared article"
        channel, other = pair
        channel_id, ids = lists[channel]
        other_ids = lists[other][1]
        check_hits(edge, origin, ids[0], channel)
        check_purge_precision(edge, origin, token, ids[0], ids[1:], channel, other,
                              next(i for i in other_ids if i not in ids))
        check_scheduled_publish(edge, origin, token, channel_id, channel)
        check_staff_bypass(edge, origin, token, channel_id)
        check_grace(edge, origin, ids[0])
        ok = True
    finally:
        origin.stop()
        if varnish and varnish.poll() is None:
            varnish.terminate()
            try:
                varnish.wait(10)
            except subprocess.TimeoutExpired:
                varnish.kill()
        if not ok:
            for name in ("newsdesk.log", "varnish.log"):
                path = os.path.join(WORK, name)
                if os.path.exists(path):
                    log(f"--- last lines of {name}")
                    with open(path, errors="replace") as f:
                        print("".join(f.readlines()[-30:]), flush=True)
        admin = db_url.rsplit("/", 1)[0] + "/postgres"
        subprocess.run(["psql", admin, "-XAtqc", f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)'],
                       capture_output=True)
        shutil.rmtree(WORK, ignore_errors=True)
    print("edge: figures " + str(figures), flush=True)
    log("passed")


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # noqa: BLE001 - one line for the failure, then exit 1
        print(f"edge: FAILED: {e!r}", file=sys.stderr, flush=True)
        sys.exit(1)
