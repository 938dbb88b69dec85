"""Search at scale, a part of `make bench` (scripts/bench.py runs it when BENCH_SEARCH_SCALE is
set, and BENCH_SEARCH_SCALE_ONLY=1 runs only it).

For each size of BENCH_SEARCH_SCALE (e.g. `20000,200000,1000000`): a database seeded once with
`seed --synthetic N --no-related` (which ends with VACUUM ANALYZE) and kept as
`newsdesk_bench_s<N>` (BENCH_REUSE_DB=1 reuses it; `DROP DATABASE` it by hand), then for each
binary — BENCH_BASELINE_BIN (a build from before a change, at the sizes of
BENCH_BASELINE_SIZES, default the ones under 1,000,000) and this one — the index that binary
builds (`search reindex` when the last one was built by the other, timed: the write-time cost of
indexing; BENCH_SAME_INDEX=1 skips it when both build the same vectors), VACUUM ANALYZE, the
index's size, and a release server (response cache off; its in-memory search postings built
before any load, their build time reported) loaded
with wrk on each query: the three of the main search section (a common term 黑河, a rare one,
two terms) and one of each kind readers type (pinyin, traditional script, another name of a
place, Russian). The report gives req/s, p99, non-2xx and what answered (postings or database) per query, each binary's rate as a
ratio to the baseline's, and each size's common-term rate as a ratio to the smallest size's.
"""

import json
import os
import re
import time
import urllib.parse
from pathlib import Path

import bench as B

QUERIES = [
    ("common term", os.environ.get("BENCH_SEARCH_COMMON", "黑河")),
    ("rare term", os.environ.get("BENCH_SEARCH_RARE", "浮箱")),
    ("two terms", os.environ.get("BENCH_SEARCH_TWO", "爱辉区 营商环境")),
    ("pinyin", "heihe"),
    ("traditional", "愛輝區 營商環境"),
    ("alias", "黑河市"),
    ("Russian", "Хэйхэ"),
]


POSTINGS_SERVED = "newsdesk_search_postings_searches_total"


def sizes():
    raw = os.environ.get("BENCH_SEARCH_SCALE", "")
    return [int(s) for s in raw.split(",") if s.strip()]


def baseline_sizes(all_sizes):
    raw = os.environ.get("BENCH_BASELINE_SIZES")
    if raw is not None:
        return {int(s) for s in raw.split(",") if s.strip()}
    return {n for n in all_sizes if n < 1_000_000}


def index_size(db_url):
    out = B.run(["psql", db_url, "-qAtc",
                 "SELECT pg_relation_size('articles_search_idx'), "
                 "(SELECT sum(pg_column_size(search_vector)) FROM articles), "
                 "(SELECT count(*) FROM articles)"]).stdout.strip()
    gin, vectors, n = (int(x or 0) for x in out.split("|"))
    return {"gin_mb": gin / 2**20, "vectors_mb": vectors / 2**20, "articles": n}


def reindex(bin_path, env):
    t = time.time()
    out = B.run([bin_path, "search", "reindex"], env=env).stdout
    m = re.search(r"reindexed (\d+) articles in ([\d.]+) s \(([\d.]+) articles/s\)", out)
    secs = time.time() - t
    if m:
        return {"articles": int(m.group(1)), "secs": float(m.group(2)), "rate": float(m.group(3))}
    return {"articles": 0, "secs": secs, "rate": float("nan")}


def total_of(base, q):
    try:
        _, body = B.get(base + B.search_path(q))
        return body["meta"]["total"]
    except Exception as e:  # noqa: BLE001 - reported, the load run then shows the failures
        B.log(f"search {q!r} failed once: {e}")
        return None


