"""Citizens' appeals through the public form on PostgreSQL: appeals per second, p99, loss.

Figure: appeals accepted per second, sustained for ``--seconds`` (20) through the public
web form (``POST /appeals/public/``: CSRF, the spam ticket, the database rate limit, the
classifier, routing, duplicates, the audit entry) served by ``--servers`` (2) waitress
processes (``--threads`` 16 each: one process per core, enough threads per process for the
group commit to gather groups) on 127.0.0.1, on a fresh PostgreSQL database; targets ≥ 300/s
and p99 ≤ 200 ms; then zero loss: every accepted appeal (a 302 to its number) is in the
database exactly once, and nothing else is.

The load generator is bounded and closed-loop: ``--clients`` (8) processes × 4 threads,
each with one keep-alive connection, each sending its next appeal when the previous one is
answered (no queue builds up outside the servers). The rate limit is raised for the run
(every client is 127.0.0.1; in production each citizen has an address) and the ticket's
minimum fill time is waited for once, before the run.

CPU per appeal, the figure that decides 300/s on an idle 2-core machine (at most
≈ 6.7 ms of the whole machine's CPU per appeal): the server processes' (/proc), the
PostgreSQL backends' serving the bench's database (the servers' connections, kept for the
run) and the load generator's own (its processes' CPU time), printed with the machine's
load average. The database is ``BENCH_APPEALS_DB`` (``wr_appeals_bench``), dropped and
created afresh.

Peer: the same servers answering the public status page (a read of one row by number):
the ratio is the intake's throughput over a read's; its server CPU per read is printed
(what one rendered Django request costs on the same stack).

    python bench/bench_appeals_intake.py [--seconds 20] [--servers 2] [--threads 16]
                                         [--clients 8]
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing as mp
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import PG_ADMIN_URL, ROOT, finish, target

DB = os.environ.get("BENCH_APPEALS_DB", "wr_appeals_bench")  # a helper's own: its name
THREADS = 4
TEXTS = [
    "我父亲确诊了一直没有床位，呼吸困难，求安排住院",
    "小区封闭五天了，团购的大米一直没送到",
    "降压药只剩两天的量了，药店关门了",
    "网上说小区出现了一百多个确诊，是真的吗",
    "网格员态度恶劣，打电话直接挂断",
    "请问什么时候可以解封",
]
CITY = """code,parent_code,level,name_zh,name_en,population,lat,lon
9901,,city,测试市,Test City,1000,30.5,114.3
990101,9901,district,甲区,District A,600,30.6,114.3
990101001,990101,street,甲一街道,A1 Street,600,30.6,114.31
990101001001,990101001,community,甲一社区,A1 Community,600,30.6,114.32
990101001001001,990101001001,compound,百步亭花园,Compound 1,350,30.6,114.33
990101001001002,990101001001,compound,锦绣龙城,Compound 2,250,30.6,114.34
"""


def _env() -> dict[str, str]:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB}")
    env = dict(os.environ)
    env.update(
        DATABASE_URL=PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + DB,
        DJANGO_SETTINGS_MODULE="warroom.settings",
        PYTHONPATH=str(ROOT),
        WARROOM_APPEAL_RATE="100000000",
        WARROOM_APPEAL_HOLD="100000001",
        WARROOM_APPEAL_MIN_FILL_SECONDS="1",
        DB_CONN_MAX_AGE="600",  # one connection per server thread for the whole run
        WARROOM_DATA_DIR=env.get("WARROOM_DATA_DIR") or tempfile.mkdtemp(prefix="wr-appeals-"),
    )
    return env


def _prepare(env: dict[str, str]) -> None:
    code = (
        "import django; django.setup()\n"
        "from django.core.management import call_command\n"
        "call_command('migrate', verbosity=0, interactive=False)\n"
        "from warroom.geo.services import do_import_areas\n"
        "from warroom.tables import read_table\n"
        "from warroom.core.context import SYSTEM\n"
        f"do_import_areas(read_table({CITY!r}.encode(), filename='c.csv'), actor=SYSTEM)\n"
    )
    subprocess.run([sys.executable, "-c", code], env=env, check=True)


def _servers(
    env: dict[str, str], n: int, threads: int
) -> tuple[list[subprocess.Popen[bytes]], list[int]]:
    procs, ports = [], []
    for i in range(n):
        port = 18700 + i
        procs.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "waitress",
                    f"--listen=127.0.0.1:{port}",
                    f"--threads={threads}",
                    "--connection-limit=200",
                    "warroom.wsgi:application",
                ],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        ports.append(port)
    for port in ports:  # wait until each answers
        for _ in range(300):
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                c.request("GET", "/appeals/public/")
                c.getresponse().read()
                break
            except OSError:
                time.sleep(0.2)
    return procs, ports


class Client:
    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.conn.request("GET", "/appeals/public/")
        r = self.conn.getresponse()
        html = r.read().decode()
        cookie = r.getheader("Set-Cookie") or ""
        self.csrf = re.search(r"csrftoken=([^;]+)", cookie).group(1)  # type: ignore[union-attr]
        self.form_token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]
        self.ticket = re.search(r'name="ticket" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]

    def post(self, text: str) -> tuple[int, str, float]:
        body = urllib.parse.urlencode(
            {
                "csrfmiddlewaretoken": self.form_token,
                "ticket": self.ticket,
                "text": text,
                "place": "甲区百步亭花园",
            }
        )
        start = time.perf_counter()
        self.conn.request(
            "POST",
            "/appeals/public/",
            body=body,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"csrftoken={self.csrf}",
                "Referer": f"http://127.0.0.1:{self.conn.port}/appeals/public/",
            },
        )
        r = self.conn.getresponse()
        r.read()
        ms = (time.perf_counter() - start) * 1000
        loc = r.getheader("Location") or ""
        number = urllib.parse.parse_qs(urllib.parse.urlparse(loc).query).get("number", [""])[0]
        return r.status, number, ms

    def get(self, path: str) -> tuple[int, float]:
        start = time.perf_counter()
        self.conn.request("GET", path)
        r = self.conn.getresponse()
        r.read()
        return r.status, (time.perf_counter() - start) * 1000


def _client_process(args: tuple[int, list[int], float, float, str, mp.Queue]) -> None:  # type: ignore[type-arg]
    import threading

    idx, ports, start_at, seconds, mode, out = args
    results: list[tuple[int, str, float, float]] = []
    cpu = [0.0]
    lock = threading.Lock()

    def run(t: int) -> None:
        client = Client(ports[(idx * THREADS + t) % len(ports)])
        mine = []
        while time.time() < start_at:
            time.sleep(0.01)
        n = 0
        with lock:
            if not cpu[0]:
                cpu[0] = time.process_time()
        while time.time() < start_at + seconds:
            if mode == "read":
                status, ms = client.get("/appeals/public/status/?number=123")
                mine.append((status, "", ms, time.time()))
            else:
                text = f"{TEXTS[n % len(TEXTS)]}（{idx}-{t}-{n}）"
                status, number, ms = client.post(text)
                mine.append((status, number, ms, time.time()))
            n += 1
        with lock:
            results.extend(mine)

    threads = [threading.Thread(target=run, args=(t,)) for t in range(THREADS)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    out.put((results, time.process_time() - cpu[0]))


def _load(
    ports: list[int], clients: int, seconds: float, mode: str
) -> tuple[list[tuple[int, str, float, float]], float]:
    """The answers (status, number, ms, at) and the load generator's CPU seconds (its
    processes' own, during the run)."""
    out: mp.Queue = mp.Queue()  # type: ignore[type-arg]
    start_at = time.time() + 3.0  # every client has its ticket (min fill time 1 s) by then
    procs = [
        mp.Process(target=_client_process, args=((i, ports, start_at, seconds, mode, out),))
        for i in range(clients)
    ]
    for p in procs:
        p.start()
    results: list[tuple[int, str, float, float]] = []
    cpu = 0.0
    for _ in procs:
        answers, used = out.get()
        results.extend(answers)
        cpu += used
    for p in procs:
        p.join()
    return results, cpu


