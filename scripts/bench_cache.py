"""The response cache's part of `make bench` (called by scripts/bench.py on its dataset).

1. Hits: each cached workload (channel newest 20, article by slug, the article screen with all
   includes, /home, /site, most-read, a common search) loaded with wrk, bodies negotiated as a
   browser does (`Accept-Encoding: gzip, br`), next to /livez in the same run; for bodies over
   4 KB also next to the same brotli bytes served by a bare actix handler (examples/bare.rs).
2. 304 revalidation of an article (`If-None-Match`).
3. The realistic mix: two instances on one database; wrk on the first with requests spread over
   every visible article by a Zipf-like popularity (article screens), the channel lists and the
   front page, while an editor changes a popular article and publishes a new one every second.
   Throughput, p99, hit ratio (from /metrics), stale reads after a write's acknowledgement (same
   instance), time until the second instance serves the write, and the first instance's RSS.
"""

import json
import os
import random
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

import bench as B

ROOT = Path(__file__).resolve().parent.parent
BARE = os.environ.get("BENCH_BARE_BIN", str(ROOT / "target" / "release" / "examples" / "bare"))
CACHE_MB = os.environ.get("BENCH_CACHE_MB", "1024")
MIX_SECS = int(os.environ.get("BENCH_MIX_SECS", "30"))
# The same mix, unmeasured, first: a portal's cache is warm from hours of traffic; the
# measured window still pays every miss the writes cause.
MIX_WARM = int(os.environ.get("BENCH_MIX_WARM_SECS", "45"))
BIG = 4096


def fetch(url, headers=None):
    req = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(req, timeout=30) as res:
        return res.status, dict(res.headers), res.read()


def metrics(base):
    with urllib.request.urlopen(base + "/metrics", timeout=30) as res:
        text = res.read().decode()
    out = {}
    for line in text.splitlines():
        if line.startswith("newsdesk_response_cache_"):
            name, _, value = line.rpartition(" ")
            out[name.removeprefix("newsdesk_response_cache_")] = float(value)
    return out


def workloads(base):
    _, first = B.get(f"{base}/api/v1/categories/heihe/articles?per_page=20")
    pick = first["data"][10]
    common = os.environ.get("BENCH_SEARCH_COMMON", "黑河")
    return [
        ("channel newest 20", "/api/v1/categories/heihe/articles?per_page=20"),
        ("article by slug", f"/api/v1/articles/{pick['slug']}"),
        ("article screen (all includes)",
         f"/api/v1/articles/{pick['id']}?include=related,latest_in_category,most_read"),
        ("front page /home", "/api/v1/home"),
        ("/site", "/api/v1/site"),
        ("most-read week", "/api/v1/rankings/most-read?window=week&limit=10"),
        ("search (common term)", "/api/v1/search?q=" + urllib.request.quote(common) + "&per_page=20"),
    ]


