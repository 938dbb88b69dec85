# Varnish in front of newsdesk: a starting point for operators (docs/deploy.md, "Edge cache").
# Needs Varnish 7 and varnish-modules (xkey): apt-get install varnish varnish-modules.
#
# - Public GETs of the API and media are cached for as long as the origin's Surrogate-Control
#   says (a day by default: they are purged, not expired), tagged with the origin's xkey header.
# - newsdesk purges exactly what a write changed: PURGE with an `xkey-purge` header, accepted
#   only from the addresses in `purgers` (EDGE_PURGE_URLS=xkey=http://<this varnish>:6081/).
# - Staff requests (Authorization), and readers who just wrote (the Newsdesk-Lsn header or the
#   newsdesk_lsn cookie), always go to the origin; so do all other methods.
# - While the origin fails its health check (/readyz), expired answers are served for up to a
#   day (grace); while it is healthy, never.
#
# `make edge-test` runs this file as it is, with the backend's port replaced.
vcl 4.1;

import std;
import xkey;

# One newsdesk instance, or the load balancer in front of several.
backend origin {
    .host = "127.0.0.1";
    .port = "8080";
    .connect_timeout = 2s;
    .first_byte_timeout = 15s;
    .probe = {
        .url = "/readyz";
        .interval = 1s;
        .timeout = 2s;
        .window = 3;
        .threshold = 2;
    }
}

# Who may purge: the newsdesk instances.
acl purgers {
    "127.0.0.1";
    "::1";
}

sub vcl_recv {
    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(403, "Forbidden"));
        }
        if (!req.http.xkey-purge) {
            return (synth(400, "No xkey-purge header"));
        }
        set req.http.x-purged = xkey.purge(req.http.xkey-purge);
        return (synth(200, "Purged " + req.http.x-purged));
    }
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    if (req.http.Authorization || req.http.Newsdesk-Lsn || req.http.Cookie ~ "(^|;\s*)newsdesk_lsn=") {
        set req.http.x-edge-pass = "1";
        return (pass);
    }
    if (req.url !~ "^/api/v1/" && req.url !~ "^/media/") {
        set req.http.x-edge-pass = "1";
        return (pass);
    }
    # Other cookies do not change a public answer.
    unset req.http.Cookie;
    # Stale answers only while the origin is down.
    if (std.healthy(req.backend_hint)) {
        set req.grace = 0s;
    }
    return (hash);
}

sub vcl_backend_response {
    if (beresp.http.Surrogate-Control ~ "max-age=[0-9]+") {
        set beresp.ttl = std.duration(
            regsub(beresp.http.Surrogate-Control, "^.*max-age=([0-9]+).*$", "\1") + "s", 0s);
        set beresp.grace = 24h;
    } else {
        # No edge lifetime (staff answers, errors, answers computed during a write): not kept.
        set beresp.uncacheable = true;
        set beresp.ttl = 1s;
        return (deliver);
    }
    unset beresp.http.Surrogate-Control;
    # Per client: meaningless in a shared copy.
    unset beresp.http.RateLimit-Limit;
    unset beresp.http.RateLimit-Remaining;
    unset beresp.http.RateLimit-Reset;
    return (deliver);
}

sub vcl_deliver {
    unset resp.http.xkey;
    unset resp.http.Surrogate-Key;
    unset resp.http.Cache-Tag;
    unset resp.http.Surrogate-Control;
    if (req.http.x-edge-pass) {
        set resp.http.X-Edge-Cache = "pass";
    } elsif (obj.hits > 0) {
        set resp.http.X-Edge-Cache = "hit";
    } else {
        set resp.http.X-Edge-Cache = "miss";
    }
}
