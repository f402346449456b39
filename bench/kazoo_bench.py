"""The lock workload of WORKLOADS.md through kazoo 2.11 (Python): the reference for zkclient's
Lock, since the C client has none. Same command line and output line as zkc_bench.

    kazoo_bench.py lock HOSTS COUNT [WINDOW]
"""
import resource
import sys
import threading
import time

from kazoo.client import KazooClient

THREADS = 8


def cpu_us():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return (usage.ru_utime + usage.ru_stime) * 1e6


def ctx_switches():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_nvcsw + usage.ru_nivcsw


def rss_kb():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def main():
    if len(sys.argv) < 4 or sys.argv[1] != "lock":
        sys.exit("usage: kazoo_bench.py lock HOSTS COUNT [WINDOW]")
    hosts, count = sys.argv[2], int(sys.argv[3])
    guard = threading.Lock()
    holders = [0]
    errors = []

    def worker():
        try:
            zk = KazooClient(hosts=hosts)
            zk.start(timeout=30)
            lock = zk.Lock("/bench-lock", "bench")
            for _ in range(count):
                lock.acquire()
                with guard:
                    holders[0] += 1
                    if holders[0] != 1:
                        raise RuntimeError("two holders of one lock")
                    holders[0] -= 1
                lock.release()
            zk.stop()
            zk.close()
        except Exception as error:  # reported, and the run fails
            errors.append(error)

    cs_before = ctx_switches()
    started, cpu_before = time.monotonic(), cpu_us()
    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    secs = time.monotonic() - started
    if errors:
        sys.exit(f"kazoo lock workload failed: {errors[0]!r}")
    ops = THREADS * count
    print(f"client=kazoo workload=lock count={count} secs={secs:.3f} ops_per_s={ops / secs:.3f} "
          f"cpu_us_per_op={(cpu_us() - cpu_before) / ops:.3f} "
          f"cs_per_op={(ctx_switches() - cs_before) / ops:.3f} rss_kb={rss_kb()}", flush=True)


if __name__ == "__main__":
    main()
