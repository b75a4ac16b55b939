#!/usr/bin/env python3
"""Python's contestants of ./ensemble bench: multiprocessing.Pool and concurrent.futures.ProcessPoolExecutor.

Usage (normally by SideBySide.java): peers.py pool|ppe run|kill SIZES
where SIZES is the key=value list of Sizes.java. Prints the protocol of Contestant.java, one line per fact:
"value ROW NUMBER", "skip ROW REASON", "failed ROW REASON", "note ROW TEXT", "check NAME VALUE", "kill TEXT",
"info TEXT". Every row does the same work as the Java contestants (same sizes, same generator, same checks),
and every result is checked here, so a broken contestant cannot look fast.
"""
import array
import math
import os
import signal
import sys
import tempfile
import time
import traceback

MASK64 = (1 << 64) - 1
LCG_MUL = 6364136223846793005
LCG_ADD = 1442695040888963407
MODULUS = 1_000_000_007
WORKERS = 2


def lcg(x):
    return (x * LCG_MUL + LCG_ADD) & MASK64


def spin(nanos):
    end = time.perf_counter_ns() + nanos
    x = nanos
    while time.perf_counter_ns() < end:
        x = lcg(x)
    return x


# ---- work done in the workers (module level, so that it can be pickled) ----

def one(_=None):
    return 1


def identity(x):
    return x


def plus_one(x):
    return x + 1


def burn(args):
    seed, nanos = args
    return -1 if spin(nanos) == 42 else seed


def weights():
    w = []
    x = 42
    for _ in range(4096):
        x = lcg(x)
        w.append((x >> 40) & 0xFFFF)
    return w


def predict_with(w, i):
    s = 0
    for k in range(16):
        s += w[(i * 31 + k * 977) & 4095] * (k + 1)
    return s


MODEL = None


def build_model(init_millis):
    """The per-worker initializer: ~init_millis of CPU, then the weights (a stand-in for loading a model)."""
    global MODEL
    spin(init_millis * 1_000_000)
    MODEL = weights()


def predict(i):
    return predict_with(MODEL, i)


COUNTS = None
BARRIER = None


def init_counter(barrier):
    global COUNTS, BARRIER
    COUNTS = {}
    BARRIER = barrier


def count_doc(doc):
    words = doc.split(" ")
    for w in words:
        COUNTS[w] = COUNTS.get(w, 0) + 1
    return len(words)


def collect(_):
    """Returns and clears this worker's counts. The barrier makes each worker take exactly one collect task."""
    global COUNTS
    BARRIER.wait(timeout=60)
    out, COUNTS = COUNTS, {}
    return out


ATTACHED = {}