def _cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of the server processes so far (Linux /proc; 0 elsewhere):
    the machine is shared, so CPU per appeal is the figure that does not move with load."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        total += int(fields[11]) + int(fields[12])  # utime, stime (clock ticks)
    return total / os.sysconf("SC_CLK_TCK")


def _backend_cpu(url: str, since: dict[int, float] | None = None) -> dict[int, float]:
    """CPU seconds of the database's backends serving the bench's database (the servers'
    connections, kept for the run), or since ``since``: PostgreSQL's share per appeal (the
    server runs on this machine). A backend that ended mid-run is not counted."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        pids = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        ).fetchall()
    out = {}
    for (pid,) in pids:
        used = _cpu_seconds([pid])
        out[pid] = used - (since or {}).get(pid, 0.0)
    return out


def _p99(ms: list[float]) -> float:
    ordered = sorted(ms)
    return ordered[max(0, int(len(ordered) * 0.99) - 1)] if ordered else float("nan")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--servers", type=int, default=2)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--threads", type=int, default=16, help="waitress threads per server")
    a = ap.parse_args()
    env = _env()
    _prepare(env)
    procs, ports = _servers(env, a.servers, a.threads)
    try:
        url = env["DATABASE_URL"]
        _load(ports, 1, 2.0, "write")  # warm up: every thread fits the classifier once
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("DELETE FROM appeals_appealevent")
            before = conn.execute("SELECT count(*) FROM appeals_appeal").fetchone()[0]
        cpu = _cpu_seconds([p.pid for p in procs])
        backends = _backend_cpu(url)
        results, client_cpu = _load(ports, a.clients, a.seconds, "write")
        cpu = _cpu_seconds([p.pid for p in procs]) - cpu
        pg_cpu = sum(_backend_cpu(url, since=backends).values())
        accepted = [r for r in results if r[0] == 302]
        errors = len(results) - len(accepted)
        rate = len(accepted) / a.seconds
        p99 = _p99([r[2] for r in accepted])
        p50 = sorted(r[2] for r in accepted)[len(accepted) // 2]
        with psycopg.connect(url, autocommit=True) as conn:
            stored = conn.execute("SELECT count(*) FROM appeals_appeal").fetchone()[0] - before
            numbers = [r[1] for r in accepted]
            found = conn.execute(
                "SELECT count(DISTINCT number) FROM appeals_appeal WHERE number = ANY(%s)",
                (numbers,),
            ).fetchone()[0]
        lost = len(set(numbers)) - found
        extra = stored - len(accepted)
        read_cpu = _cpu_seconds([p.pid for p in procs])
        reads, _ = _load(ports, a.clients, min(a.seconds, 10.0), "read")
        read_cpu = _cpu_seconds([p.pid for p in procs]) - read_cpu
        read_ok = len([r for r in reads if r[0] == 200])
        read_rate = read_ok / min(a.seconds, 10.0)
        print(
            f"appeals intake: {rate:.0f} appeals/s over {a.seconds:.0f} s through the public form, "
            f"{a.servers} waitress processes, {a.clients * THREADS} closed-loop clients "
            f"{target('intake rate', rate, 300, '/s', at_least=True)}"
        )
        print(
            f"  latency p50 {p50:.0f} ms, p99 {p99:.0f} ms {target('intake p99', p99, 200, 'ms')}; "
            f"{errors} non-302 answers; machine load {os.getloadavg()[0]:.1f}"
        )
        per = 1000 / max(1, len(accepted))
        print(
            f"  CPU per appeal: servers {cpu * per:.2f} ms, PostgreSQL backends "
            f"{pg_cpu * per:.2f} ms, load generator {client_cpu * per:.2f} ms; total "
            f"{(cpu + pg_cpu + client_cpu) * per:.2f} ms (2 idle cores at 300/s allow 6.7 ms)"
        )
        print(
            f"  loss: {len(accepted)} accepted, {stored} stored, {lost} accepted and missing, "
            f"{extra} stored beyond the accepted "
            f"{target('lost appeals', lost + abs(extra), 0)}"
        )
        print(
            f"  peer (a status-page read on the same servers): {read_rate:.0f}/s, "
            f"ratio {rate / read_rate:.2f}; server CPU per read "
            f"{read_cpu * 1000 / max(1, read_ok):.2f} ms (Django's floor for one request)"
        )
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait()
    finish()


if __name__ == "__main__":
    main()
