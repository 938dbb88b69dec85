"""The media library's part of `make bench` (called by scripts/bench.py; runnable alone with
`BENCH_MEDIA_ONLY=1 make bench`, which skips the rest).

Against a release server storing on the local disk (MEDIA_DIR in the bench's work folder), each
figure beside the same work done by a bare file server (examples/static_files.rs: no database,
no checks, no middleware) on files of the same sizes, in the same run:

1. Upload throughput (MB/s, sequential, one connection): BENCH_MEDIA_IMAGES distinct 5 MB
   images (1340² PNG: gradients with grain, like a photo to a compressor) and BENCH_MEDIA_VIDEOS distinct 100 MB videos
   (an MP4 padded to size), against POSTing the same bytes to the bare server (which writes them
   to a file).
2. Renditions: the first request for `?w=640` of each distinct image (decoded, resized,
   encoded, stored), sequential, its latency; then cached renditions (memory) with wrk over
   every image × 4 widths with a Zipf-like popularity, against the bare server sending files of
   the same sizes with the same popularity.
3. Ranges: wrk asking 1 MiB ranges at random offsets of the 100 MB videos (as players seeking),
   MB/s, against the bare server on the same files.

Warm: every file is in the page cache for both servers (they were just written); renditions
are in the server's memory for part 2's load.

Environment: BENCH_MEDIA_IMAGES (8), BENCH_MEDIA_VIDEOS (3), BENCH_MEDIA_SECS (10),
BENCH_STATIC_BIN (target/release/examples/static_files).
"""

import http.client
import json
import os
import random
import struct
import subprocess
import time
import zlib
from pathlib import Path

import bench as B

ROOT = Path(__file__).resolve().parent.parent
STATIC = os.environ.get("BENCH_STATIC_BIN", str(ROOT / "target" / "release" / "examples" / "static_files"))
IMAGES = int(os.environ.get("BENCH_MEDIA_IMAGES", "8"))
VIDEOS = int(os.environ.get("BENCH_MEDIA_VIDEOS", "3"))
SECS = int(os.environ.get("BENCH_MEDIA_SECS", str(B.DURATION)))
MB = 1024 * 1024
VIDEO_MB = 100
WIDTHS = (160, 320, 640, 960)


def png_photo(side, seed):
    """A PNG like a photo to a compressor: gradients with grain (±10), about 5 MB at 1340²."""
    rnd = random.Random(seed)
    rows = []
    for y in range(side):
        grain = rnd.randbytes(side * 3)
        g = y * 255 // side
        rows.append(b"\x00" + bytes(
            max(0, min(255, (x * 255 // side if c == 0 else g if c == 1 else (x + y + seed * 97) % 256)
                       + grain[x * 3 + c] % 21 - 10))
            for x in range(side) for c in range(3)))
    raw = b"".join(rows)

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 1)) + chunk(b"IEND", b""))


def video(n):
    """The test clip padded to 100 MB; the last bytes differ per video (distinct uploads)."""
    clip = (ROOT / "tests" / "fixtures" / "media" / "clip.mp4").read_bytes()
    pad = VIDEO_MB * MB - len(clip) - 8
    return clip + bytes(pad) + struct.pack(">Q", n)


def multipart(data, name):
    boundary = "newsdeskbench" + os.urandom(8).hex()
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
            "Content-Type: application/octet-stream\r\n\r\n").encode()
    tail = f"\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"public\"\r\n\r\ntrue\r\n--{boundary}--\r\n".encode()
    return f"multipart/form-data; boundary={boundary}", [head, data, tail], len(head) + len(data) + len(tail)


