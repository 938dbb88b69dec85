#!/usr/bin/env python3
"""`make bench`: a release server on a synthetic dataset, loaded with wrk on loopback, and the
very SQL each endpoint issued replayed with pgbench in the same run.

Steps: fresh database -> migrate -> `seed --synthetic N` -> ANALYZE -> server with
NEWSDESK_SQL_TRACE -> for each workload: one request to capture its SQL, wrk warm-up, timed wrk
run, pgbench on the captured SQL (-M prepared) -> a table with req/s, p50, p99 and ratios.

Environment: BENCH_ARTICLES (20000), BENCH_CONNECTIONS (64), BENCH_DURATION (10 s),
BENCH_WARMUP (3 s), BENCH_THREADS (2), NEWSDESK_BIN (target/release/newsdesk), BENCH_KEEP_DB=1
to keep the database. Exits non-zero when any response was not 2xx.
"""

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
    with urllib.request.urlopen(req, timeout=30) as res:
        return res.status, json.loads(res.read() or b"null")


def wrk(url, seconds, latency=True):
    cmd = ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout", "5s"]
    if latency:
        cmd.append("--latency")
    out = run(cmd + [url]).stdout
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
    psql(server_url, f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
    db_url = run([str(ROOT / "scripts" / "ensure-postgres.sh"), DB_NAME]).stdout.strip()
    env = dict(os.environ, DATABASE_URL=db_url, RUST_LOG="warn", NEWSDESK_ENV="production",
               JWT_SECRET=secrets.token_hex(32))
    run([BIN, "migrate"], env=env)
    t0 = time.time()
    seeded = run([BIN, "seed", "--synthetic", str(ARTICLES)], env=env)
    log(f"seeded {ARTICLES} synthetic articles in {time.time() - t0:.1f} s")
    log(seeded.stdout.strip().splitlines()[-1] if seeded.stdout.strip() else "")
    psql(db_url, "VACUUM ANALYZE")

    work = Path(tempfile.mkdtemp(prefix="newsdesk-bench-"))
    trace = work / "trace.sql"
    trace.touch()
    try:
        # First a server that records its SQL, one request per workload; then a clean one to load.
        with Server(env, work, trace) as base:
            workloads = plan(base)
            captured = [capture(base, path, trace) for _, path in workloads]
            plans = explain_filters(base, trace, db_url)
        with Server(env, work, None) as base:
            results = [bench_one(base, name, path, sql, db_url, work, i)
                       for i, ((name, path), sql) in enumerate(zip(workloads, captured))]
            report(results)
            ranking_rows = bench_most_read(base, db_url, work)
            report_rankings(ranking_rows)
        beacon = bench_beacon(env, work, db_url)
    finally:
        if not os.environ.get("BENCH_KEEP_DB"):
            psql(server_url, f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
    report_beacon(beacon)
    report_plans(plans)
    if beacon["stored"] != beacon["sent"]:
        log(f"views lost: {beacon['sent']} answered 204 but {beacon['stored']} stored")
        sys.exit(1)
    if any(r["http"]["non2xx"] or r["http"]["errors"] for r in results + ranking_rows):
        log("some responses were not 2xx (or sockets failed): see the table")
        sys.exit(1)


class Server:
    def __init__(self, env, work, trace, **extra):
        self.port = free_port()
        self.env = dict(env, BIND_ADDR=f"127.0.0.1:{self.port}",
                        DATABASE_POOL_SIZE=os.environ.get("BENCH_POOL", "16"), **extra)
        if trace:
            self.env["NEWSDESK_SQL_TRACE"] = str(trace)
        self.log = open(work / f"server-{self.port}.log", "w")

    def __enter__(self):
        self.proc = subprocess.Popen([BIN, "serve"], env=self.env, stdout=subprocess.DEVNULL, stderr=self.log)
        base = f"http://127.0.0.1:{self.port}"
        for _ in range(300):
            try:
                if get(base + "/livez")[0] == 200:
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
    return [
        ("channel newest 20 (with sub-channels)", f"/api/v1/categories/{channel}/articles?per_page=20"),
        ("channel page 2 by cursor", f"/api/v1/categories/{channel}/articles?per_page=20&cursor={cursor}"),
        ("channel page 50 by page", f"/api/v1/categories/{channel}/articles?per_page=20&page=50"),
        ("article by id", f"/api/v1/articles/{pick['id']}"),
        ("article by slug", f"/api/v1/articles/{pick['slug']}"),
        ("/livez (ceiling)", "/livez"),
    ]


def capture(base, path, trace):
    """The SQL of one request in steady state (after a first one warmed the server's caches)."""
    get(base + path)
    time.sleep(0.05)
    trace.write_text("")
    get(base + path)
    time.sleep(0.05)
    return [to_sql(l) for l in trace.read_text().splitlines() if l.strip()]


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
    print(f"newsdesk bench: {ARTICLES} articles, {CONNECTIONS} connections, {DURATION} s per run, "
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


if __name__ == "__main__":
    main()
