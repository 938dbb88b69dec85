"""The cluster benchmark (`make cluster-bench`, CLUSTER_BENCH=1 scripts/cluster-test.sh).

On the cluster that cluster.py builds (a primary and a streaming replica with BENCH_ARTICLES
synthetic articles and a year of views), the same read mix is run twice with wrk, BENCH_SECS
each after BENCH_WARM_SECS unmeasured:

  1. one instance, every read on the primary (no DATABASE_REPLICA_URLS);
  2. two instances reading from the replica, behind HAProxy (two wrk halves without it).

The response cache is off (RESPONSE_CACHE_MB=0) so that every request reads the database: the
point is where reads land, not how well a cache hides them. The mix: article screens spread
over every visible article by a Zipf-like popularity (s = 1.1), channel lists and search pages.
Reported: throughput of each, their ratio, and the CPU time each PostgreSQL server spent per
1,000 requests and as a share of the machine, from /proc (the primary's share is the point:
reads leave it).
"""

import json
import os
import random
import re
import subprocess
import time
import urllib.request

SECS = int(os.environ.get("BENCH_SECS", "20"))
WARM = int(os.environ.get("BENCH_WARM_SECS", "5"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "32"))
TICKS = os.sysconf("SC_CLK_TCK")
CORES = os.cpu_count() or 1


def cpu_secs(pg):
    """CPU seconds of a PostgreSQL server's processes (the postmaster and its children)."""
    with open(os.path.join(pg.data, "postmaster.pid")) as f:
        root = int(f.readline())
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(entry), int(fields[1])
        if pid == root or ppid == root:
            total += int(fields[11]) + int(fields[12])
    return total / TICKS


def get_json(url):
    with urllib.request.urlopen(url, timeout=30) as res:
        return json.loads(res.read())


def paths(base):
    """The mix over what the public API lists (so every path answers 200)."""
    ids, page = [], 1
    while True:
        listed = get_json(f"{base}/api/v1/articles?per_page=100&page={page}")
        ids += [a["id"] for a in listed["data"]]
        if page >= listed["meta"]["total_pages"]:
            break
        page += 1
    rng = random.Random(7)
    ranked = ids[:]
    rng.shuffle(ranked)
    weights = [1 / (k + 1) ** 1.1 for k in range(len(ranked))]
    out = [f"/api/v1/articles/{i}" for i in rng.choices(ranked, weights=weights, k=8000)]
    cats = [c["slug"] for c in get_json(base + "/api/v1/categories")["data"]]
    for k in range(1500):
        out.append(f"/api/v1/categories/{rng.choice(cats)}/articles?per_page=20")
    for k in range(500):
        out.append(f"/api/v1/search?q=%E9%BB%91%E6%B2%B3&page={1 + k % 3}")
    rng.shuffle(out)
    return out, len(ids)


def lua(work, listing):
    path = os.path.join(work, "cluster-mix.txt")
    with open(path, "w") as f:
        f.write("\n".join(listing) + "\n")
    script = os.path.join(work, "cluster-mix.lua")
    with open(script, "w") as f:
        f.write(f"""
local paths = {{}}
for line in io.lines("{path}") do paths[#paths + 1] = line end
math.randomseed(os.time())
request = function()
  return wrk.format("GET", paths[math.random(#paths)])
end
""")
    return script


