#!/usr/bin/env python3
"""newsdesk on PostgreSQL streaming replication, on one machine (run by scripts/cluster-test.sh).

Builds a primary and a streaming replica with the system's PostgreSQL binaries (initdb,
pg_basebackup -R) under .data/cluster, starts two newsdesk instances against them (reads on the
replica) and HAProxy in front (when installed), and proves, over HTTP:

  1. writes through instance A are readable through instance B, via the replica;
  2. read-your-writes: while the replica's replay is paused, a read presenting the writer's
     position (Newsdesk-Lsn) is never older than the write, on either instance; so is a staff
     read, and a public read once the instance has heard of the write; the paused replica leaves
     the rotation past REPLICA_MAX_LAG_SECS and comes back when resumed;
  3. the caches of both instances follow writes made on either;
  4. stopping the replica moves reads to the primary (requests failed: only in-flight ones;
     time to fall back), starting it again puts it back (time to rejoin);
  5. a scheduled publish fires once (one webhook delivery, though both instances run the
     scheduler and the webhook worker);
  6. beacons sent through the load balancer to both instances add up exactly.

With CLUSTER_BENCH=1 it measures instead: read throughput of one instance on the primary alone
vs two instances reading from the replica, and the primary's CPU share in each.

Environment: NEWSDESK_BIN (server binary), PG_BINDIR (initdb, pg_ctl, pg_basebackup, psql),
CLUSTER_DIR (default .data/cluster), HAPROXY (path, optional); for the benchmark CLUSTER_BENCH=1,
BENCH_ARTICLES (5000), BENCH_SECS (20), BENCH_WARM_SECS (5), BENCH_CONNECTIONS (32).
Everything it starts is stopped and its folder removed at the end (CLUSTER_KEEP=1 keeps it).
"""

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "scripts", "pylib"))
import harness  # noqa: E402
from harness import free_port, http, wait_for  # noqa: E402
BIN = os.environ["NEWSDESK_BIN"]
PGBIN = os.environ["PG_BINDIR"]
DIR = os.path.abspath(os.environ.get("CLUSTER_DIR", os.path.join(ROOT, ".data", "cluster")))
HAPROXY = os.environ.get("HAPROXY", "")
AS_PG = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
ADMIN = ("admin@example.com", "cluster-admin-password-0123")
MAX_LAG_SECS = 1.0
BENCH = os.environ.get("CLUSTER_BENCH") == "1"
BENCH_ARTICLES = os.environ.get("BENCH_ARTICLES", "5000")

started = harness.STARTED
figures = {}


def log(msg):
    harness.log("cluster", msg)


def run(cmd, pg=False, **kw):
    full = (AS_PG + cmd) if pg else cmd
    out = subprocess.run(full, capture_output=True, text=True, cwd="/", **kw)
    if out.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({out.returncode}):\n{out.stdout}{out.stderr}")
    return out.stdout


class Postgres:
    def __init__(self, name, port):
        self.name, self.port = name, port
        self.data = os.path.join(DIR, name)
        self.log = os.path.join(DIR, f"{name}.log")

    def url(self, db="newsdesk"):
        return f"postgres://postgres@127.0.0.1:{self.port}/{db}"

    def sql(self, statement, db="newsdesk"):
        out = run([os.path.join(PGBIN, "psql"), self.url(db), "-X", "-A", "-t", "-q",
                   "-v", "ON_ERROR_STOP=1", "-c", statement])
        return out.strip()

    def start(self):
        run([os.path.join(PGBIN, "pg_ctl"), "-D", self.data, "-l", self.log, "-w", "-t", "60",
             "-o", f"-p {self.port}", "start"], pg=True)

    def stop(self, mode="fast"):
        run([os.path.join(PGBIN, "pg_ctl"), "-D", self.data, "-m", mode, "-w", "stop"], pg=True)

    def running(self):
        return subprocess.run(AS_PG + [os.path.join(PGBIN, "pg_ctl"), "-D", self.data, "status"],
                              capture_output=True, cwd="/").returncode == 0


