"""The edge tier's part of `make bench` (called by scripts/bench.py on its dataset;
BENCH_EDGE_ONLY=1 runs only it, BENCH_EDGE=0 skips it).

One release server with its response cache on, purging a Varnish in front of it
(deploy/varnish/newsdesk.vcl, the backend's port replaced). The realistic mix of the cache
benchmark (70% article screens over every visible article by a Zipf-like popularity, 20% channel
lists, 10% /home) is run with wrk twice, BENCH_EDGE_SECS each after BENCH_EDGE_WARM_SECS of the
same traffic unmeasured: against the origin alone, then through Varnish. Meanwhile an editor
changes a popular article every second; after each write's answer, the article's screen is read
where the load goes (origin, or edge) until it shows the new title: the time from the write's
commit to the tier serving the new version (p50, p99). Varnish's hit rate comes from varnishstat.
wrk and Varnish run at a lower CPU priority (nice 10) than the origin and PostgreSQL, which on
one 2-core machine they would otherwise starve.
"""

import json
import os
import random
import subprocess
import threading
import time
from pathlib import Path

import bench as B
import bench_cache as BC

ROOT = Path(__file__).resolve().parent.parent
SECS = int(os.environ.get("BENCH_EDGE_SECS", "30"))
WARM = int(os.environ.get("BENCH_EDGE_WARM_SECS", "30"))
CACHE_MB = os.environ.get("BENCH_CACHE_MB", "1024")
SCREEN = "?include=related,latest_in_category,most_read"


class Editor(threading.Thread):
    """Every second: a new title for a popular article, then the time until `target` serves it."""

    def __init__(self, origin, target, admin, popular):
        super().__init__(daemon=True)
        self.origin, self.target, self.admin, self.popular = origin, target, admin, popular
        self.stop = threading.Event()
        self.writes, self.failed, self.waits, self.never = 0, 0, [], 0

    def run(self):
        co, ct = B.connection(self.origin), B.connection(self.target)
        _, body, _ = B.call(co, "POST", "/api/v1/auth/login", self.admin)
        token = body["access_token"]
        i = 0
        while not self.stop.is_set():
            started = time.time()
            i += 1
            target = self.popular[i % len(self.popular)]
            title = f"边缘编辑 {i} {time.time():.3f}"
            status, _, _ = B.call(co, "PATCH", f"/api/v1/articles/{target}", {"title": title}, token)
            if status != 200:
                self.failed += 1
                continue
            self.writes += 1
            t0 = time.perf_counter()
            seen = False
            while time.perf_counter() - t0 < 5.0:
                status, body, _ = B.call(ct, "GET", f"/api/v1/articles/{target}{SCREEN}")
                if status == 200 and body.get("title") == title:
                    seen = True
                    break
                time.sleep(0.002)
            if seen:
                self.waits.append((time.perf_counter() - t0) * 1000)
            else:
                self.never += 1
            time.sleep(max(0.0, 1.0 - (time.time() - started)))


def varnish_counters(workdir):
    out = B.run(["varnishstat", "-n", str(workdir), "-1", "-j"]).stdout
    data = json.loads(out)
    counters = data.get("counters", data)
    return {k: v.get("value", 0) for k, v in counters.items() if isinstance(v, dict)}


def pct(values, p):
    values = sorted(values) or [float("nan")]
    return values[min(len(values) - 1, int(len(values) * p))]


def wrk(url, seconds, script):
    """wrk at a lower CPU priority than the origin and PostgreSQL: on one 2-core machine an
    unthrottled load generator and edge would otherwise starve the origin tier (which, in
    production, has machines of its own), and the write-to-edge figure would measure that."""
    cmd = ["nice", "-n", "10", "wrk", f"-t{B.THREADS}", f"-c{B.CONNECTIONS}", f"-d{seconds}s",
           "--timeout", "5s", "--latency", "-s", str(script), url]
    return B.parse_wrk(B.run(cmd).stdout)


def measure(origin, base, script, admin, popular):
    wrk(base + "/", WARM, script)
    editor = Editor(origin, base, admin, popular)
    editor.start()
    http = wrk(base + "/", SECS, script)
    editor.stop.set()
    editor.join(timeout=30)
    return {"http": http, "writes": editor.writes, "failed": editor.failed, "never": editor.never,
            "p50": pct(editor.waits, 0.5), "p99": pct(editor.waits, 0.99),
            "max": max(editor.waits or [float("nan")])}