def wrk(urls, secs, script):
    """wrk on each URL at once (connections split); summed requests/s, worst error count."""
    per = max(2, CONNECTIONS // len(urls))
    runs = [subprocess.Popen(["wrk", "-t1", f"-c{per}", f"-d{secs}s", "--timeout", "10s",
                              "-s", script, u], stdout=subprocess.PIPE, text=True) for u in urls]
    rps, bad = 0.0, {"non2xx": 0, "socket": 0}
    for r in runs:
        out = r.communicate()[0]
        rps += float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
        m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
        bad["non2xx"] += int(m.group(1)) if m else 0
        m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
        bad["socket"] += sum(int(x) for x in m.groups()) if m else 0
    return rps, bad


def measure(name, urls, script, servers, log):
    wrk(urls, WARM, script)
    before = {k: cpu_secs(pg) for k, pg in servers.items()}
    t0 = time.monotonic()
    rps, bad = wrk(urls, SECS, script)
    wall = time.monotonic() - t0
    used = {k: cpu_secs(pg) - before[k] for k, pg in servers.items()}
    requests = rps * wall
    row = {"rps": rps, "errors": bad["non2xx"] + bad["socket"], **bad}
    for k, secs in used.items():
        row[f"{k}_cpu_share"] = secs / (wall * CORES)
        row[f"{k}_cpu_ms_per_1k"] = secs * 1000 / max(requests, 1) * 1000
    log(f"{name}: {rps:.0f} req/s, non-2xx {bad['non2xx']}, socket errors {bad['socket']}, " + ", ".join(
        f"{k} CPU {row[f'{k}_cpu_share']:.0%} of the machine" for k in servers))
    return row


def run(primary, replica, env, Instance, log, figures, free_port, haproxy, haproxy_config):
    bench_env = dict(env, RESPONSE_CACHE_MB="0", RUST_LOG="warn", HTTP_WORKERS="2")
    work = os.path.dirname(primary.data)
    servers = {"primary": primary, "replica": replica}

    alone = Instance("alone", free_port(), dict(bench_env, DATABASE_REPLICA_URLS=""))
    alone.start()
    listing, visible = paths(alone.base)
    script = lua(work, listing)
    try:
        one = measure("one instance, reads on the primary", [alone.base], script, servers, log)
    finally:
        alone.stop()

    a = Instance("A", free_port(), bench_env)
    b = Instance("B", free_port(), bench_env)
    lb = None
    try:
        for inst in (a, b):
            inst.start()
        deadline = time.monotonic() + 20
        while not all(i.replica_state() == "in_rotation" for i in (a, b)):
            if time.monotonic() > deadline:
                raise AssertionError("the replica never entered the rotation")
            time.sleep(0.1)
        urls = [a.base, b.base]
        if haproxy:
            port = free_port()
            cfg = os.path.join(work, "haproxy-bench.cfg")
            with open(cfg, "w") as f:
                f.write(haproxy_config(port, a, b))
            lb = subprocess.Popen([haproxy, "-f", cfg, "-db"], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
            time.sleep(2.5)
            urls = [f"http://127.0.0.1:{port}"]
        two = measure("two instances, reads on the replica", urls, script, servers, log)
        reads = a.replica_reads() + b.replica_reads()
    finally:
        if lb:
            lb.terminate()
        for inst in (a, b):
            inst.stop()
    figures["bench"] = {"articles_visible": visible, "secs": SECS, "one": one, "two": two,
                        "replica_reads": reads}
    print()
    print(f"Cluster benchmark: {visible} visible articles, response cache off, {SECS} s per run "
          f"after {WARM} s warm-up, {CONNECTIONS} connections, {CORES} cores shared by everything.")
    print()
    print("| setup | req/s | errors | primary CPU (share of machine) | primary CPU ms / 1k req | "
          "replica CPU (share) |")
    print("|---|---:|---:|---:|---:|---:|")
    for label, row in (("1 instance, reads on the primary", one),
                       ("2 instances, reads on the replica", two)):
        print(f"| {label} | {row['rps']:.0f} | {row['errors']} | {row['primary_cpu_share']:.0%} | "
              f"{row['primary_cpu_ms_per_1k']:.0f} | {row['replica_cpu_share']:.0%} |")
    print()
    print(f"Throughput ratio (two on the replica / one on the primary): "
          f"{two['rps'] / one['rps']:.2f}; the primary's CPU per request fell to "
          f"{two['primary_cpu_ms_per_1k'] / max(one['primary_cpu_ms_per_1k'], 1e-9):.0%} of what "
          f"it was.")