def make_primary(pg):
    run([os.path.join(PGBIN, "initdb"), "-D", pg.data, "-U", "postgres", "--auth=trust",
         "--encoding=UTF8", "--no-locale"], pg=True)
    sock = os.path.join(DIR, "sock")
    settings = f"""
listen_addresses = '127.0.0.1'
unix_socket_directories = '{sock}'
max_connections = 200
wal_level = replica
max_wal_senders = 4
wal_keep_size = '256MB'
hot_standby = on
hot_standby_feedback = on
fsync = off
"""
    run(["sh", "-c", f"cat >> '{pg.data}/postgresql.conf'"], pg=True, input=settings)
    pg.start()
    pg.sql("CREATE DATABASE newsdesk", db="postgres")


def make_replica(primary, replica):
    run([os.path.join(PGBIN, "pg_basebackup"), "-h", "127.0.0.1", "-p", str(primary.port),
         "-U", "postgres", "-D", replica.data, "-R", "-X", "stream", "-c", "fast"], pg=True)
    replica.start()
    wait_for(lambda: replica.sql("SELECT pg_is_in_recovery()") == "t", 30, "replica in recovery")


# ---- HTTP -------------------------------------------------------------------------------------

class Instance(harness.Server):
    def __init__(self, name, port, env):
        super().__init__(BIN, port, env, os.path.join(DIR, f"newsdesk-{name}.log"))
        self.name = name

    def get(self, path, headers=None):
        return http("GET", self.base + path, headers=headers)

    def ready(self):
        return self.get("/readyz").json()

    def replica_state(self):
        return self.ready()["replicas"][0]["state"]

    def replica_reads(self):
        return self.metric("newsdesk_replica_reads_total")


def login(inst):
    res = http("POST", inst.base + "/api/v1/auth/login",
               {"email": ADMIN[0], "password": ADMIN[1]})
    assert res.status == 200, res.body
    return res.json()["access_token"]


def bearer(token, extra=None):
    return dict(extra or {}, authorization=f"Bearer {token}")


def write(inst, token, method, path, body):
    res = http(method, inst.base + path, body, bearer(token))
    assert res.status in (200, 201), f"{method} {path}: {res.status} {res.body[:300]}"
    lsn = res.headers.get("newsdesk-lsn")
    assert lsn, f"{method} {path} answered without Newsdesk-Lsn"
    return res.json(), lsn


# ---- the checks -------------------------------------------------------------------------------

def check_write_on_a_read_on_b(a, b, token, category):
    before = b.replica_reads()
    art, lsn = write(a, token, "POST", "/api/v1/articles",
                     {"title": "集群测试：甲写乙读", "category_id": category,
                      "status": "published", "body": "<p>正文</p>"})
    res = b.get(f"/api/v1/articles/{art['id']}", {"newsdesk-lsn": lsn})
    assert res.status == 200 and res.json()["title"] == "集群测试：甲写乙读", res.body[:200]
    # Without the position, once B heard of the write (its caches and floor follow it).
    wait_for(lambda: b.get(f"/api/v1/articles/{art['id']}").status == 200, 5,
             "the article to be readable through B")
    assert b.replica_reads() > before, "B served nothing from the replica"
    log(f"ok: written through A at {lsn}, read through B via the replica")
    return art["id"]


