#!/usr/bin/env python3
"""`make bench`: a release server on a synthetic dataset, loaded with wrk on loopback, and the
very SQL each endpoint issued replayed with pgbench in the same run.

Steps: fresh database -> migrate -> `seed --synthetic N` (which also indexes every article for
search) -> ANALYZE -> server with NEWSDESK_SQL_TRACE -> for each workload: one request to
capture its SQL, wrk warm-up, timed wrk run, pgbench on the captured SQL (-M prepared) -> a table
with req/s, p50, p99 and ratios.

Search (`GET /api/v1/search?q=…&per_page=20`): three queries picked from the data (a common term,
a rare term, a two-term query; their match totals are reported), each loaded like a workload
above; the ranked query and the count of each EXPLAIN ANALYZEd (is the GIN index used?), and
the execution time of every statement of a steady-state request.
Write cost: after the reads, BENCH_WRITES sequential `POST /api/v1/articles` as the seeded admin
(bodies of ~1,500 characters reused from seeded articles), client-side latency, and the indexing
time the server reports at /metrics (newsdesk_search_index_microseconds_total); then
`newsdesk search reindex` over the whole table and its rate.

Environment: BENCH_ARTICLES (20000), BENCH_CONNECTIONS (64), BENCH_DURATION (10 s),
BENCH_WARMUP (3 s), BENCH_THREADS (2), NEWSDESK_BIN (target/release/newsdesk), BENCH_KEEP_DB=1
to keep the database, BENCH_REUSE_DB=1 to run on a kept one instead of seeding again. BENCH_SEARCH_ONLY=1: only search, the write cost and, as references, the
/livez and channel-list workloads (no filter EXPLAINs, rankings or beacon). BENCH_SEARCH_COMMON
(黑河), BENCH_SEARCH_TWO (爱辉区 营商环境), BENCH_SEARCH_RARE (default: of a few late reporters'
names and demo-only words, the one with the fewest matches, at least one, that segments to one
word), BENCH_WRITES (200), BENCH_REINDEX=0 to skip the reindex run.
Media (scripts/bench_media.py): uploads, renditions and ranges beside a bare file server;
BENCH_MEDIA=0 skips it, BENCH_MEDIA_ONLY=1 runs only it.
The edge tier (scripts/bench_edge.py: Varnish in front, the realistic mix with writes every
second): BENCH_EDGE=0 skips it, BENCH_EDGE_ONLY=1 runs only it (after seeding).
Exits non-zero when any response was not 2xx (or a write was not 201).
"""

import http.client
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = os.environ.get("NEWSDESK_BIN", str(ROOT / "target" / "release" / "newsdesk"))
ARTICLES = int(os.environ.get("BENCH_ARTICLES", "20000"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "64"))
DURATION = int(os.environ.get("BENCH_DURATION", "10"))
WARMUP = int(os.environ.get("BENCH_WARMUP", "3"))
THREADS = int(os.environ.get("BENCH_THREADS", "2"))
DB_NAME = os.environ.get("BENCH_DB", "newsdesk_bench")
SEARCH_ONLY = os.environ.get("BENCH_SEARCH_ONLY", "") not in ("", "0")
WRITES = int(os.environ.get("BENCH_WRITES", "200"))
REINDEX = os.environ.get("BENCH_REINDEX", "1") not in ("", "0")
CACHE = os.environ.get("BENCH_CACHE", "1") not in ("", "0")
# 0: seed without computing every article's 相关新闻 choices (for very large sets); the bench
# then times a first read (which computes them) against a second one.
RELATED = os.environ.get("BENCH_RELATED", "1") not in ("", "0")
# The media library's part (scripts/bench_media.py); BENCH_MEDIA_ONLY=1 runs only it, on the
# demo content instead of the synthetic set.
MEDIA = os.environ.get("BENCH_MEDIA", "1") not in ("", "0")
MEDIA_ONLY = os.environ.get("BENCH_MEDIA_ONLY", "") not in ("", "0")
# The edge tier (scripts/bench_edge.py, Varnish in front); BENCH_EDGE_ONLY=1 runs only it.
EDGE = os.environ.get("BENCH_EDGE", "1") not in ("", "0")
EDGE_ONLY = os.environ.get("BENCH_EDGE_ONLY", "") not in ("", "0")
# Search at scale (scripts/bench_search_scale.py): sizes in BENCH_SEARCH_SCALE, e.g.
# 20000,200000,1000000; BENCH_SEARCH_SCALE_ONLY=1 runs only it.
SCALE_ONLY = os.environ.get("BENCH_SEARCH_SCALE_ONLY", "") not in ("", "0")


def log(msg):
    print(f"bench: {msg}", file=sys.stderr, flush=True)


def run(cmd, env=None, capture=True, check=True):
    res = subprocess.run(cmd, env=env, capture_output=capture, text=True)
    if check and res.returncode != 0:
        log(f"command failed ({res.returncode}): {' '.join(cmd)}\n{res.stdout}\n{res.stderr}")
        sys.exit(1)
    return res


# ---- SQL trace -> literal SQL ------------------------------------------------------------------

def split_top(s):
    """Splits a Debug list body at top-level commas (outside quotes and brackets)."""
    items, depth, cur, i, in_str = [], 0, [], 0, False
    while i < len(s):
        c = s[i]
        if in_str:
            cur.append(c)
            if c == "\\":
                cur.append(s[i + 1])
                i += 1
            elif c == '"':
                in_str = False
        elif c == '"':
            in_str = True
            cur.append(c)
        elif c in "[(":
            depth += 1
            cur.append(c)
        elif c in "])":
            depth -= 1
            cur.append(c)
        elif c == "," and depth == 0:
            items.append("".join(cur).strip())
            cur = []
        else:
            cur.append(c)
        i += 1
    if "".join(cur).strip():
        items.append("".join(cur).strip())
    return items


