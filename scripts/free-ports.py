#!/usr/bin/env python3
"""Print COUNT distinct TCP ports on 127.0.0.1 that are free right now, one per line.

Helper of zk-server.sh (usage: free-ports.py COUNT).

* Ports are picked at random *below* the kernel's ephemeral range
  (net.ipv4.ip_local_port_range, 32768-60999 by default). Binding port 0 would hand out a port
  from that range, where any outgoing connection (the tests open many) may take it again before
  the ZooKeeper server binds it; ports below the range are only ever taken by explicit binds.
* Each candidate is checked by binding it on 127.0.0.1 (without SO_REUSEADDR, so a port that
  is listening, bound or in TIME_WAIT is rejected).
* A machine-wide registry (a small text file guarded by flock) remembers the ports handed out
  during the last RESERVE_SECONDS. Concurrent callers therefore never receive the same port, and
  a server that is stopped for a while (zk-server.sh stop-one) normally finds its port unclaimed
  when it is started again. When the range is exhausted the reservations are ignored, and as
  a last resort ports are taken from the kernel (bind to port 0).
"""

import fcntl
import os
import random
import socket
import sys
import time

RESERVE_SECONDS = 30 * 60
REGISTRY_DIR = os.environ.get("ZK_PORTS_REGISTRY_DIR", "/tmp")
REGISTRY = os.path.join(REGISTRY_DIR, "zk-server-ports.reserved")
LOCK = os.path.join(REGISTRY_DIR, "zk-server-ports.lock")
LOWEST = 10000  # stay clear of well-known and registered service ports (2181, 8080, ...)


def candidate_range():
    """The port range to pick from: below (or, failing that, above) the ephemeral range."""
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            lo, hi = (int(x) for x in f.read().split())
    except (OSError, ValueError):
        lo, hi = 32768, 60999
    if lo - LOWEST >= 2000:
        return range(LOWEST, lo)
    if 65535 - hi >= 2000:
        return range(hi + 1, 65536)
    return range(1024, 65536)


def is_free(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.1", port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def load_registry(now):
    """port -> time it was handed out, without entries older than RESERVE_SECONDS."""
    reserved = {}
    try:
        with open(REGISTRY) as f:
            for line in f:
                try:
                    port, stamp = line.split()
                    if now - float(stamp) < RESERVE_SECONDS:
                        reserved[int(port)] = float(stamp)
                except ValueError:
                    continue  # ignore a damaged line
    except OSError:
        pass
    return reserved


def save_registry(reserved):
    tmp = "%s.%d" % (REGISTRY, os.getpid())
    with open(tmp, "w") as f:
        for port, stamp in sorted(reserved.items()):
            f.write("%d %.0f\n" % (port, stamp))
    os.replace(tmp, REGISTRY)


def pick(count, candidates, avoid):
    chosen = []
    for _ in range(20 * count + 2000):
        if len(chosen) == count:
            break
        port = random.choice(candidates)
        if port in avoid or port in chosen:
            continue
        if is_free(port):
            chosen.append(port)
    return chosen


def kernel_ports(count, avoid):
    """Last resort: let the kernel choose (holding all sockets so the ports are distinct)."""
    socks, ports = [], []
    try:
        while len(ports) < count:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            socks.append(s)
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
            if port not in avoid:
                ports.append(port)
    finally:
        for s in socks:
            s.close()
    return ports


def main():
    if len(sys.argv) != 2 or not sys.argv[1].isdigit() or not 1 <= int(sys.argv[1]) <= 100:
        sys.stderr.write("usage: free-ports.py COUNT (1..100)\n")
        return 2
    count = int(sys.argv[1])
    candidates = candidate_range()
    lock = None
    try:
        lock = open(LOCK, "a")
        fcntl.flock(lock, fcntl.LOCK_EX)
    except OSError as e:  # no shared registry (e.g. /tmp not writable): still works, less safe
        sys.stderr.write("free-ports.py: no port registry (%s)\n" % e)
        lock = None

    now = time.time()
    reserved = load_registry(now) if lock else {}
    ports = pick(count, candidates, set(reserved))
    if len(ports) < count:  # the range is crowded: ignore reservations
        ports += pick(count - len(ports), candidates, set(ports))
    if len(ports) < count:
        ports += kernel_ports(count - len(ports), set(ports))

    if lock:
        for port in ports:
            reserved[port] = now
        try:
            save_registry(reserved)
        except OSError as e:
            sys.stderr.write("free-ports.py: cannot update %s: %s\n" % (REGISTRY, e))
        lock.close()  # releases the lock

    print("\n".join(str(p) for p in ports))
    return 0


if __name__ == "__main__":
    sys.exit(main())