def check_read_your_writes_on_a_lagging_replica(a, b, replica, token, article):
    replica.sql("SELECT pg_wal_replay_pause()")
    wait_for(lambda: replica.sql("SELECT pg_get_wal_replay_pause_state()") == "paused", 10,
             "replay to pause")
    path = f"/api/v1/articles/{article}"
    checked = 0
    try:
        for i in range(20):
            writer, reader = (a, b) if i % 2 == 0 else (b, a)
            title = f"集群测试：第{i}版"
            _, lsn = write(writer, token, "PATCH", path, {"title": title})
            on_replica = replica.sql(f"SELECT title FROM articles WHERE id = {article}")
            assert on_replica != title, "the replica was not lagging"
            for who, res in (
                ("public read with the writer's position", reader.get(path, {"newsdesk-lsn": lsn})),
                ("public read with the writer's cookie",
                 reader.get(path, {"cookie": f"newsdesk_lsn={lsn}"})),
                ("public read on the writing instance", writer.get(path)),
                ("staff read", reader.get(path, bearer(token))),
            ):
                got = res.json().get("title")
                assert res.status == 200 and got == title, \
                    f"{who} through {reader.name} returned {got!r}, older than the write ({title!r})"
                checked += 1
            # Once the other instance has heard of the write, even a bare public read is new.
            wait_for(lambda: reader.get(path).json().get("title") == title, 5,
                     f"{reader.name}'s public read to follow the write")
            checked += 1
        # Paused for longer than REPLICA_MAX_LAG_SECS (with writes waiting): out of rotation.
        wait_for(lambda: a.replica_state() == "lagging" and b.replica_state() == "lagging",
                 MAX_LAG_SECS + 5, "the lagging replica to leave the rotation")
    finally:
        replica.sql("SELECT pg_wal_replay_resume()")
    t0 = time.monotonic()
    wait_for(lambda: a.replica_state() == "in_rotation" and b.replica_state() == "in_rotation",
             15, "the replica to rejoin after catching up")
    figures["rejoin_after_lag_secs"] = round(time.monotonic() - t0, 2)
    log(f"ok: replay paused: {checked} reads after 20 writes alternating A/B, none older than "
        f"the write; the replica left the rotation past {MAX_LAG_SECS} s of lag and rejoined "
        f"{figures['rejoin_after_lag_secs']} s after replay resumed")


def check_caches_follow_writes(a, b, token, article):
    path = f"/api/v1/articles/{article}"
    lists = "/api/v1/articles?per_page=5"
    for writer, reader in ((a, b), (b, a)):
        for inst in (a, b):
            inst.get(path)
            inst.get(lists)
            assert "hit" in (inst.get(path).headers.get("cache-status") or ""), "not cached"
        title = f"缓存跟随：{writer.name}写"
        write(writer, token, "PATCH", path, {"title": title})
        t0 = time.monotonic()
        for inst in (reader, writer):
            wait_for(lambda inst=inst: inst.get(path).json().get("title") == title, 5,
                     f"{inst.name}'s cached article to follow the write on {writer.name}")
            wait_for(lambda inst=inst: any(x.get("title") == title
                                           for x in inst.get(lists).json()["data"]), 5,
                     f"{inst.name}'s cached list to follow the write on {writer.name}")
        figures.setdefault("cache_follow_ms", []).append(round((time.monotonic() - t0) * 1000))
    log(f"ok: cached article and list on both instances followed writes on either "
        f"(within {max(figures['cache_follow_ms'])} ms)")


class Load:
    """Public reads that miss the response cache (distinct searches), on both instances."""

    def __init__(self, instances, threads=4):
        self.instances, self.threads = instances, threads
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.ok = self.failed = 0
        self.failures = []
        self.n = 0

    def worker(self, k):
        inst = self.instances[k % len(self.instances)]
        while not self.stop.is_set():
            with self.lock:
                self.n += 1
                n = self.n
            try:
                res = http("GET", f"{inst.base}/api/v1/search?q=%E9%BB%91%E6%B2%B3{n}", timeout=10)
                good = res.status == 200
                detail = res.status
            except Exception as e:  # noqa: BLE001 - a failed request is what is counted
                good, detail = False, repr(e)
            with self.lock:
                if good:
                    self.ok += 1
                else:
                    self.failed += 1
                    self.failures.append((time.monotonic() - started, inst.name, detail))

    def __enter__(self):
        self.pool = [threading.Thread(target=self.worker, args=(k,), daemon=True)
                     for k in range(self.threads)]
        for t in self.pool:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.pool:
            t.join(15)