def rust_unescape(body):
    out, i = [], 0
    while i < len(body):
        c = body[i]
        if c == "\\":
            n = body[i + 1]
            if n == "u":
                end = body.index("}", i)
                out.append(chr(int(body[i + 3:end], 16)))
                i = end + 1
                continue
            out.append({"n": "\n", "t": "\t", "r": "\r", "0": "\0"}.get(n, n))
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT[\d:.]+(Z|[+-]\d\d:\d\d)$")


def literal(v, in_array=False):
    v = v.strip()
    if v == "None":
        return "NULL"
    m = re.match(r"^Some\((.*)\)$", v, re.S)
    if m:
        return literal(m.group(1), in_array)
    if v.startswith('"'):
        text = rust_unescape(v[1:-1])
        if in_array:
            return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
        return "'" + text.replace("'", "''") + "'"
    if v.startswith("["):
        inner = [literal(x, True) for x in split_top(v[1:-1])]
        return "'{" + ",".join(inner) + "}'"
    if TIMESTAMP.match(v):
        return v if in_array else f"'{v}'"
    return v


def to_sql(line):
    sql, _, binds = line.rpartition(" -- binds: ")
    values = [literal(b) for b in split_top(binds.strip()[1:-1])]
    return re.sub(r"\$(\d+)\b", lambda m: values[int(m.group(1)) - 1], sql)


# ---- processes ------------------------------------------------------------------------------------

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url, token=None):
    req = urllib.request.Request(url)
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(req, timeout=30) as res:
        return res.status, json.loads(res.read() or b"null")


def metric(base, name):
    """One unlabelled series of `/metrics` (None when absent)."""
    with urllib.request.urlopen(base + "/metrics", timeout=30) as res:
        for line in res.read().decode().splitlines():
            if line.startswith(name + " "):
                return float(line.split()[1])
    return None


def wait_postings(base, limit=3600):
    """Waits until the in-memory search postings are built (searches use the database until
    then); logs how long the build took. Returns the build's milliseconds (None: off)."""
    t = time.time()
    while time.time() - t < limit:
        ready = metric(base, "newsdesk_search_postings_ready")
        if ready is None:
            return None
        if ready == 1:
            ms = metric(base, "newsdesk_search_postings_last_build_milliseconds")
            n = metric(base, "newsdesk_search_postings_articles")
            log(f"search postings built: {n:.0f} articles in {ms / 1000:.1f} s")
            return ms
        time.sleep(0.5)
    log("the search postings were not built in time; searches use the database")
    return None


def wrk(url, seconds, latency=True, headers=(), script=None):
    cmd = ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout", "5s"]
    if latency:
        cmd.append("--latency")
    for h in headers:
        cmd += ["-H", h]
    if script:
        cmd += ["-s", str(script)]
    return parse_wrk(run(cmd + [url]).stdout)


def parse_wrk(out):
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

    def pct(p):
        m = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if not m:
            return float("nan")
        scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]
        return float(m.group(1)) * scale

    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    bad = int(non2xx.group(1)) if non2xx else 0
    err = sum(int(x) for x in errors.groups()) if errors else 0
    total = int(re.search(r"(\d+) requests in", out).group(1))
    return {"rps": rps, "p50": pct(50), "p99": pct(99), "non2xx": bad, "errors": err, "total": total}


def pgbench(url, script_path):
    u = urllib.parse.urlparse(url)
    cmd = ["pgbench", "-n", "-M", "prepared", f"-c{CONNECTIONS}", f"-j{THREADS}", f"-T{DURATION}",
           "-f", script_path, "-h", u.hostname or "127.0.0.1", "-p", str(u.port or 5432),
           "-U", u.username or "postgres", u.path.lstrip("/")]
    env = dict(os.environ)
    if u.password:
        env["PGPASSWORD"] = urllib.parse.unquote(u.password)
    out = run(cmd, env=env).stdout
    tps = float(re.search(r"tps = ([\d.]+) \(without initial connection time\)", out).group(1))
    lat = re.search(r"latency average = ([\d.]+) ms", out)
    return {"tps": tps, "lat": float(lat.group(1)) if lat else float("nan")}


def psql(url, sql):
    run(["psql", url, "-v", "ON_ERROR_STOP=1", "-qAtc", sql])


