#!/usr/bin/env python3
"""Where a request's server CPU goes, from async-profiler's collapsed stacks (one sample per millisecond of CPU).

    cpu_breakdown.py LABEL=FILE:REQUESTS ...   ->  a Markdown table, microseconds of CPU per request

Each stack is counted once, under the first part below whose frame pattern it contains, so the order matters: the
response's write is found first wherever it is called from, Upshift's steps before the Jetty frames around them.
The last column is the second server's cost minus the first's.
"""
import sys

PARTS = [
    ("JIT compiler threads", ["CompileBroker::"]),
    ("garbage collector and other JVM threads", ["GangWorker::", "ConcurrentGCThread::", "VMThread::",
                                                 "G1ServiceThread::", "WatcherThread::", "NotificationThread::"]),
    ("event writer thread (facts flush, reports)", ["dev/upshift/server/events/EventQueue.run"]),
    ("Jetty and kernel: writing the response", ["HttpChannelState$ChannelResponse.write",
                                                "SocketChannelEndPoint.flush", "WriteFlusher"]),
    ("Upshift: body parse, signature, nonce", ["ClientCall.authenticate"]),
    ("Upshift: facts recorded by the check", ["EventQueue.record"]),
    ("Upshift: catalog lookups and rollout decision", ["UpdateChecks.check"]),
    ("Upshift: rendering the answer", ["UpgradeEndpoint.respondOffer", "FixedAnswer.respond"]),
    ("Upshift: rest of the endpoint", ["dev/upshift/server/protocol/"]),
    ("Upshift: client router, metrics", ["dev/upshift/server/"]),
    ("bare handler", ["dev/upshift/bench/"]),
    ("Jetty and kernel: reading the request", ["SocketChannelEndPoint.fill"]),
    ("Jetty: HTTP parsing", ["HttpParser"]),
    ("Jetty: selector, dispatch, request state", ["org/eclipse/jetty/"]),
    ("other", [""]),
]


def per_request(path, requests):
    totals = dict.fromkeys((name for name, _ in PARTS), 0)
    with open(path) as f:
        for line in f:
            stack, _, count = line.rstrip("\n").rpartition(" ")
            if not stack or not count.isdigit():
                continue
            name = next(n for n, patterns in PARTS if any(p in stack for p in patterns))
            totals[name] += int(count)
    return {name: samples * 1000.0 / requests for name, samples in totals.items()}


def main(args):
    columns = []
    for arg in args:
        label, _, rest = arg.partition("=")
        path, _, requests = rest.rpartition(":")
        columns.append((label, per_request(path, max(1, int(requests)))))
    labels = [label for label, _ in columns]
    diff = len(columns) == 2
    print("| where it goes | " + " | ".join(labels) + (" | difference |" if diff else " |"))
    print("|---|" + "---|" * (len(columns) + diff))
    for name, _ in PARTS:
        values = [c[name] for _, c in columns]
        if all(v < 0.05 for v in values):
            continue
        cells = [f"{v:.1f}" for v in values] + ([f"{values[1] - values[0]:+.1f}"] if diff else [])
        print(f"| {name} | " + " | ".join(cells) + " |")
    sums = [sum(c.values()) for _, c in columns]
    cells = [f"**{v:.1f}**" for v in sums] + ([f"**{sums[1] - sums[0]:+.1f}**"] if diff else [])
    print("| **all of the server's CPU** | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: cpu_breakdown.py LABEL=FILE:REQUESTS ...")
    main(sys.argv[1:])