def check_failover(a, b, replica):
    with Load([a, b]) as load:
        time.sleep(1.0)
        reads_before = a.replica_reads() + b.replica_reads()
        assert reads_before > 0
        t0 = time.monotonic()
        replica.stop("fast")
        wait_for(lambda: a.replica_state() == "down" and b.replica_state() == "down", 10,
                 "both instances to see the replica down")
        figures["fallback_secs"] = round(time.monotonic() - t0, 3)
        time.sleep(2.0)
        with load.lock:
            failed_down, ok_down = load.failed, load.ok
        t1 = time.monotonic()
        replica.start()
        wait_for(lambda: a.replica_state() == "in_rotation" and b.replica_state() == "in_rotation",
                 20, "the replica to rejoin")
        figures["rejoin_secs"] = round(time.monotonic() - t1, 3)
        reads_back = a.replica_reads() + b.replica_reads()
        time.sleep(1.0)
        assert a.replica_reads() + b.replica_reads() > reads_back, "no reads on the replica again"
    figures["failover_requests"] = load.ok + load.failed
    figures["failover_failed"] = load.failed
    # In flight when the replica stopped: at most one per load thread per instance connection.
    assert load.failed <= load.threads, f"{load.failed} requests failed: {load.failures[:10]}"
    log(f"ok: replica stopped under load: {load.failed} of {load.ok + load.failed} requests "
        f"failed ({failed_down} by the time reads had moved; {ok_down} served meanwhile); "
        f"fell back in {figures['fallback_secs']} s, rejoined {figures['rejoin_secs']} s after "
        f"the replica started" + (f"; failures (time, instance, status): {load.failures}"
                                   if load.failures else ""))


class Hooks(BaseHTTPRequestHandler):
    received = []
    lock = threading.Lock()

    def do_POST(self):  # noqa: N802 - the stdlib's name
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        with Hooks.lock:
            Hooks.received.append((self.headers.get("newsdesk-event"), json.loads(body)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def check_scheduled_publish_fires_once(a, b, token, category, hook_port):
    server = ThreadingHTTPServer(("127.0.0.1", hook_port), Hooks)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        write(a, token, "POST", "/api/v1/webhooks",
              {"url": f"http://127.0.0.1:{hook_port}/hook", "events": ["article.*"]})
        at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3))
        art, _ = write(b, token, "POST", "/api/v1/articles",
                       {"title": "定时发布一次", "category_id": category, "status": "published",
                        "published_at": at, "body": "<p>定时</p>"})
        path = f"/api/v1/articles/{art['id']}"
        assert a.get(path).status == 404, "scheduled: not public yet"

        def published():
            with Hooks.lock:
                return [e for e, body in Hooks.received
                        if e == "article.published" and body["data"]["id"] == art["id"]]
        wait_for(lambda: published(), 15, "the scheduled publish's webhook")
        time.sleep(2.0)  # both schedulers and both workers ran many more times meanwhile
        assert len(published()) == 1, f"published {len(published())} times"
        for inst in (a, b):
            assert inst.get(path).status == 200
    finally:
        server.shutdown()
    log("ok: a scheduled publish fired once (one article.published delivery; two schedulers, "
        "two webhook workers)")