def main():
    for tool in ("wrk", "pgbench", "psql"):
        if run(["which", tool], check=False).returncode != 0:
            log(f"{tool} is missing (apt-get install wrk postgresql)")
            sys.exit(1)
    server_url = run([str(ROOT / "scripts" / "ensure-postgres.sh"), "postgres"]).stdout.strip()
    reuse = os.environ.get("BENCH_REUSE_DB") == "1" and run(
        ["psql", server_url, "-qAtc", f"SELECT 1 FROM pg_database WHERE datname = '{DB_NAME}'"]
    ).stdout.strip() == "1"
    if not reuse:
        psql(server_url, f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
    db_url = run([str(ROOT / "scripts" / "ensure-postgres.sh"), DB_NAME]).stdout.strip()
    # A loopback-only throwaway database; fixed so that a kept one can be reused.
    admin = {"email": "admin@example.com", "password": "bench-admin-password-0123456789"}
    env = dict(os.environ, DATABASE_URL=db_url, RUST_LOG="warn", NEWSDESK_ENV="production",
               JWT_SECRET=secrets.token_hex(32), NEWSDESK_ADMIN_EMAIL=admin["email"],
               NEWSDESK_ADMIN_PASSWORD=admin["password"],
               # One load generator on loopback is one client: per-client limits would only
               # measure the limiter (BENCH_RATE_LIMITS=1 keeps them).
               **({} if os.environ.get("BENCH_RATE_LIMITS") == "1"
                  else {"RATE_LIMIT_PER_MINUTE": "0", "BEACON_RATE_LIMIT_PER_MINUTE": "0"}))
    run([BIN, "migrate"], env=env)
    if MEDIA_ONLY:
        import bench_media
        run([BIN, "seed"], env=dict(env, MEDIA_DIR=tempfile.mkdtemp(prefix="newsdesk-bench-seed-")))
        work = Path(tempfile.mkdtemp(prefix="newsdesk-bench-"))
        try:
            ok = bench_media.run(env, work, admin)
        finally:
            if not os.environ.get("BENCH_KEEP_DB"):
                psql(server_url, f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        sys.exit(0 if ok else 1)
    if SCALE_ONLY:
        import bench_search_scale
        sys.exit(0 if bench_search_scale.run(env, server_url) else 1)
    t0 = time.time()
    if reuse:
        # BENCH_REUSE_DB=1 (with BENCH_KEEP_DB=1 on the run that seeded it): the last dataset.
        log(f"reusing the seeded database {DB_NAME}")
        seeded = run(["true"])
    else:
        seeded = run([BIN, "seed", "--synthetic", str(ARTICLES)] + ([] if RELATED else ["--no-related"]), env=env)
    log(f"seeded {ARTICLES} synthetic articles in {time.time() - t0:.1f} s")
    for line in seeded.stdout.strip().splitlines():
        if line.startswith(("seed: indexed", "seed: generated", "seed: computed the related")):
            log(line)
    m = re.search(r"indexed (\d+) articles for search in ([\d.]+)\s*s", seeded.stdout)
    seed_index = {"articles": int(m.group(1)), "secs": float(m.group(2))} if m else None
    psql(db_url, "VACUUM ANALYZE")

    if EDGE_ONLY:
        import bench_edge
        work = Path(tempfile.mkdtemp(prefix="newsdesk-bench-"))
        try:
            ok = bench_edge.run(env, work, db_url, admin)
        finally:
            if not os.environ.get("BENCH_KEEP_DB"):
                psql(server_url, f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        sys.exit(0 if ok else 1)
    work = Path(tempfile.mkdtemp(prefix="newsdesk-bench-"))
    trace = work / "trace.sql"
    trace.touch()
    results, ranking_rows, beacon, plans, writes, reindex = [], [], None, [], None, None
    cache_ok = media_ok = edge_ok = scale_ok = True
    try:
        # First a server that records its SQL, one request per workload; then a clean one to load.
        with Server(env, work, trace) as base:
            workloads = plan(base)
            captured = [capture(base, path, trace) for _, path in workloads]
            # before the filter EXPLAINs: `q` on /articles shares the cached totals with /search
            searches = pick_searches(base, trace)
            if not SEARCH_ONLY:
                plans = explain_filters(base, trace, db_url)
        search_plans = explain_searches(searches, db_url)
        with Server(env, work, None) as base:
            results = [bench_one(base, name, path, sql, db_url, work, i)
                       for i, ((name, path), sql) in enumerate(zip(workloads, captured))]
            report(results)
            if not RELATED:
                report_first_reads(first_reads(base, db_url))
            search_rows = [bench_one(base, s["name"], s["path"], s["sql"], db_url, work, f"s{i}")
                           for i, s in enumerate(searches)]
            report_search(search_rows, searches, results)
            report_search_plans(search_plans)
            if not SEARCH_ONLY:
                ranking_rows = bench_most_read(base, db_url, work)
                report_rankings(ranking_rows)
            writes = bench_writes(base, admin)
        if not SEARCH_ONLY and CACHE:
            import bench_cache
            cache_ok = bench_cache.run(env, work, db_url, admin, results)
        if not SEARCH_ONLY and EDGE:
            import bench_edge
            edge_ok = bench_edge.run(env, work, db_url, admin)
        if not SEARCH_ONLY:
            beacon = bench_beacon(env, work, db_url)
        if not SEARCH_ONLY and MEDIA:
            import bench_media
            media_ok = bench_media.run(env, work, admin)
        if REINDEX:
            reindex = bench_reindex(env)
        report_write_cost(writes, reindex, seed_index)
        if os.environ.get("BENCH_SEARCH_SCALE"):
            import bench_search_scale
            scale_ok = bench_search_scale.run(env, server_url)
    finally:
        if not os.environ.get("BENCH_KEEP_DB"):
            psql(server_url, f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
    if beacon:
        report_beacon(beacon)
    if plans:
        report_plans(plans)
    failed = False
    if beacon and beacon["stored"] != beacon["sent"]:
        log(f"views lost: {beacon['sent']} answered 204 but {beacon['stored']} stored")
        failed = True
    if any(r["http"]["non2xx"] or r["http"]["errors"] for r in results + search_rows + ranking_rows):
        log("some responses were not 2xx (or sockets failed): see the tables")
        failed = True
    if not media_ok:
        log("the media runs had errors: see the table")
        failed = True
    if not cache_ok:
        log("the response cache runs had errors or stale reads: see the tables")
        failed = True
    if not edge_ok:
        log("the edge runs had errors, or a write never reached the edge: see the table")
        failed = True
    if not scale_ok:
        log("the search-at-scale runs had answers that were not 2xx: see the table")
        failed = True
    if writes["failed"]:
        log(f"{writes['failed']} article writes did not answer 201")
        failed = True
    if failed:
        sys.exit(1)


class Server:
    """A release server; the response cache is off unless `RESPONSE_CACHE_MB` is passed (the
    main table measures what a request costs to compute)."""

    last_procs = []

    def __init__(self, env, work, trace, bin_path=None, **extra):
        self.bin = bin_path or BIN
        self.port = free_port()
        self.env = dict(env, BIND_ADDR=f"127.0.0.1:{self.port}",
                        DATABASE_POOL_SIZE=os.environ.get("BENCH_POOL", "16"),
                        **{"RESPONSE_CACHE_MB": "0", **extra})
        if trace:
            self.env["NEWSDESK_SQL_TRACE"] = str(trace)
            # Only the requests' statements: no background scheduler or webhook worker polls.
            self.env.update(SCHEDULER_INTERVAL="3600", WEBHOOK_WORKER="false")
        self.log = open(work / f"server-{self.port}.log", "w")
        self.postings_ms = None

    def __enter__(self):
        self.proc = subprocess.Popen([self.bin, "serve"], env=self.env, stdout=subprocess.DEVNULL, stderr=self.log)
        Server.last_procs.append(self.proc)
        base = f"http://127.0.0.1:{self.port}"
        for _ in range(300):
            try:
                if get(base + "/livez")[0] == 200:
                    if self.env.get("SEARCH_POSTINGS", "true") != "false":
                        self.postings_ms = wait_postings(base)
                    return base
            except OSError:
                time.sleep(0.1)
        log("the server did not come up")
        sys.exit(1)

    def __exit__(self, *exc):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=30)
        self.log.close()


def plan(base):
    channel = "heihe"
    _, first = get(f"{base}/api/v1/categories/{channel}/articles?per_page=20")
    cursor = first["meta"]["next_cursor"]
    pick = first["data"][10]
    if SEARCH_ONLY:
        return [
            ("channel newest 20 (with sub-channels)", f"/api/v1/categories/{channel}/articles?per_page=20"),
            ("/livez (ceiling)", "/livez"),
        ]
    return [
        ("channel newest 20 (with sub-channels)", f"/api/v1/categories/{channel}/articles?per_page=20"),
        ("channel page 2 by cursor", f"/api/v1/categories/{channel}/articles?per_page=20&cursor={cursor}"),
        ("channel page 50 by page", f"/api/v1/categories/{channel}/articles?per_page=20&page=50"),
        ("article by id", f"/api/v1/articles/{pick['id']}"),
        ("article by slug", f"/api/v1/articles/{pick['slug']}"),
        ("article screen (related, latest, most-read)",
         f"/api/v1/articles/{pick['id']}?include=related,latest_in_category,most_read"),
        ("front page /home (13 channels x 6)", "/api/v1/home"),
        ("change feed, first 100", "/api/v1/articles/changes?limit=100"),
        ("change feed, 100 after 1,000", f"/api/v1/articles/changes?limit=100&since={feed_token(base, 10)}"),
        ("/livez (ceiling)", "/livez"),
    ]


def first_reads(base, db_url, n=40):
    """Random visible articles' 相关新闻 read twice: the first read computes and stores their
    choices (what a write costs too), the second reads them stored."""
    ids = run(["psql", db_url, "-qAtc",
               "SELECT id FROM articles WHERE status = 'published' AND deleted_at IS NULL "
               f"AND published_at <= now() ORDER BY random() LIMIT {n}"]).stdout.split()
    first, second = [], []
    for i in ids:
        for out in (first, second):
            t0 = time.perf_counter()
            status, _ = get(f"{base}/api/v1/articles/{i}?include=related")
            out.append((time.perf_counter() - t0) * 1000)
            if status != 200:
                log(f"article {i}: {status}")
    return sorted(first), sorted(second)


def report_first_reads(reads):
    first, second = reads
    med = lambda xs: xs[len(xs) // 2]
    print(f"相关新闻 not precomputed ({len(first)} random articles, one request at a time): first read, "
          f"which computes and stores the choices, p50 {med(first):.1f} ms, max {first[-1]:.1f} ms; "
          f"second read p50 {med(second):.1f} ms, max {second[-1]:.1f} ms.")
    print()


def feed_token(base, pages):
    """The change feed's `next` after `pages` pages of 100."""
    token = None
    for _ in range(pages):
        _, page = get(base + "/api/v1/articles/changes?limit=100" + (f"&since={token}" if token else ""))
        token = page["next"]
    return token


def capture(base, path, trace):
    """The SQL of one request in steady state (after a first one warmed the server's caches)."""
    get(base + path)
    time.sleep(0.05)
    trace.write_text("")
    get(base + path)
    time.sleep(0.05)
    return statements(trace)


def statements(trace):
    """The statements recorded in the trace file, in order."""
    return [q for q in (to_sql(l) for l in trace.read_text().splitlines() if l.strip()) if q.strip()]


def bench_one(base, name, path, sql, db_url, work, i):
    url = base + path
    log(f"{name}: {len(sql)} statement(s) per request")
    wrk(url, WARMUP, latency=False)
    http = wrk(url, DURATION)
    db = None
    if sql:
        script = work / f"w{i}.sql"
        script.write_text("".join(s + ";\n" for s in sql))
        db = pgbench(db_url, str(script))
    return {"name": name, "path": path, "http": http, "db": db, "statements": len(sql)}


FILTERS = [
    ("default (newest)", ""),
    ("category with sub-channels", "category=heihe"),
    ("category, descendants=false", "category=shizheng&descendants=false"),
    ("source", "source=xinhua"),
    ("author", "author=reporter-0007"),
    ("tag", "tag={tag}"),
    ("kind", "kind=video"),
    ("headline", "headline=true"),
    ("featured", "featured=true"),
    ("published_after", "published_after=2026-01-01T00:00:00Z"),
    ("published_before", "published_before=2025-06-01T00:00:00Z"),
    ("updated_since", "updated_since=2020-01-01T00:00:00Z&sort=-updated_at"),
    ("q (title contains)", "q=%E9%BB%91%E6%B2%B3"),
    ("sort=published_at", "sort=published_at"),
    ("sort=-updated_at", "sort=-updated_at"),
    ("sort=-view_count", "sort=-view_count"),
]


def explain_filters(base, trace, db_url):
    """EXPLAIN the rows query of each list filter and sort, as the server issued it."""
    _, tags = get(base + "/api/v1/tags?per_page=1")
    tag = urllib.parse.quote(tags["data"][0]["name"]) if tags["data"] else "x"
    out = []
    for name, query in FILTERS:
        sql = capture(base, "/api/v1/articles?per_page=20&" + query.format(tag=tag), trace)
        rows = [q for q in sql if " ORDER BY " in q and 'FROM "articles"' in q]
        if not rows:
            out.append((name, "no rows query captured", False))
            continue
        plan = run(["psql", db_url, "-qAtc", "EXPLAIN (FORMAT JSON) " + rows[-1]]).stdout
        nodes = []

        def walk(node):
            label = node["Node Type"]
            if "Index Name" in node:
                label += f" {node['Index Name']}"
            elif "Relation Name" in node:
                label += f" {node['Relation Name']}"
            nodes.append(label)
            for child in node.get("Plans", []):
                walk(child)

        walk(json.loads(plan)[0]["Plan"])
        ok = not any(n == "Seq Scan articles" for n in nodes)
        out.append((name, ", ".join(nodes), ok))
    return out


def report_plans(plans):
    print("EXPLAIN of the list query per filter/sort (no sequential scan of articles expected):")
    print()
    print("| filter or sort | plan nodes | index only |")
    print("|---|---|---|")
    for name, nodes, ok in plans:
        print(f"| {name} | {nodes} | {'yes' if ok else 'NO'} |")
    print()


# ---- search -----------------------------------------------------------------------------------

def search_path(q):
    return "/api/v1/search?per_page=20&q=" + urllib.parse.quote(q)


def traced(base, path, trace):
    """The SQL of exactly one request (whatever the server's caches hold at that moment)."""
    time.sleep(0.05)
    trace.write_text("")
    status, body = get(base + path)
    time.sleep(0.05)
    return status, body, statements(trace)


def rare_candidates(base):
    """Words likely to match few articles: the least used synthetic reporters' names (the seed
    skews bylines towards the first reporters, and a name is indexed only through the body's
    "本报讯（记者 …）" lead) and a few words of the demo articles only."""
    names = []
    for n in (200, 199, 197, 190, 180, 150):
        try:
            _, a = get(f"{base}/api/v1/authors/reporter-{n:04d}")
        except urllib.error.HTTPError:
            continue
        a = a.get("data", a) if isinstance(a, dict) else a
        if isinstance(a, dict) and a.get("name"):
            names.append(a["name"])
    return names + ["家电汽车", "浮箱", "龙舟赛"]


def tsquery_of(sql):
    """The tsquery the server built (from the ranked statement), e.g. '爱辉区' & '营商环境'."""
    for q in sql:
        m = re.search(r"ts_rank\(articles\.search_vector, CAST\('((?:[^']|'')*)' AS tsquery\)", q)
        if m:
            return m.group(1).replace("''", "'")
    return "?"


def pick_searches(base, trace):
    """Three queries chosen from the data, each with the SQL of its first request (a cold total:
    it includes the count) and of a steady-state one (the total is cached for 10 s)."""
    def probe(q):
        status, body, sql = traced(base, search_path(q), trace)
        return body["meta"]["total"], sql

    chosen = []
    for name, q in (("common term", os.environ.get("BENCH_SEARCH_COMMON", "黑河")),
                    ("two-term query", os.environ.get("BENCH_SEARCH_TWO", "爱辉区 营商环境"))):
        total, sql = probe(q)
        chosen.append({"name": name, "q": q, "total": total, "cold_sql": sql})
    rare = os.environ.get("BENCH_SEARCH_RARE")
    if rare:
        total, sql = probe(rare)
        chosen.insert(1, {"name": "rare term", "q": rare, "total": total, "cold_sql": sql})
    else:
        probed = []
        for q in rare_candidates(base):
            total, sql = probe(q)
            probed.append((total, q, sql))
        log("rare term candidates: " + ", ".join(f"{q} {t} [{tsquery_of(sql)}]" for t, q, sql in probed))
        # one word, as the index segments it (家电汽车 would be 家电 & 汽车)
        hits = sorted((p for p in probed if p[0] > 0 and " & " not in tsquery_of(p[2])), key=lambda p: p[0])
        total, q, sql = hits[0] if hits else probed[0]
        chosen.insert(1, {"name": "rare term", "q": q, "total": total, "cold_sql": sql})
    for c in chosen:
        c["tsquery"] = tsquery_of(c["cold_sql"])
        c["path"] = search_path(c["q"])
        c["sql"] = capture(base, c["path"], trace)
        log(f"search {c['name']} {c['q']!r}: {c['total']} matches, "
            f"{len(c['cold_sql'])} statements cold, {len(c['sql'])} steady")
    return chosen


def plan_nodes(node, out):
    label = node["Node Type"]
    if "Index Name" in node:
        label += f" {node['Index Name']}"
    elif "Relation Name" in node:
        label += f" {node['Relation Name']}"
    out.append(label)
    for child in node.get("Plans", []):
        plan_nodes(child, out)
    return out


def explain_analyze(db_url, sql):
    """EXPLAIN ANALYZE twice (the first warms the cache); the second's JSON and text plans."""
    run(["psql", db_url, "-qAtc", "EXPLAIN (ANALYZE, FORMAT JSON) " + sql])
    js = json.loads(run(["psql", db_url, "-qAtc", "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql]).stdout)[0]
    text = run(["psql", db_url, "-qAtc", "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF) " + sql]).stdout
    return js, text


def explain_searches(searches, db_url):
    """The ranked query (ts_rank over the newest matches) and the count of each search."""
    out = []
    for s in searches:
        ranked = [q for q in s["cold_sql"] if "ts_rank(" in q]
        counts = [q for q in s["cold_sql"] if "count(" in q.lower() and "@@" in q]
        for kind, stmts in (("ranked rows", ranked), ("count (cached 10 s)", counts)):
            if not stmts:
                out.append({"search": s["name"], "kind": kind, "missing": True})
                continue
            js, text = explain_analyze(db_url, stmts[0])
            nodes = plan_nodes(js["Plan"], [])
            out.append({"search": s["name"], "kind": kind, "missing": False, "sql": stmts[0],
                        "nodes": nodes, "gin": any("articles_search_idx" in n for n in nodes),
                        "rows": js["Plan"].get("Actual Rows"), "ms": js["Execution Time"],
                        "plan_ms": js["Planning Time"],
                        "hit": js["Plan"].get("Shared Hit Blocks", 0),
                        "read": js["Plan"].get("Shared Read Blocks", 0), "text": text})
        # every statement of a steady-state request, to see where the SQL time goes
        parts = []
        for q in s["sql"]:
            run(["psql", db_url, "-qAtc", "EXPLAIN (ANALYZE) " + q])
            js = json.loads(run(["psql", db_url, "-qAtc", "EXPLAIN (ANALYZE, FORMAT JSON) " + q]).stdout)[0]
            parts.append(f"{statement_label(q)} {js['Execution Time']:.2f}")
        out.append({"search": s["name"], "kind": "steady request, exec ms each", "missing": False,
                    "steady": "; ".join(parts)})
    return out


def statement_label(sql):
    if "ts_rank(" in sql:
        return "ranked"
    if "left(articles.body_text" in sql:
        return "body texts"
    m = re.search(r'\bFROM\s+\(*"?(\w+)"?', sql)
    return m.group(1) if m else sql[:20]


def report_search(rows, searches, results):
    ceiling = next((r["http"]["rps"] for r in results if r["name"].startswith("/livez")), None)
    channel = next((r["http"]["rps"] for r in results if r["name"].startswith("channel newest")), None)
    print(f"Search (GET /api/v1/search?per_page=20&q=…, anonymous; {ARTICLES} synthetic articles; "
          f"totals are cached 10 s, result pages are not):")
    print()
    head = ("search", "q", "tsquery", "matches", "req/s", "p50 ms", "p99 ms", "SQL/req", "pgbench tps", "vs SQL",
            "vs livez", "vs channel list", "non-2xx")
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for r, s in zip(rows, searches):
        h, d = r["http"], r["db"]
        row = (s["name"], s["q"], s["tsquery"], str(s["total"]), f"{h['rps']:.0f}", f"{h['p50']:.2f}", f"{h['p99']:.2f}",
               str(r["statements"]), f"{d['tps']:.0f}" if d else "-",
               f"{h['rps'] / d['tps']:.0%}" if d else "-",
               f"{h['rps'] / ceiling:.2%}" if ceiling else "-",
               f"{h['rps'] / channel:.0%}" if channel else "-", str(h["non2xx"] + h["errors"]))
        print("| " + " | ".join(row) + " |")
    print()


def report_search_plans(plans):
    print("EXPLAIN ANALYZE of the search statements (second run, literal binds as the server sent them):")
    print()
    print("| search | statement | plan nodes | GIN articles_search_idx | rows | buffers hit/read | exec ms |")
    print("|---|---|---|---|---|---|---|")
    for p in plans:
        if p["missing"]:
            print(f"| {p['search']} | {p['kind']} | not captured | - | - | - | - |")
            continue
        if "steady" in p:
            print(f"| {p['search']} | {p['kind']} | {p['steady']} | - | - | - | - |")
            continue
        print(f"| {p['search']} | {p['kind']} | {', '.join(p['nodes'])} | {'yes' if p['gin'] else 'NO'} | "
              f"{p['rows']} | {p['hit']}/{p['read']} | {p['ms']:.1f} |")
    print()
    for p in plans:
        if not p["missing"] and p["kind"] == "ranked rows":
            print(f"Ranked query plan, {p['search']}:")
            print("```")
            print(p["sql"][:600] + (" …" if len(p["sql"]) > 600 else ""))
            print()
            print(p["text"].rstrip())
            print("```")
            print()


# ---- write cost ------------------------------------------------------------------------------

def connection(base):
    """A keep-alive HTTP connection to `base` (http://host:port)."""
    host, port = base.rsplit("//", 1)[1].split(":")
    return http.client.HTTPConnection(host, int(port), timeout=30)


def call(conn, method, path, body=None, token=None):
    """One request on a kept-alive connection: (status, JSON body, milliseconds)."""
    headers = {"Accept": "application/json"}
    data = None
    if body is not None:
        data = json.dumps(body, ensure_ascii=False).encode()
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    t = time.perf_counter()
    conn.request(method, path, body=data, headers=headers)
    res = conn.getresponse()
    raw = res.read()
    ms = (time.perf_counter() - t) * 1000
    try:
        parsed = json.loads(raw) if raw else None
    except ValueError:
        parsed = raw.decode(errors="replace")
    return res.status, parsed, ms


def scrape(base):
    with urllib.request.urlopen(base + "/metrics", timeout=30) as res:
        text = res.read().decode()

    def value(name):
        m = re.search(rf"^{name}\s+([\d.e+]+)\s*$", text, re.M)
        return float(m.group(1)) if m else float("nan")

    return {"indexed": value("newsdesk_search_indexed_on_write_total"),
            "micros": value("newsdesk_search_index_microseconds_total")}


def sample_bodies(conn, want, chars=1500):
    """Bodies of ~`chars` characters of text: whole paragraphs of seeded articles."""
    _, page, _ = call(conn, "GET", "/api/v1/articles?per_page=100")
    bodies = []
    for a in page["data"]:
        status, full, _ = call(conn, "GET", f"/api/v1/articles/{a['id']}")
        if status != 200:
            continue
        full = full.get("data", full)
        paras, n = [], 0
        for para in re.findall(r"<p>.*?</p>", full.get("body") or "", re.S):
            paras.append(para)
            n += len(re.sub(r"<[^>]+>", "", para))
            if n >= chars:
                break
        if n >= chars * 0.8:
            bodies.append(("".join(paras), n, full["title"]))
        if len(bodies) >= want:
            break
    return bodies


def bench_writes(base, admin):
    """Sequential creates as the admin; client-side latency and the server's indexing time."""
    host, port = base.rsplit("//", 1)[1].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    status, body, _ = call(conn, "POST", "/api/v1/auth/login", admin)
    if status != 200:
        log(f"login failed: {status} {body}")
        sys.exit(1)
    token = body["access_token"]
    _, cat, _ = call(conn, "GET", "/api/v1/categories/shizheng")
    category_id = cat.get("data", cat)["id"]
    bodies = sample_bodies(conn, 50)
    if not bodies:
        log("no seeded article has a body long enough to reuse")
        sys.exit(1)
    run_id = secrets.token_hex(3)

    def create(i):
        html, _, title = bodies[i % len(bodies)]
        return call(conn, "POST", "/api/v1/articles", {
            "title": f"{title}（写入测试 {run_id}-{i}）", "body": html, "category_id": category_id,
            "status": "published", "tags": ["营商环境", "写入测试"]}, token)

    failed = 0
    for i in range(5):  # warm-up, not measured
        failed += create(-1 - i)[0] != 201
    before = scrape(base)
    times = []
    for i in range(WRITES):
        status, res, ms = create(i)
        times.append(ms)
        if status != 201:
            failed += 1
            if failed <= 3:
                log(f"write {i}: {status} {str(res)[:300]}")
    after = scrape(base)
    conn.close()
    times.sort()
    indexed = after["indexed"] - before["indexed"]
    micros = after["micros"] - before["micros"]
    return {"n": len(times), "failed": failed, "mean": sum(times) / len(times),
            "p50": times[len(times) // 2], "p99": times[min(len(times) - 1, int(len(times) * 0.99))],
            "max": times[-1], "indexed": indexed, "index_ms": micros / 1000 / indexed if indexed else float("nan"),
            "chars": sum(b[1] for b in bodies) / len(bodies)}


def bench_reindex(env):
    """`newsdesk search reindex`: every article segmented again and written in batches."""
    out = run([BIN, "search", "reindex"], env=env).stdout
    m = re.search(r"reindexed (\d+) articles in ([\d.]+) s \(([\d.]+) articles/s\)", out)
    if not m:
        log(f"unexpected reindex output: {out.strip()}")
        return None
    return {"articles": int(m.group(1)), "secs": float(m.group(2)), "rate": float(m.group(3))}


def report_write_cost(w, reindex, seed_index):
    print(f"Article writes ({w['n']} sequential POST /api/v1/articles as the admin, published, 2 tags, "
          f"bodies of ~{w['chars']:.0f} characters; latency measured by the client on a kept-alive connection):")
    print()
    print("| writes | failed | mean ms | p50 ms | p99 ms | max ms | indexed on write | index ms/write (server) | "
          "indexing share of mean latency |")
    print("|---|---|---|---|---|---|---|---|---|")
    print(f"| {w['n']} | {w['failed']} | {w['mean']:.2f} | {w['p50']:.2f} | {w['p99']:.2f} | {w['max']:.2f} | "
          f"{w['indexed']:.0f} | {w['index_ms']:.2f} | {w['index_ms'] / w['mean']:.1%} |")
    print()
    if seed_index:
        print(f"Seed indexing: {seed_index['articles']} articles in {seed_index['secs']:.1f} s "
              f"({seed_index['articles'] / max(seed_index['secs'], 0.001):.0f} articles/s).")
    if reindex:
        print(f"`newsdesk search reindex`: {reindex['articles']} articles in {reindex['secs']:.1f} s "
              f"({reindex['rate']:.0f} articles/s).")
    print()


# ---- rankings and the beacon -------------------------------------------------------------------

WINDOWS = ["day", "week", "month", "year", "all"]


def bench_most_read(base, db_url, work):
    """Cached: wrk on one URL. Uncached: sequential requests, each with a limit never asked before."""
    rows = []
    for window in WINDOWS:
        url = f"{base}/api/v1/rankings/most-read?window={window}&limit=10"
        get(url)
        http = wrk(url, max(3, DURATION // 2))
        times = []
        for k in range(20):
            t = time.perf_counter()
            status, body = get(f"{base}/api/v1/rankings/most-read?window={window}&limit={11 + k}")
            times.append((time.perf_counter() - t) * 1000)
            if status != 200:
                http["non2xx"] += 1
        times.sort()
        rows.append({"name": f"most-read {window}", "http": http,
                     "uncached_p50": times[len(times) // 2], "uncached_max": times[-1],
                     "entries": len(body["data"])})
    return rows


async def _beacon_load(port, ids, total, conns):
    import asyncio

    sent = {"204": 0, "other": 0}
    per = total // conns

    async def worker(w):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        for i in range(per):
            aid = ids[(w * 7919 + i) % len(ids)]
            writer.write((f"POST /api/v1/articles/{aid}/views HTTP/1.1\r\nHost: bench\r\n"
                          f"X-Visitor-Id: bench-{w}-{i}\r\nContent-Length: 0\r\n\r\n").encode())
            await writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")
            status = head.split(b" ", 2)[1].decode()
            length = re.search(rb"(?i)content-length:\s*(\d+)", head)
            if length and int(length.group(1)):
                await reader.readexactly(int(length.group(1)))
            sent["204" if status == "204" else "other"] += 1
        writer.close()

    await asyncio.gather(*(worker(w) for w in range(conns)))
    return sent


def views_total(db_url):
    return int(run(["psql", db_url, "-qAtc", "SELECT coalesce(sum(views), 0) FROM article_views_daily"]).stdout.strip())


def bench_beacon(env, work, db_url):
    """wrk for throughput; then an exact count of 204s, a clean stop, and the stored total."""
    import asyncio

    with Server(env, work, None) as base:
        _, page = get(f"{base}/api/v1/articles?per_page=100")
        ids = [a["id"] for a in page["data"]]
        script = work / "beacon.lua"
        script.write_text(
            'counter = 0\n'
            'request = function()\n'
            '  counter = counter + 1\n'
            f'  local ids = {{{",".join(map(str, ids))}}}\n'
            '  local id = ids[(counter % #ids) + 1]\n'
            '  return wrk.format("POST", "/api/v1/articles/" .. id .. "/views",\n'
            '    {["X-Visitor-Id"] = "wrk-" .. tostring(counter) .. "-" .. tostring(math.random(1e9))}, "")\n'
            'end\n')
        run(["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{WARMUP}s", "-s", str(script), base + "/"])
        out = run(["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{DURATION}s", "--latency",
                   "-s", str(script), base + "/"]).stdout
        rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
        p99 = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)", out, re.M)
        p99ms = float(p99.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)] if p99 else float("nan")
        time.sleep(3)  # let the last interval flush land
        before = views_total(db_url)
        n = int(os.environ.get("BENCH_BEACONS", "20000"))
        t0 = time.time()
        sent = asyncio.run(_beacon_load(int(base.rsplit(":", 1)[1]), ids, n, CONNECTIONS))
        exact_rate = (sent["204"] + sent["other"]) / (time.time() - t0)
    # the `with` block sent SIGTERM and waited: the final flush is done
    stored = views_total(db_url) - before
    return {"rps": rps, "p99": p99ms, "sent": sent["204"], "other": sent["other"], "stored": stored,
            "exact_rate": exact_rate}


def report_rankings(rows):
    print("Most-read (cached: wrk on one URL; uncached: 20 sequential requests with new limits):")
    print()
    print("| window | cached req/s | cached p50 ms | cached p99 ms | uncached p50 ms | uncached max ms | entries |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        h = r["http"]
        print(f"| {r['name']} | {h['rps']:.0f} | {h['p50']:.2f} | {h['p99']:.2f} | "
              f"{r['uncached_p50']:.1f} | {r['uncached_max']:.1f} | {r['entries']} |")
    print()


def report_beacon(b):
    print(f"View beacon: {b['rps']:.0f} req/s with wrk at {CONNECTIONS} connections (p99 {b['p99']:.2f} ms).")
    print(f"Exact run: {b['sent']} answered 204 ({b['other']} other) at {b['exact_rate']:.0f} req/s from a "
          f"Python client; after SIGTERM the database holds {b['stored']} new views: "
          f"{'EQUAL' if b['sent'] == b['stored'] else 'DIFFERENT'}.")
    print()


def report(results):
    ceiling = next(r["http"]["rps"] for r in results if r["name"].startswith("/livez"))
    cores = os.cpu_count()
    print()
    print(f"newsdesk bench (response cache off: what each request costs to compute): {ARTICLES} articles, "
          f"{CONNECTIONS} connections, {DURATION} s per run, "
          f"{THREADS} wrk threads, {cores} cores (server, wrk, pgbench and PostgreSQL share them)")
    print()
    head = ("workload", "req/s", "p50 ms", "p99 ms", "SQL/req", "pgbench tps", "vs SQL", "vs livez", "non-2xx")
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for r in results:
        h, d = r["http"], r["db"]
        vs_sql = f"{h['rps'] / d['tps']:.0%}" if d else "-"
        row = (r["name"], f"{h['rps']:.0f}", f"{h['p50']:.2f}", f"{h['p99']:.2f}", str(r["statements"]),
               f"{d['tps']:.0f}" if d else "-", vs_sql, f"{h['rps'] / ceiling:.0%}", str(h["non2xx"] + h["errors"]))
        print("| " + " | ".join(row) + " |")
    print()
    by = {r["name"]: r["http"]["rps"] for r in results}
    detail, screen = by.get("article by id"), by.get("article screen (related, latest, most-read)")
    if detail and screen:
        print(f"Uncached article screen vs plain uncached detail (same article, same run): "
              f"{screen:.0f} vs {detail:.0f} req/s, the screen costs {detail / screen:.2f}× the detail.")
        print()


if __name__ == "__main__":
    main()