def run(env, work, db_url, admin):
    ids = BC.visible_ids(db_url)
    articles, ranked = BC.zipf_sample(ids, 150_000)
    vport = B.free_port()
    vdir = work / "varnish"
    with B.Server(env, work, None, RESPONSE_CACHE_MB=CACHE_MB, TRUSTED_PROXIES="127.0.0.1",
                  EDGE_PURGE_URLS=f"xkey=http://127.0.0.1:{vport}/") as origin:
        paths = [f"/api/v1/articles/{a}{SCREEN}" for a in articles[:105_000]]
        _, tree = B.get(origin + "/api/v1/categories?flat=true")
        chans, _ = BC.zipf_sample([c["slug"] for c in tree["data"]], 30_000, seed=11)
        paths += [f"/api/v1/categories/{c}/articles?per_page=20" for c in chans]
        paths += ["/api/v1/home"] * 15_000
        random.Random(3).shuffle(paths)
        script = BC.lua_for(paths, work)
        port = origin.rsplit(":", 1)[1]
        vcl = (ROOT / "deploy" / "varnish" / "newsdesk.vcl").read_text().replace(
            '.port = "8080";', f'.port = "{port}";')
        (work / "newsdesk.vcl").write_text(vcl)
        vlog = open(work / "varnish.log", "w")
        # Niced like the load generator (see `wrk`).
        varnish = subprocess.Popen(["nice", "-n", "10", "varnishd", "-F", "-j", "none", "-n", str(vdir),
                                    "-a", f"127.0.0.1:{vport}", "-f", str(work / "newsdesk.vcl"),
                                    "-s", "malloc,1024m"], stdout=vlog, stderr=vlog)
        edge = f"http://127.0.0.1:{vport}"
        try:
            for _ in range(300):
                try:
                    if B.get(edge + "/livez")[0] == 200:
                        break
                except OSError:
                    pass
                time.sleep(0.1)
            alone = measure(origin, origin, script, admin, ranked[:50])
            before = varnish_counters(vdir)
            fronted = measure(origin, edge, script, admin, ranked[:50])
            after = varnish_counters(vdir)
        finally:
            varnish.terminate()
            varnish.wait(timeout=30)
            vlog.close()
    hits = after.get("MAIN.cache_hit", 0) - before.get("MAIN.cache_hit", 0)
    misses = after.get("MAIN.cache_miss", 0) - before.get("MAIN.cache_miss", 0)
    passes = after.get("MAIN.s_pass", 0) - before.get("MAIN.s_pass", 0)
    fronted["hit_rate"] = hits / max(1, hits + misses + passes)
    fronted["purges"] = after.get("MAIN.n_purges", 0) - before.get("MAIN.n_purges", 0)
    report(alone, fronted, len(ids))
    bad = sum(r["http"]["non2xx"] + r["http"]["errors"] + r["failed"] + r["never"]
              for r in (alone, fronted))
    return bad == 0


def report(alone, fronted, articles):
    print(f"Edge tier ({SECS} s after {WARM} s of the same traffic unmeasured, {B.CONNECTIONS} "
          f"connections; the realistic mix over all {articles:,} visible articles; an editor "
          f"changes a popular article every second and reads its screen back where the load goes "
          f"until it shows the change):")
    print()
    print("| tier | req/s | p50 ms | p99 ms | edge hit rate | writes | write answered → new version served p50 / p99 / max ms | never seen in 5 s | non-2xx |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, r in (("origin alone (response cache on)", alone), ("Varnish in front (xkey purges)", fronted)):
        x = r["http"]
        rate = f"{r['hit_rate']:.1%}" if "hit_rate" in r else "-"
        print(f"| {name} | {x['rps']:.0f} | {x['p50']:.2f} | {x['p99']:.2f} | {rate} | "
              f"{r['writes']} ({r['failed']} failed) | {r['p50']:.0f} / {r['p99']:.0f} / {r['max']:.0f} | "
              f"{r['never']} | {x['non2xx'] + x['errors']} |")
    print()
    print(f"Edge over origin: {fronted['http']['rps'] / max(alone['http']['rps'], 1):.2f}× the "
          f"throughput.")
    print()