def post(port, path, parts, length, content_type, token=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    conn.putrequest("POST", path)
    conn.putheader("Content-Type", content_type)
    conn.putheader("Content-Length", str(length))
    if token:
        conn.putheader("Authorization", f"Bearer {token}")
    conn.endheaders()
    for p in parts:
        view = memoryview(p)
        for i in range(0, len(view), MB):
            conn.send(view[i:i + MB])
    res = conn.getresponse()
    body = res.read()
    conn.close()
    return res.status, body


def uploads(port, static_port, token, files, label):
    """Sequential uploads of `files` (name, bytes) to both servers: MB/s each."""
    ours, bare, assets = 0.0, 0.0, []
    total = sum(len(d) for _, d in files) / MB
    for name, data in files:
        ctype, parts, length = multipart(data, name)
        t = time.perf_counter()
        status, body = post(port, "/api/v1/media", parts, length, ctype, token)
        ours += time.perf_counter() - t
        if status != 201:
            raise SystemExit(f"upload {name}: {status} {body[:300]!r}")
        assets.append(json.loads(body))
        t = time.perf_counter()
        status, _ = post(static_port, f"/{name}", [data], len(data), "application/octet-stream")
        bare += time.perf_counter() - t
        if status != 201:
            raise SystemExit(f"bare upload {name}: {status}")
    return {"what": label, "n": len(files), "mb": total, "ours": total / ours, "bare": total / bare}, assets


def fetch(port, path, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", path, headers=headers or {})
    res = conn.getresponse()
    body = res.read()
    conn.close()
    return res.status, dict(res.getheaders()), body


def lua_paths(work, name, paths, weights=None, ranges=None):
    """A wrk script picking a path by weight (and, with `ranges`, a random 1 MiB range)."""
    weights = weights or [1] * len(paths)
    cumulative, acc = [], 0
    for w in weights:
        acc += w
        cumulative.append(acc)
    script = work / f"{name}.lua"
    lines = ["paths = {" + ",".join(json.dumps(p) for p in paths) + "}",
             "cum = {" + ",".join(str(c) for c in cumulative) + "}",
             f"total = {acc}",
             "math.randomseed(os.time())",
             "request = function()",
             "  local r = math.random() * total",
             "  local i = 1",
             "  while cum[i] < r do i = i + 1 end"]
    if ranges:
        size = ranges
        lines += [f"  local start = math.random(0, {size - MB - 1})",
                  f"  local h = {{}}; h['Range'] = 'bytes=' .. start .. '-' .. (start + {MB - 1})",
                  "  return wrk.format('GET', paths[i], h)"]
    else:
        lines += ["  return wrk.format('GET', paths[i])"]
    lines += ["end"]
    script.write_text("\n".join(lines) + "\n")
    return script


def zipf(n):
    return [max(1, round(1000 / (i + 1))) for i in range(n)]


def run(env, work, admin):
    media_dir = work / "media"
    bare_dir = work / "static"
    bare_dir.mkdir(exist_ok=True)
    static_port = B.free_port()
    static = subprocess.Popen([STATIC, str(bare_dir), str(static_port)], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    out = {}
    try:
        extra = {"MEDIA_DIR": str(media_dir), "MEDIA_UPLOADS_PER_MINUTE": "0", "MEDIA_MAX_VIDEO_MB": "200",
                 "MEDIA_SPOOL_DIR": str(work / "spool")}
        with B.Server(env, work, None, **extra) as base:
            port = int(base.rsplit(":", 1)[1])
            for _ in range(100):
                try:
                    fetch(static_port, "/none")
                    break
                except OSError:
                    time.sleep(0.05)
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            status, login, _ = B.call(conn, "POST", "/api/v1/auth/login", admin)
            if status != 200:
                raise SystemExit(f"login: {status} {login}")
            token = login["access_token"]
            B.log(f"media: generating {IMAGES} images of 5 MB and {VIDEOS} videos of {VIDEO_MB} MB")
            images = [(f"photo-{i}.png", png_photo(1340, i)) for i in range(IMAGES)]
            videos = [(f"long-{i}.mp4", video(i)) for i in range(VIDEOS)]
            up_img, image_assets = uploads(port, static_port, token, images, "5 MB image")
            up_vid, video_assets = uploads(port, static_port, token, videos, f"{VIDEO_MB} MB video")
            out["uploads"] = [up_img, up_vid]

            # First renditions, one per image, sequential; then the bare server on a file of the
            # same size.
            first = []
            for a in image_assets:
                t = time.perf_counter()
                status, headers, body = fetch(port, f"{a['url']}?w=640")
                first.append((time.perf_counter() - t) * 1000)
                if status != 200 or headers.get("x-rendition") != "rendered":
                    raise SystemExit(f"first rendition of {a['url']}: {status} {headers.get('x-rendition')}")
                (bare_dir / f"r640-{a['id']}").write_bytes(body)
            bare_first = []
            for a in image_assets:
                t = time.perf_counter()
                fetch(static_port, f"/r640-{a['id']}")
                bare_first.append((time.perf_counter() - t) * 1000)
            first.sort()
            out["first"] = {"n": len(first), "p50": first[len(first) // 2], "max": first[-1],
                            "bare_p50": sorted(bare_first)[len(bare_first) // 2],
                            "bytes": sum((bare_dir / f"r640-{a['id']}").stat().st_size for a in image_assets) // len(image_assets)}

            # Cached renditions: every image × 4 widths, Zipf-like, against the same bytes.
            paths, bare_paths = [], []
            for a in image_assets:
                for w in WIDTHS:
                    status, _, body = fetch(port, f"{a['url']}?w={w}")
                    paths.append(f"{a['url']}?w={w}")
                    (bare_dir / f"r{w}-{a['id']}").write_bytes(body)
                    bare_paths.append(f"/r{w}-{a['id']}")
            order = list(range(len(paths)))
            random.Random(7).shuffle(order)
            weights = [0] * len(paths)
            for rank, i in enumerate(order):
                weights[i] = zipf(len(paths))[rank]
            ours = B.wrk(base + paths[0], SECS, script=lua_paths(work, "renditions", paths, weights))
            bare = B.wrk(f"http://127.0.0.1:{static_port}{bare_paths[0]}", SECS,
                         script=lua_paths(work, "renditions-bare", bare_paths, weights))
            mean = sum(len((bare_dir / p.lstrip("/")).read_bytes()) for p in bare_paths) // len(bare_paths)
            out["cached"] = {"ours": ours, "bare": bare, "urls": len(paths), "mean_bytes": mean}

            # Ranges of the videos, 1 MiB at random offsets.
            vpaths = [a["url"] for a in video_assets]
            size = VIDEO_MB * MB
            ours = B.wrk(base + vpaths[0], SECS, script=lua_paths(work, "ranges", vpaths, ranges=size))
            bpaths = [f"/upload-{name}" for name, _ in videos]
            bare = B.wrk(f"http://127.0.0.1:{static_port}{bpaths[0]}", SECS,
                         script=lua_paths(work, "ranges-bare", bpaths, ranges=size))
            out["ranges"] = {"ours": ours, "bare": bare}
    finally:
        static.terminate()
        static.wait(timeout=10)
    report(out)
    bad = sum(r["non2xx"] + r["errors"] for part in ("cached", "ranges") for r in (out[part]["ours"], out[part]["bare"]))
    return bad == 0


def report(out):
    print("\n## Media (local store; every figure beside a bare file server in the same run)\n")
    print("| what | newsdesk | bare file server | ratio |")
    print("|---|---|---|---|")
    for u in out["uploads"]:
        print(f"| upload, {u['what']} (×{u['n']}, sequential) | {u['ours']:.0f} MB/s | {u['bare']:.0f} MB/s | {u['ours'] / u['bare']:.2f} |")
    f = out["first"]
    print(f"| first rendition `?w=640` of a 1340×1340 image (×{f['n']}, p50 / max) | {f['p50']:.0f} / {f['max']:.0f} ms | "
          f"{f['bare_p50']:.1f} ms (a {f['bytes'] // 1024} KB file) | {f['p50'] / f['bare_p50']:.0f}× slower |")
    c = out["cached"]
    print(f"| cached renditions, {c['urls']} URLs Zipf-like (req/s, p99) | {c['ours']['rps']:.0f}, {c['ours']['p99']:.1f} ms | "
          f"{c['bare']['rps']:.0f}, {c['bare']['p99']:.1f} ms (mean {c['mean_bytes'] // 1024} KB) | {c['ours']['rps'] / c['bare']['rps']:.2f} |")
    r = out["ranges"]
    ours_mb, bare_mb = r["ours"]["rps"], r["bare"]["rps"]
    print(f"| 1 MiB ranges of {VIDEO_MB} MB videos at random offsets (MB/s, p99) | {ours_mb:.0f}, {r['ours']['p99']:.1f} ms | "
          f"{bare_mb:.0f}, {r['bare']['p99']:.1f} ms | {ours_mb / bare_mb:.2f} |")
    print()