def bump(args):
    """Adds 1 to elements [lo, hi) of a shared block of doubles, attached once per worker."""
    name, lo, hi = args
    view = ATTACHED.get(name)
    if view is None:
        from multiprocessing import resource_tracker, shared_memory
        import numpy
        shm = shared_memory.SharedMemory(name=name)
        # Attaching registers the block with the resource tracker as if this worker owned it; the parent does.
        resource_tracker.unregister(shm._name, "shared_memory")
        view = (shm, numpy.ndarray((len(shm.buf) // 8,), dtype=numpy.float64, buffer=shm.buf))
        ATTACHED[name] = view
    view[1][lo:hi] += 1.0
    return hi - lo


def killer(args):
    x, pid_file = args
    if x == 300 and not os.path.exists(pid_file + ".claimed"):
        open(pid_file + ".claimed", "w").close()
        with open(pid_file + ".tmp", "w") as f:
            f.write(str(os.getpid()))
        os.rename(pid_file + ".tmp", pid_file)
        time.sleep(60)
    return x


# ---- the two contestants, behind one small interface ----

def auto_chunksize(n, workers):
    """multiprocessing.Pool's automatic chunk size, given to ProcessPoolExecutor (whose default is 1)."""
    chunksize, extra = divmod(n, workers * 4)
    return chunksize + 1 if extra else chunksize


class PoolPeer:
    name = "pool"

    def __init__(self, workers, initializer=None, initargs=()):
        from multiprocessing import Pool
        self.p = Pool(workers, initializer, initargs)
        self.workers = workers

    def call(self, fn, *args):
        return self.p.apply_async(fn, args)

    @staticmethod
    def result(handle):
        return handle.get()

    def map(self, fn, items, chunksize=None):
        return self.p.map(fn, items, chunksize)

    def close(self):
        self.p.close()
        self.p.join()


class PpePeer:
    name = "ppe"

    def __init__(self, workers, initializer=None, initargs=()):
        from concurrent.futures import ProcessPoolExecutor
        self.p = ProcessPoolExecutor(workers, initializer=initializer, initargs=initargs)
        self.workers = workers

    def call(self, fn, *args):
        return self.p.submit(fn, *args)

    @staticmethod
    def result(handle):
        return handle.result()

    def map(self, fn, items, chunksize=None):
        items = list(items)
        return list(self.p.map(fn, items, chunksize=chunksize or auto_chunksize(len(items), self.workers)))

    def close(self):
        self.p.shutdown(wait=True)


# ---- the rows ----

def out(line):
    print(line, flush=True)


def value(row, v):
    out("value %s %.6g" % (row, v))


def median(values):
    """The middle value, the upper middle one of an even count (as Contestant.java)."""
    s = sorted(values)
    return s[len(s) // 2]


def percentile(values, q):
    """Nearest rank, as Contestant.java."""
    s = sorted(values)
    rank = math.ceil(q * len(s))
    return s[min(len(s), max(1, rank)) - 1]


def expect(actual, expected, what):
    if actual != expected:
        raise AssertionError("%s: %r, expected %r" % (what, actual, expected))


def first_result(peer_class):
    t0 = time.perf_counter()
    peer = peer_class(WORKERS)
    r = peer.result(peer.call(one))
    took = (time.perf_counter() - t0) * 1e3
    peer.close()
    expect(r, 1, "first result")
    return took


def word(k):
    n = k * 7919 + 100_000
    s = []
    while n > 0:
        s.append(chr(97 + n % 26))
        n //= 26
    return "".join(reversed(s))


def documents(count, vocabulary, seed):
    words = [word(k) for k in range(vocabulary)]
    docs = []
    x = seed
    for _ in range(count):
        x = lcg(x)
        length = 100 + (x >> 33) % 400
        doc = []
        for _ in range(length):
            x = lcg(x)
            a = (x >> 33) % vocabulary
            x = lcg(x)
            b = (x >> 33) % vocabulary
            doc.append(words[a * b // vocabulary])
        docs.append(" ".join(doc))
    return docs


def digest(counts):
    total = 0
    s = 0
    for w, c in counts.items():
        h = 0
        for ch in w:
            h = (h * 131 + ord(ch)) % MODULUS
        total += c
        s = (s + c * h) % MODULUS
    return "%d:%d:%d" % (total, len(counts), s)


def run_rows(peer_class, sz):
    def row(names, fn):
        t0 = time.perf_counter()
        try:
            fn()
        except NotImplementedError as e:
            for n in names:
                out("skip %s %s" % (n, e))
        except BaseException as e:  # a failing row is reported, the next one runs
            traceback.print_exc()
            for n in names:
                out("failed %s %s: %s" % (n, type(e).__name__, str(e).splitlines()[0] if str(e) else ""))
        # Where a run's time goes, in its log (ensemble-bench/target/side-by-side/).
        print("%s: %.0f ms" % (names[0], (time.perf_counter() - t0) * 1e3), file=sys.stderr, flush=True)

    row(["start_cold"], lambda: value("start_cold", first_result(peer_class)))
    row(["start_warm"], lambda: value("start_warm", median([first_result(peer_class)
                                                            for _ in range(sz["warmPools"])])))
    n_array = sz["arrayLength"]
    data = array.array("d", range(n_array))
    inputs = range(sz["mapInputs"])
    if peer_class is PpePeer:
        note = "ProcessPoolExecutor has no automatic chunking (its default is 1 input per task): given the chunk " \
               "size multiprocessing.Pool computes (4 chunks per worker)"
        for r in ("map", "model", "words"):
            out("note %s %s" % (r, note))
    peer = peer_class(WORKERS)
    try:
        def round_trips():
            for i in range(sz["roundTripWarmup"]):
                expect(peer.result(peer.call(identity, i)), i, "round trip")
            us = []
            for i in range(sz["roundTrips"]):
                t0 = time.perf_counter()
                r = peer.result(peer.call(identity, i))
                us.append((time.perf_counter() - t0) * 1e6)
                expect(r, i, "round trip")
            value("rt_median", median(us))
            value("rt_p99", percentile(us, 0.99))

        def mapping():
            rates = []
            for i in range(-sz["mapWarmup"], sz["maps"]):
                t0 = time.perf_counter()
                results = peer.map(plus_one, inputs)
                took = time.perf_counter() - t0
                expect(len(results), len(inputs), "number of map results")
                if results != list(range(1, len(inputs) + 1)):
                    raise AssertionError("map results are wrong")
                if i >= 0:
                    rates.append(len(inputs) / took)
            value("map", median(rates))

        def arrays():
            ms = []
            for i in range(-sz["arrayWarmup"], sz["arrayTrips"]):
                t0 = time.perf_counter()
                back = peer.result(peer.call(identity, data))
                took = (time.perf_counter() - t0) * 1e3
                if back != data:
                    raise AssertionError("the array came back different")
                if i >= 0:
                    ms.append(took)
            value("array", median(ms))

        def shared():
            try:
                import numpy
                from multiprocessing import shared_memory
            except ImportError:
                raise NotImplementedError("needs numpy for arithmetic on shared memory; numpy is not installed")
            shm = shared_memory.SharedMemory(create=True, size=n_array * 8)
            try:
                a = numpy.ndarray((n_array,), dtype=numpy.float64, buffer=shm.buf)
                a[:] = numpy.arange(n_array, dtype=numpy.float64)
                half = (n_array + 1) // 2
                parts = [(shm.name, lo, min(n_array, lo + half)) for lo in range(0, n_array, half)]
                ms = []
                passes = 0
                for i in range(-sz["arrayWarmup"], sz["arrayTrips"]):
                    t0 = time.perf_counter()
                    done = peer.map(bump, parts, 1)
                    took = (time.perf_counter() - t0) * 1e3
                    expect(sum(done), n_array, "elements bumped")
                    passes += 1
                    if i >= 0:
                        ms.append(took)
                if not numpy.array_equal(a, numpy.arange(n_array, dtype=numpy.float64) + passes):
                    raise AssertionError("the shared array is wrong after %d passes" % passes)
                value("shared", median(ms))
                del a
            finally:
                shm.close()
                shm.unlink()

        def cpu_on(p):
            """The CPU-bound tasks on a pool (of 2 workers: the pool of the rows before; of 1: its own)."""
            nanos = sz["taskMillis"] * 1_000_000
            tasks = [(i, nanos) for i in range(sz["cpuTasks"])]
            p.map(burn, tasks[:10])
            ms = []
            for _ in range(sz["cpuRuns"]):
                t0 = time.perf_counter()
                results = p.map(burn, tasks)
                ms.append((time.perf_counter() - t0) * 1e3)
                expect(results, list(range(sz["cpuTasks"])), "CPU task results")
            return median(ms)

        def cpu():
            two = cpu_on(peer)
            single = peer_class(1)
            try:
                one = cpu_on(single)
            finally:
                single.close()
            value("cpu1", one)
            value("cpu2", two)
            value("speedup", one / two)

        row(["rt_median", "rt_p99"], round_trips)
        row(["map"], mapping)
        row(["array"], arrays)
        row(["shared"], shared)
        row(["cpu1", "cpu2", "speedup"], cpu)
    finally:
        peer.close()

    def broadcast():
        out("note broadcast no instance pool: two calls submitted together and both awaited (not necessarily "
            "one per worker)")
        p = peer_class(WORKERS)
        try:
            def both():
                handles = [p.call(one) for _ in range(WORKERS)]
                return [p.result(h) for h in handles]
            for _ in range(sz["broadcastWarmup"]):
                expect(len(both()), WORKERS, "broadcast results")
            us = []
            for _ in range(sz["broadcasts"]):
                t0 = time.perf_counter()
                r = both()
                us.append((time.perf_counter() - t0) * 1e6)
                expect(len(r), WORKERS, "broadcast results")
            value("broadcast", median(us))
        finally:
            p.close()

    def model(name="model", untimed=0):
        calls = sz["modelCalls"]
        w = weights()
        expected = sum(predict_with(w, i) for i in range(calls))
        ms = []
        for run in range(untimed + sz["modelRuns"]):
            t0 = time.perf_counter()
            p = peer_class(WORKERS, build_model, (sz["modelInitMillis"],))
            predictions = p.map(predict, range(calls))
            if run >= untimed:
                ms.append((time.perf_counter() - t0) * 1e3)
            p.close()
            expect(len(predictions), calls, "number of predictions")
            expect(sum(predictions), expected, "model checksum")
        value(name, median(ms))
        if untimed == 0:
            out("check model %d" % expected)

    def words():
        from multiprocessing import Barrier
        docs = documents(sz["documents"], sz["vocabulary"], sz["seed"])
        expected = {}
        for d in docs:
            for w in d.split(" "):
                expected[w] = expected.get(w, 0) + 1
        p = peer_class(WORKERS, init_counter, (Barrier(WORKERS),))
        try:
            def count():
                n = p.map(count_doc, docs)
                merged = {}
                for part in p.map(collect, range(WORKERS), 1):
                    for w, c in part.items():
                        merged[w] = merged.get(w, 0) + c
                expect(sum(n), sum(merged.values()), "words counted")
                if merged != expected:
                    raise AssertionError("word counts differ from a sequential count: %s instead of %s"
                                         % (digest(merged), digest(expected)))
                return merged
            count()  # untimed: the first round warms the workers
            ms = []
            for _ in range(sz["wordRuns"]):
                t0 = time.perf_counter()
                count()
                ms.append((time.perf_counter() - t0) * 1e3)
            value("words", median(ms))
            out("check words %s" % digest(expected))
        finally:
            p.close()

    row(["broadcast"], broadcast)
    row(["model"], model)
    # A Python pool keeps no workers for the next one: the same as the row before, after one untimed pool.
    row(["model_warm"], lambda: model("model_warm", 1))
    row(["words"], words)


def kill_test(peer_class, sz):
    """1,000 tasks in chunks of 10; the worker at task 300 is killed with SIGKILL; what does the caller get?"""
    pid_file = os.path.join(tempfile.mkdtemp(prefix="peers-kill"), "victim")
    wait = sz["killWaitSeconds"]
    peer = peer_class(WORKERS)
    try:
        if peer_class is PoolPeer:
            pending = peer.p.map_async(killer, [(x, pid_file) for x in range(1000)], chunksize=10)
        else:
            from concurrent.futures import TimeoutError as FutureTimeout  # noqa: F401 (documents what may come)
            pending = peer.p.map(killer, [(x, pid_file) for x in range(1000)], chunksize=10, timeout=wait + 30)
        deadline = time.time() + 30
        while not os.path.exists(pid_file):
            if time.time() > deadline:
                raise AssertionError("no worker reached task 300 within 30 s")
            time.sleep(0.001)
        os.kill(int(open(pid_file).read()), signal.SIGKILL)
        t0 = time.perf_counter()
        try:
            if peer_class is PoolPeer:
                got = pending.get(timeout=wait)
            else:
                got = list(pending)
            ok = got == list(range(1000))
            out("kill " + ("all 1,000 results" if ok else "wrong results"))
        except Exception as e:
            took = time.perf_counter() - t0
            if type(e).__name__ == "TimeoutError" and took >= wait * 0.9:
                out("kill hangs: no result within %d s" % wait)
            else:
                out("kill the call fails (%s after %.0f ms); the pool is unusable" % (type(e).__name__, took * 1e3))
    finally:
        if peer_class is PoolPeer:
            peer.p.terminate()
            peer.p.join()
        else:
            peer.p.shutdown(wait=False, cancel_futures=True)
        for f in (pid_file, pid_file + ".claimed"):
            if os.path.exists(f):
                os.remove(f)
        os.rmdir(os.path.dirname(pid_file))


def main(argv):
    if len(argv) != 4 or argv[1] not in ("pool", "ppe") or argv[2] not in ("run", "kill"):
        print(__doc__, file=sys.stderr)
        return 2
    sz = {k: int(v) for k, v in (pair.split("=", 1) for pair in argv[3].split(","))}
    peer_class = PoolPeer if argv[1] == "pool" else PpePeer
    out("info Python %s" % sys.version.split()[0])
    if argv[2] == "run":
        run_rows(peer_class, sz)
    else:
        kill_test(peer_class, sz)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
