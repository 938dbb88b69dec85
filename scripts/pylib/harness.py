"""What the live-server harnesses share (scripts/cluster, scripts/edge): HTTP with the standard
library, polling, free ports, timestamped logs."""

import json
import socket
import time
import urllib.error
import urllib.request

STARTED = time.monotonic()


def log(prefix, msg):
    print(f"{prefix} [{time.monotonic() - STARTED:6.1f}s] {msg}", flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(cond, secs, what, every=0.05):
    """Polls `cond` until it is true; raises after `secs` with the last error seen."""
    deadline = time.monotonic() + secs
    last = None
    while time.monotonic() < deadline:
        try:
            if cond():
                return
        except Exception as e:  # noqa: BLE001 - keep polling, report the last error
            last = e
        time.sleep(every)
    raise AssertionError(f"timed out waiting for {what}" + (f" (last error: {last})" if last else ""))


class Response:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def json(self):
        return json.loads(self.body or b"null")


def http(method, url, body=None, headers=None, timeout=10):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers=dict(headers or {}))
    if data is not None:
        req.add_header("content-type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as res:
            return Response(res.status, res.headers, res.read())
    except urllib.error.HTTPError as e:
        return Response(e.code, e.headers, e.read())


class Server:
    """A `newsdesk serve` on a loopback port, its output appended to `log_path`."""

    def __init__(self, binary, port, env, log_path):
        self.binary, self.port, self.env, self.log_path = binary, port, env, log_path
        self.base = f"http://127.0.0.1:{port}"
        self.proc = None

    def start(self, **extra):
        """Starts it (with `extra` settings on top) and waits until /livez answers."""
        import subprocess
        env = dict(self.env, BIND_ADDR=f"127.0.0.1:{self.port}", **extra)
        with open(self.log_path, "ab") as out:
            self.proc = subprocess.Popen([self.binary, "serve"], env=env, stdout=out, stderr=out)
        wait_for(lambda: http("GET", self.base + "/livez", timeout=2).status == 200, 60,
                 f"newsdesk on {self.port} to answer")

    def metric(self, name):
        """The value of `name` in /metrics (its first series when it has labels); 0 if absent."""
        for line in http("GET", self.base + "/metrics").body.decode().splitlines():
            if line.startswith(name + " ") or line.startswith(name + "{"):
                return float(line.rsplit(" ", 1)[1])
        return 0.0

    def stop(self):
        """SIGTERM (a clean stop), SIGKILL after 20 s."""
        import signal
        import subprocess
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