def check_beacons_add_up(a, b, primary, front, article):
    before = int(primary.sql(f"SELECT view_count FROM articles WHERE id = {article}"))
    accepted = [inst.metric("newsdesk_views_accepted_total") for inst in (a, b)]
    n = 600
    for i in range(n):
        res = http("POST", f"{front}/api/v1/articles/{article}/views",
                   headers={"x-visitor-id": f"cluster-visitor-{i}"})
        assert res.status == 204, res.status
    per = [inst.metric("newsdesk_views_accepted_total") - accepted[k]
           for k, inst in enumerate((a, b))]
    assert all(p > 0 for p in per), f"the load balancer did not spread beacons: {per}"
    assert sum(per) == n, f"{per} accepted for {n} sent"
    wait_for(lambda: int(primary.sql(f"SELECT view_count FROM articles WHERE id = {article}"))
             == before + n, 10, "the views of both instances to be flushed")
    time.sleep(0.5)
    after = int(primary.sql(f"SELECT view_count FROM articles WHERE id = {article}"))
    assert after == before + n, f"{after - before} views stored for {n} sent"
    log(f"ok: {n} beacons through the load balancer ({per[0]:.0f} to A, {per[1]:.0f} to B) "
        f"added up exactly in the primary")


# ---- set-up -----------------------------------------------------------------------------------

def haproxy_config(port, a, b):
    return f"""global
    maxconn 2000
defaults
    mode http
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    retries 2
    option redispatch
frontend newsdesk
    bind 127.0.0.1:{port}
    default_backend instances
backend instances
    balance roundrobin
    option httpchk GET /readyz
    http-check expect status 200
    default-server inter 1s fall 2 rise 2
    server a 127.0.0.1:{a.port} check
    server b 127.0.0.1:{b.port} check
"""


def instance_env(primary, replica, secret):
    env = dict(os.environ)
    env.update({
        "DATABASE_URL": primary.url(),
        "DATABASE_REPLICA_URLS": replica.url(),
        "REPLICA_CHECK_INTERVAL_MS": "100",
        "REPLICA_MAX_LAG_SECS": str(MAX_LAG_SECS),
        "DATABASE_TIMEOUT_SECS": "2",
        "JWT_SECRET": secret,
        "RUST_LOG": "warn,newsdesk::replication=info",
        "NEWSDESK_ENV": "test",
        "RATE_LIMIT_PER_MINUTE": "0",
        "BEACON_RATE_LIMIT_PER_MINUTE": "0",
        "MEDIA_DIR": os.path.join(DIR, "media"),
        "MEDIA_UPLOADS_PER_MINUTE": "0",
        "SCHEDULER_INTERVAL": "0.2",
        "VIEWS_FLUSH_INTERVAL": "0.2",
        "WEBHOOK_ALLOW_PRIVATE": "true",
        "WEBHOOK_POLL_INTERVAL": "0.1",
        "HTTP_WORKERS": "2",
    })
    return env


