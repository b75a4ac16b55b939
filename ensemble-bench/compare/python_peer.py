"""Python's side of compare.sh: multiprocessing.Pool(2) on the same measures, as "python METRIC VALUE" lines."""
import array
import os
import signal
import statistics
import sys
import tempfile
import time
from multiprocessing import Pool


def one(_=None):
    return 1


def plus_one(x):
    return x + 1


def identity(x):
    return x


def burn(seed):
    end = time.perf_counter_ns() + 10_000_000
    x = seed
    while time.perf_counter_ns() < end:
        x = (x * 6364136223846793005 + 1442695040888963407) & 0xFFFFFFFFFFFFFFFF
    return x


def killer(args):
    x, pid_file = args
    if x == 300 and not os.path.exists(pid_file):
        with open(pid_file, "w") as f:
            f.write(str(os.getpid()))
        time.sleep(60)
    return x


def report(metric, value):
    print(f"python {metric} {value:.4g}", flush=True)


def main():
    starts = []
    for i in range(6):
        t0 = time.perf_counter()
        pool = Pool(2)
        pool.apply(one)
        took = time.perf_counter() - t0
        pool.terminate()
        pool.join()
        if i > 0:
            starts.append(took * 1e3)
    report("start_ms", statistics.median(starts))
    with Pool(2) as pool:
        for _ in range(500):
            pool.apply(one)
        trips = []
        for _ in range(2000):
            t0 = time.perf_counter()
            pool.apply_async(one).get()
            trips.append((time.perf_counter() - t0) * 1e6)
        report("submit_us", statistics.median(trips))
        rates = []
        for r in range(4):
            t0 = time.perf_counter()
            pool.map(plus_one, range(1_000_000))
            if r > 0:
                rates.append(1_000_000 / (time.perf_counter() - t0))
        report("map_per_s", statistics.median(rates))
        data = array.array("d", bytes(8 * (1 << 20)))
        trips8 = []
        for r in range(12):
            t0 = time.perf_counter()
            pool.apply(identity, (data,))
            if r >= 2:
                trips8.append((time.perf_counter() - t0) * 1e3)
        report("array_ms", statistics.median(trips8))
    cpu = []
    for workers in (1, 2):
        with Pool(workers) as pool:
            times = []
            for r in range(3):
                t0 = time.perf_counter()
                pool.map(burn, range(200))
                times.append((time.perf_counter() - t0) * 1e3)
            cpu.append(statistics.median(times))
    report("speedup", cpu[0] / cpu[1])
    pid_file = os.path.join(tempfile.mkdtemp(), "victim")
    pool = Pool(2)
    result = pool.map_async(killer, [(x, pid_file) for x in range(1000)], chunksize=10)
    deadline = time.time() + 30
    while not os.path.exists(pid_file) and time.time() < deadline:
        time.sleep(0.001)
    time.sleep(0.01)
    os.kill(int(open(pid_file).read()), signal.SIGKILL)
    try:
        out = result.get(timeout=20)
        print("python kill " + ("ok: all 1000 results" if out == list(range(1000)) else "FAILED: wrong results"))
    except Exception as e:  # multiprocessing.TimeoutError: the lost chunk never comes back
        print(f"python kill FAILED: no result within 20 s ({type(e).__name__})")
    pool.terminate()
    pool.join()


if __name__ == "__main__":
    sys.exit(main())