def run(env_base, server_url):
    """Runs every size; prints the tables; returns False when any answer was not 2xx."""
    all_sizes = sizes()
    if not all_sizes:
        return True
    with_baseline = baseline_sizes(all_sizes)
    baseline = os.environ.get("BENCH_BASELINE_BIN")
    reuse = os.environ.get("BENCH_REUSE_DB") == "1"
    rows, builds, ok = [], [], True
    for n in all_sizes:
        name = f"newsdesk_bench_s{n}"
        exists = B.run(["psql", server_url, "-qAtc",
                        f"SELECT 1 FROM pg_database WHERE datname = '{name}'"]).stdout.strip() == "1"
        if not (reuse and exists):
            B.psql(server_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        db_url = B.run([str(B.ROOT / "scripts" / "ensure-postgres.sh"), name]).stdout.strip()
        env = dict(env_base, DATABASE_URL=db_url)
        # Which binary built the index now in the database (kept across runs in a comment).
        B.run([B.BIN, "migrate"], env=env)
        built_by = B.run(["psql", db_url, "-qAtc",
                          "SELECT coalesce(obj_description('articles'::regclass), '')"]).stdout.strip()
        seeded = None
        if not (reuse and exists):
            t = time.time()
            out = B.run([B.BIN, "seed", "--synthetic", str(n), "--no-related"], env=env).stdout
            B.log(f"scale: seeded {n} articles in {time.time() - t:.0f} s")
            m = re.search(r"indexed (\d+) articles for search in ([\d.]+)\s*s", out)
            if m:
                seeded = {"articles": int(m.group(1)), "secs": float(m.group(2)),
                          "rate": int(m.group(1)) / max(float(m.group(2)), 0.001)}
            built_by = B.BIN
        # This build first, on the index its seed built; then the baseline on its own index.
        binaries = [("this build", B.BIN)] + ([("baseline", baseline)] if baseline and n in with_baseline else [])
        for label, bin_path in binaries:
            took = seeded if bin_path == B.BIN else None
            same_index = os.environ.get("BENCH_SAME_INDEX") == "1"
            if built_by != bin_path and not same_index:
                B.log(f"scale {n}: reindexing with {label}")
                took = reindex(bin_path, env)
                built_by = bin_path
            B.psql(db_url, f"COMMENT ON TABLE articles IS '{bin_path}'")
            B.psql(db_url, "VACUUM ANALYZE articles")
            size = index_size(db_url)
            builds.append({"n": n, "label": label, "size": size, "reindex": took})
            work = Path(B.tempfile.mkdtemp(prefix="newsdesk-bench-scale-"))
            server = B.Server(env, work, None, bin_path=bin_path)
            with server as base:
                builds[-1]["postings_ms"] = server.postings_ms
                for qname, q in QUERIES:
                    total = total_of(base, q)
                    url = base + B.search_path(q)
                    served = B.metric(base, POSTINGS_SERVED)
                    B.wrk(url, B.WARMUP, latency=False)
                    http = B.wrk(url, B.DURATION)
                    after = B.metric(base, POSTINGS_SERVED)
                    by = "postings" if served is not None and after > served else "database"
                    if http["non2xx"] or http["errors"]:
                        ok = False
                    rows.append({"n": n, "label": label, "query": qname, "q": q, "total": total,
                                 "http": http, "by": by})
                    B.log(f"scale {n} {label} {qname}: {http['rps']:.0f} req/s, p99 {http['p99']:.0f} ms, "
                          f"{total} matches, non-2xx {http['non2xx'] + http['errors']}, {by}")
    report(rows, builds)
    return ok


def report(rows, builds):
    print(f"Search at scale ({B.CONNECTIONS} connections, {B.DURATION} s after {B.WARMUP} s per query, "
          "response cache off, per_page=20, anonymous):")
    print()
    print("| articles | binary | GIN index MB | vectors MB | indexing articles/s (seed or reindex) "
          "| postings built in s |")
    print("|---|---|---|---|---|---|")
    for b in builds:
        r = b["reindex"]
        rate = f"{r['rate']:.0f}" if r else "-"
        ms = b.get("postings_ms")
        built = f"{ms / 1000:.1f}" if ms is not None else "-"
        print(f"| {b['n']:,} | {b['label']} | {b['size']['gin_mb']:.0f} | {b['size']['vectors_mb']:.0f} | "
              f"{rate} | {built} |")
    print()
    print("| articles | binary | query | q | matches | answered by | req/s | p99 ms | non-2xx | vs baseline "
          "| vs smallest size |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    smallest = min(r["n"] for r in rows) if rows else 0
    for r in rows:
        base = next((x for x in rows if x["n"] == r["n"] and x["query"] == r["query"]
                     and x["label"] == "baseline"), None)
        small = next((x for x in rows if x["n"] == smallest and x["query"] == r["query"]
                      and x["label"] == r["label"]), None)
        h = r["http"]
        vs_base = f"{h['rps'] / base['http']['rps']:.2f}" if base and r["label"] != "baseline" else "-"
        vs_small = f"{h['rps'] / small['http']['rps']:.2f}" if small and r["n"] != smallest else "-"
        print(f"| {r['n']:,} | {r['label']} | {r['query']} | {r['q']} | {r['total']} | {r['by']} | {h['rps']:.0f} | "
              f"{h['p99']:.0f} | {h['non2xx'] + h['errors']} | {vs_base} | {vs_small} |")
    print()