def bench_hits(env, work):
    rows, bare_dir = [], work / "bare"
    bare_dir.mkdir(exist_ok=True)
    with B.Server(env, work, None, RESPONSE_CACHE_MB=CACHE_MB) as base:
        plan = workloads(base)
        livez = B.wrk(base + "/livez", B.DURATION)
        for i, (name, path) in enumerate(plan):
            B.get(base + path)  # stored
            _, headers, body = fetch(base + path, {"Accept-Encoding": "gzip, br"})
            status = headers.get("cache-status", "")
            if "hit" not in status:
                B.log(f"{name}: second request was not a hit ({status})")
            B.wrk(base + path, B.WARMUP)
            http = B.wrk(base + path, B.DURATION, headers=("Accept-Encoding: gzip, br",))
            row = {"name": name, "http": http, "bytes": len(body), "coding": headers.get("content-encoding", "identity"),
                   "bare": None}
            if len(body) > BIG and row["coding"] == "br":
                (bare_dir / f"w{i}").write_bytes(body)
                row["bare_name"] = f"w{i}"
            rows.append(row)
        # 304 revalidation of the article.
        art = base + plan[1][1]
        _, headers, _ = fetch(art)
        etag = headers.get("etag") or headers.get("ETag")
        revalidate = B.wrk(art, B.DURATION, headers=(f"If-None-Match: {etag}",))
        stats = metrics(base)
    if any(r.get("bare_name") for r in rows) and Path(BARE).exists():
        port = B.free_port()
        proc = subprocess.Popen([BARE, str(bare_dir), str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            for _ in range(100):
                try:
                    fetch(f"http://127.0.0.1:{port}/{next(r['bare_name'] for r in rows if r.get('bare_name'))}")
                    break
                except OSError:
                    time.sleep(0.05)
            for r in rows:
                if r.get("bare_name"):
                    r["bare"] = B.wrk(f"http://127.0.0.1:{port}/{r['bare_name']}", B.DURATION)
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    return {"rows": rows, "livez": livez, "revalidate": revalidate, "stats": stats}


def report_hits(h):
    livez = h["livez"]["rps"]
    print()
    print(f"Response cache hits ({B.CONNECTIONS} connections, `Accept-Encoding: gzip, br`; /livez in the "
          f"same run: {livez:.0f} req/s, p99 {h['livez']['p99']:.2f} ms):")
    print()
    print("| workload | body sent | req/s | p50 ms | p99 ms | vs livez | bare handler, same bytes | vs bare | non-2xx |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in h["rows"]:
        x = r["http"]
        bare = r["bare"]
        bare_rps = f"{bare['rps']:.0f}" if bare else "-"
        vs_bare = f"{x['rps'] / bare['rps']:.0%}" if bare else "-"
        print(f"| {r['name']} | {r['bytes']:,} B {r['coding']} | {x['rps']:.0f} | {x['p50']:.2f} | {x['p99']:.2f} | "
              f"{x['rps'] / livez:.0%} | {bare_rps} | {vs_bare} | {x['non2xx'] + x['errors']} |")
    r = h["revalidate"]
    print(f"| 304 revalidation (If-None-Match) | 0 B | {r['rps']:.0f} | {r['p50']:.2f} | {r['p99']:.2f} | "
          f"{r['rps'] / livez:.0%} | - | - | {r['errors']} |")
    print()
    s = h["stats"]
    print(f"Cache after the hit runs: {s.get('entries', 0):.0f} entries, {s.get('bytes', 0) / 1e6:.1f} MB, "
          f"{s.get('hits_total', 0):.0f} hits, {s.get('misses_total', 0):.0f} misses.")
    print()


def visible_ids(db_url):
    out = B.run(["psql", db_url, "-qAtc",
                 "SELECT id FROM articles WHERE status = 'published' AND deleted_at IS NULL "
                 "AND published_at <= now() AND (offline_at IS NULL OR offline_at > now()) "
                 "ORDER BY published_at DESC, id DESC"]).stdout
    return [int(x) for x in out.split()]


def zipf_sample(items, n, s=1.1, seed=7):
    rng = random.Random(seed)
    ranked = items[:]
    rng.shuffle(ranked)
    weights = [1 / (k + 1) ** s for k in range(len(ranked))]
    return rng.choices(ranked, weights=weights, k=n), ranked


def lua_for(paths, work):
    listing = work / "mix-paths.txt"
    listing.write_text("\n".join(paths) + "\n")
    script = work / "mix.lua"
    script.write_text(f"""
local paths = {{}}
for line in io.lines("{listing}") do paths[#paths + 1] = line end
math.randomseed(os.time())
request = function()
  return wrk.format("GET", paths[math.random(#paths)], {{["Accept-Encoding"] = "gzip, br"}})
end
""")
    return script


def rss_mb(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class Editor(threading.Thread):
    """Every second: changes a popular article's title and publishes a new article; after each
    acknowledged write, reads it back from the first instance (stale reads) and polls the second
    until it serves it."""

    def __init__(self, a, b, admin, popular, category_id):
        super().__init__(daemon=True)
        self.a, self.b, self.admin, self.popular, self.category_id = a, b, admin, popular, category_id
        self.stop = threading.Event()
        self.writes, self.failed, self.stale_same, self.other_ms = 0, 0, 0, []

    def run(self):
        ca, cb = B.connection(self.a), B.connection(self.b)
        status, body, _ = B.call(ca, "POST", "/api/v1/auth/login", self.admin)
        token = body["access_token"]
        i = 0
        while not self.stop.is_set():
            started = time.time()
            i += 1
            target = self.popular[i % len(self.popular)]
            title = f"编辑修改 {i} {time.time():.3f}"
            status, _, _ = B.call(ca, "PATCH", f"/api/v1/articles/{target}", {"title": title}, token)
            self.check(status == 200, ca, cb, f"/api/v1/articles/{target}", lambda d: d.get("title") == title)
            status, created, _ = B.call(ca, "POST", "/api/v1/articles", {
                "title": f"新发布 {i}", "category_id": self.category_id, "status": "published",
                "tags": ["营商环境"]}, token)
            new_id = created.get("id") if isinstance(created, dict) else None
            self.check(status == 201, ca, cb, f"/api/v1/articles/{new_id}", lambda d: d.get("id") == new_id)
            time.sleep(max(0.0, 1.0 - (time.time() - started)))

    def check(self, ok, ca, cb, path, fresh):
        if not ok:
            self.failed += 1
            return
        self.writes += 1
        status, body, _ = B.call(ca, "GET", path)
        if status != 200 or not fresh(body):
            self.stale_same += 1
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < 2.0:
            status, body, _ = B.call(cb, "GET", path)
            if status == 200 and fresh(body):
                break
            time.sleep(0.002)
        self.other_ms.append((time.perf_counter() - t0) * 1000)


def bench_mix(env, work, db_url, admin):
    ids = visible_ids(db_url)
    articles, ranked = zipf_sample(ids, 150_000)
    channels = None
    paths = [f"/api/v1/articles/{a}?include=related,latest_in_category,most_read" for a in articles[:105_000]]
    with B.Server(env, work, None, RESPONSE_CACHE_MB=CACHE_MB) as a, \
            B.Server(env, work, None, RESPONSE_CACHE_MB=CACHE_MB) as b:
        pid = B.Server.last_procs[-2].pid
        _, tree = B.get(a + "/api/v1/categories?flat=true")
        channels = [c["slug"] for c in tree["data"]]
        chans, _ = zipf_sample(channels, 30_000, seed=11)
        paths += [f"/api/v1/categories/{c}/articles?per_page=20" for c in chans]
        paths += ["/api/v1/home"] * 15_000
        random.Random(3).shuffle(paths)
        script = lua_for(paths, work)
        _, cat = B.get(a + "/api/v1/categories/shizheng")
        category_id = cat.get("data", cat)["id"]
        rss_before = rss_mb(pid)
        B.wrk(a + "/", MIX_WARM, script=script)
        before = metrics(a)
        editor = Editor(a, b, admin, ranked[:50], category_id)
        editor.start()
        http = B.wrk(a + "/", MIX_SECS, script=script)
        editor.stop.set()
        editor.join(timeout=30)
        after = metrics(a)
        rss_after = rss_mb(pid)
    hits = after["hits_total"] - before["hits_total"] + after["not_modified_total"] - before["not_modified_total"]
    misses = after["misses_total"] - before["misses_total"]
    waits = sorted(editor.other_ms) or [float("nan")]
    return {"http": http, "hit_ratio": hits / max(1.0, hits + misses), "writes": editor.writes,
            "failed": editor.failed, "stale_same": editor.stale_same,
            "other_p50": waits[len(waits) // 2], "other_p99": waits[min(len(waits) - 1, int(len(waits) * 0.99))],
            "other_max": waits[-1], "rss_before": rss_before, "rss_after": rss_after,
            "cache_mb": after.get("bytes", 0) / 1e6, "entries": after.get("entries", 0), "articles": len(ids),
            "cache_limit": CACHE_MB}


def report_mix(m, baseline):
    x = m["http"]
    print(f"Realistic mix ({MIX_SECS} s after {MIX_WARM} s of the same traffic unmeasured, {B.CONNECTIONS} connections; 70% article screens over all {m['articles']:,} "
          f"visible articles by a Zipf-like popularity (s=1.1), 20% channel lists, 10% /home; an editor changes a "
          f"popular article and publishes a new one every second; a second instance on the same database):")
    print()
    print("| req/s | p50 ms | p99 ms | hit ratio | vs uncached /home | vs uncached screen | writes | stale reads after ack (same instance) | "
          "fresh on the other instance p50 / p99 / max ms | RSS before → after | cache bytes (limit) | non-2xx |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    home, screen = baseline
    print(f"| {x['rps']:.0f} | {x['p50']:.2f} | {x['p99']:.2f} | {m['hit_ratio']:.1%} | "
          f"{x['rps'] / home:.0f}× | {x['rps'] / screen:.0f}× | {m['writes']} ({m['failed']} failed) | {m['stale_same']} | "
          f"{m['other_p50']:.0f} / {m['other_p99']:.0f} / {m['other_max']:.0f} | "
          f"{m['rss_before']:.0f} → {m['rss_after']:.0f} MB | {m['cache_mb']:.0f} MB, {m['entries']:.0f} entries "
          f"({m['cache_limit']} MB) | {x['non2xx'] + x['errors']} |")
    print()


def run(env, work, db_url, admin, uncached):
    """Both parts; `uncached` is the main (cache off) table, for the ratios."""
    hits = bench_hits(env, work)
    report_hits(hits)
    base = {r["name"]: r["http"]["rps"] for r in uncached}
    home = next((v for k, v in base.items() if k.startswith("front page")), float("nan"))
    screen = next((v for k, v in base.items() if k.startswith("article screen")), float("nan"))
    mix = bench_mix(env, work, db_url, admin)
    report_mix(mix, (home, screen))
    bad = sum(r["http"]["non2xx"] + r["http"]["errors"] for r in hits["rows"]) + mix["http"]["non2xx"] \
        + mix["http"]["errors"] + mix["failed"]
    return bad == 0 and mix["stale_same"] == 0