def main():
    if os.path.exists(DIR):
        # What an interrupted run left: its servers first, then its files.
        for name in ("replica", "primary"):
            if os.path.exists(os.path.join(DIR, name, "postmaster.pid")):
                subprocess.run(AS_PG + [os.path.join(PGBIN, "pg_ctl"), "-D",
                                        os.path.join(DIR, name), "-m", "immediate", "stop"],
                               capture_output=True, cwd="/")
        shutil.rmtree(DIR)
    os.makedirs(os.path.join(DIR, "sock"))
    os.makedirs(os.path.join(DIR, "media"))
    if AS_PG:
        run(["chown", "-R", "postgres:postgres", DIR])
    primary = Postgres("primary", free_port())
    replica = Postgres("replica", free_port())
    instances = []
    lb = None
    ok = False
    try:
        make_primary(primary)
        log(f"primary on {primary.port}")
        secret = os.urandom(32).hex()
        env = instance_env(primary, replica, secret)
        # The release step: migrations once, before any instance starts (instances started
        # together would also take turns under an advisory lock).
        run([BIN, "migrate"], env=env)
        seed = [BIN, "seed"] + (["--synthetic", BENCH_ARTICLES] if BENCH else [])
        run(seed, env=dict(env, NEWSDESK_ADMIN_PASSWORD=ADMIN[1]))
        make_replica(primary, replica)
        log(f"replica on {replica.port} (pg_basebackup -R, streaming)")
        if BENCH:
            import cluster_bench  # noqa: PLC0415 - only for the benchmark
            cluster_bench.run(primary, replica, env, Instance, log, figures, free_port, HAPROXY,
                              haproxy_config)
            ok = True
            return
        a = Instance("A", free_port(), env)
        b = Instance("B", free_port(), env)
        instances = [a, b]
        for inst in instances:
            inst.start()
        wait_for(lambda: all(i.replica_state() == "in_rotation" for i in instances), 20,
                 "both instances to put the replica in rotation")
        log(f"instances A ({a.port}) and B ({b.port}) read from the replica")
        front = None
        if HAPROXY:
            port = free_port()
            cfg = os.path.join(DIR, "haproxy.cfg")
            with open(cfg, "w") as f:
                f.write(haproxy_config(port, a, b))
            with open(os.path.join(DIR, "haproxy.log"), "ab") as out:
                lb = subprocess.Popen([HAPROXY, "-f", cfg, "-db"], stdout=out, stderr=out)
            front = f"http://127.0.0.1:{port}"
            wait_for(lambda: http("GET", front + "/readyz", timeout=2).status == 200, 20,
                     "HAProxy to answer")
            log(f"HAProxy on {port} in front of both (health check: GET /readyz)")
        else:
            log("HAProxy is not installed: beacons go to the instances alternately")
        token = login(a)
        category = next(c["id"] for c in a.get("/api/v1/categories").json()["data"])
        article = check_write_on_a_read_on_b(a, b, token, category)
        check_read_your_writes_on_a_lagging_replica(a, b, replica, token, article)
        check_caches_follow_writes(a, b, token, article)
        check_failover(a, b, replica)
        check_scheduled_publish_fires_once(a, b, token, category, free_port())
        if front:
            check_beacons_add_up(a, b, primary, front, article)
        else:
            check_beacons_add_up_alternating(a, b, primary, article)
        ok = True
    finally:
        for inst in instances:
            inst.stop()
        if lb and lb.poll() is None:
            lb.terminate()
        for pg in (replica, primary):
            if os.path.exists(os.path.join(pg.data, "postmaster.pid")):
                try:
                    pg.stop("immediate")
                except Exception as e:  # noqa: BLE001 - clean up what can be
                    log(f"stopping {pg.name}: {e}")
        if not ok:
            for name in sorted(os.listdir(DIR)) if os.path.exists(DIR) else []:
                if name.endswith(".log"):
                    log(f"--- last lines of {name}")
                    with open(os.path.join(DIR, name), errors="replace") as f:
                        print("".join(f.readlines()[-30:]), flush=True)
        if os.environ.get("CLUSTER_KEEP") != "1":
            shutil.rmtree(DIR, ignore_errors=True)
    print("cluster: figures " + json.dumps(figures, ensure_ascii=False), flush=True)
    log("passed")


def check_beacons_add_up_alternating(a, b, primary, article):
    # Without a load balancer: the same proof, with the client alternating.
    before = int(primary.sql(f"SELECT view_count FROM articles WHERE id = {article}"))
    n = 600
    for i in range(n):
        inst = (a, b)[i % 2]
        res = http("POST", f"{inst.base}/api/v1/articles/{article}/views",
                   headers={"x-visitor-id": f"cluster-visitor-{i}"})
        assert res.status == 204, res.status
    wait_for(lambda: int(primary.sql(f"SELECT view_count FROM articles WHERE id = {article}"))
             == before + n, 10, "the views of both instances to be flushed")
    log(f"ok: {n} beacons to both instances added up exactly in the primary")


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # noqa: BLE001 - one line for the failure, then exit 1
        print(f"cluster: FAILED: {e}", file=sys.stderr, flush=True)
        sys.exit(1)
