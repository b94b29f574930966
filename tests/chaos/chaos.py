"""The project's own chaos test: `make chaos` (N=2000), `make chaos CHAOS_N=10000` (issue 16).

N suggestions travel the whole pipeline through the API (a child sends each; the school
collects it; the community resolves it locally or forwards it; the department accepts it and
marks it implemented) while this script:

- SIGKILLs a Celery worker (its whole process group) every few seconds and starts another;
- kills its own redis-server (which keeps nothing on disk: the queue is lost) and starts it
  again, twice;
- cuts the database off for a few seconds: a TCP proxy in front of PostgreSQL drops every
  connection and refuses new ones, as a restart of the server would.

Clients retry a POST with the same Idempotency-Key until it is answered, and some POSTs are
sent twice as if their first answer was lost. The script plays beat's part for the two
sweepers, every 5 s instead of every minute. When the last suggestion is sent the faults stop;
the clients go on until every suggestion is implemented. Then it checks, and prints:

  lost                suggestions a client sent that are missing or never got through   0
  double moves        a move written twice for one suggestion                           0
  illegal paths       a history that is not a legal walk of suggestions/workflow.py    0
  messages lost       e-mails the pipeline owed that were never sent                    0
  retry duplicates    suggestions written twice by a client's retries                   0
  5xx not in outage   5xx or dropped answers outside the database outages (+3 s)        0
  time to quiesce     from the last fault until nothing is left to route or send

It runs on the PostgreSQL server of DATABASE_URL, in a database of its own that it drops at
the end, and on a redis-server it starts on a free port. gunicorn, the workers and the script
are separate processes, configured as `make run` configures them (local settings, DEBUG off).
Exit status 0 when every check holds.
"""

import argparse
import contextlib
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from email import message_from_string
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
# How long the database stays cut off, and how long Redis stays down, per fault.
DB_OUTAGE_SECONDS = 5
REDIS_OUTAGE_SECONDS = 2
# A 5xx this long after an outage ended still belongs to it (connections being re-made).
OUTAGE_GRACE = 3
WORKER_KILL_EVERY = 3.0
SWEEP_EVERY = 5.0
LOST_ANSWER_RATE = 0.05
# Set when the run ends or is stopped from outside: clients, faults and restarts stop at once.
STOPPING = threading.Event()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise RuntimeError(f"timed out waiting for {what}")


def answers(port: int, probe: bytes = b"PING\r\n", expect: bytes = b"+PONG") -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(probe)
            return sock.recv(16).startswith(expect)
    except OSError:
        return False


# --- The faults ----------------------------------------------------------------------------


class Redis:
    """A redis-server of the run's own; kill() loses everything it held."""

    def __init__(self, directory: Path):
        self.port, self.directory, self.process = free_port(), directory, None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        if STOPPING.is_set():
            return
        self.process = subprocess.Popen(
            [shutil.which("redis-server"), "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        wait_for(lambda: answers(self.port), 20, "redis-server")

    def kill(self):
        self.process.kill()
        self.process.wait()


class DatabaseProxy:
    """127.0.0.1:<port> → the PostgreSQL server; cut() drops every connection and refuses new
    ones until restore(), as a database restart looks to its clients."""

    def __init__(self, host: str, port: int):
        self.target = (host, port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.down = threading.Event()
        self.lock = threading.Lock()
        self.open: set[socket.socket] = set()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.down.is_set():
                client.close()
                continue
            try:
                server = socket.create_connection(self.target, timeout=5)
                server.settimeout(None)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.open.update((client, server))
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, source, sink):
        try:
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                self._close(sock)

    def _close(self, sock):
        with self.lock:
            self.open.discard(sock)
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()

    def cut(self):
        self.down.set()
        with self.lock:
            doomed = list(self.open)
        for sock in doomed:
            self._close(sock)

    def restore(self):
        self.down.clear()


class Processes:
    """gunicorn and the workers, each in its own process group."""

    def __init__(self, env: dict, logs: Path):
        self.env, self.logs = env, logs
        self.workers: list[subprocess.Popen] = []
        self.web = None
        self.started = 0

    def _spawn(self, argv, name):
        log = open(self.logs / f"{name}.log", "ab")  # noqa: SIM115 - closed with the process
        return subprocess.Popen(
            argv, cwd=BASE_DIR, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip

    def start_web(self, port: int, workers: int):
        self.web = self._spawn(
            [str(BIN / "gunicorn"), "hangzhou_cfc.wsgi:application", "--bind",
             f"127.0.0.1:{port}", "--workers", str(workers), "--timeout", "60"],
            "web",
        )  # fmt: skip

    def start_worker(self):
        if STOPPING.is_set():
            return
        self.started += 1
        self.workers.append(
            self._spawn(
                [str(BIN / "celery"), "-A", "hangzhou_cfc", "worker", "--queues",
                 "celery,sweeper", "--concurrency", "2", "--without-mingle", "--without-gossip",
                 "--hostname", f"chaos{self.started}@%h", "--loglevel", "WARNING"],
                f"worker{self.started}",
            )
        )  # fmt: skip

    def kill_a_worker(self):
        if STOPPING.is_set() or not self.workers:
            return
        victim = self.workers.pop(random.randrange(len(self.workers)))  # noqa: S311 - not a secret
        with contextlib.suppress(ProcessLookupError):
            os.killpg(victim.pid, signal.SIGKILL)
        victim.wait()

    def stop(self):
        for process in [*self.workers, self.web]:
            if process is not None and process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        for process in [*self.workers, self.web]:
            if process is None:
                continue
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()


# --- The clients ---------------------------------------------------------------------------


class Client:
    """Posts to the API as a person would with a flaky network: every POST carries an
    Idempotency-Key and is sent again with it until it is answered (not 5xx, not dropped);
    some are sent again after their answer, as if it was lost."""

    def __init__(self, base: str, started: float):
        self.base, self.started = base, started
        self.local = threading.local()
        self.lock = threading.Lock()
        self.answers: Counter = Counter()
        self.failures: list[tuple[float, float, str]] = []  # (from, to, status) of 5xx/dropped
        self.replays = self.replays_differing = 0

    def _session(self):
        import requests

        if not hasattr(self.local, "session"):
            self.local.session = requests.Session()
        return self.local.session

    def _send(self, path, token, body, key):
        import requests

        headers = {"Authorization": f"Token {token}", "Idempotency-Key": key}
        for attempt in range(400):
            if STOPPING.is_set():
                return None
            sent = time.monotonic() - self.started
            try:
                response = self._session().post(
                    self.base + path, json=body, headers=headers, timeout=30
                )
            except requests.RequestException as error:
                status = type(error).__name__
            else:
                status = response.status_code
            done = time.monotonic() - self.started
            with self.lock:
                self.answers[status] += 1
                if not isinstance(status, int) or status >= 500:
                    self.failures.append((sent, done, str(status)))
            if isinstance(status, int) and status < 500 and status != 429:
                return response
            time.sleep(min(0.2 * 2**attempt, 2.0))
        return None

    def post(self, path, token, body):
        key = uuid.uuid4().hex
        response = self._send(path, token, body, key)
        if response is not None and random.random() < LOST_ANSWER_RATE:  # noqa: S311
            again = self._send(path, token, body, key)
            with self.lock:
                self.replays += 1
                if again is None or (again.status_code, again.content) != (
                    response.status_code,
                    response.content,
                ):
                    self.replays_differing += 1
        return response


# --- The run -------------------------------------------------------------------------------


def database_url(url: str, name: str, port: int | None = None) -> str:
    parts = urlsplit(url)
    netloc = parts.netloc
    if port is not None:
        netloc = (
            f"{netloc.rsplit('@', 1)[0]}@127.0.0.1:{port}"
            if "@" in netloc
            else (f"127.0.0.1:{port}")
        )
    return urlunsplit(parts._replace(path=f"/{name}", netloc=netloc))


def admin_sql(url: str, sql: str):
    import psycopg2

    connection = psycopg2.connect(database_url(url, "postgres"))
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(sql)
    connection.close()


def outcome_body(today: str) -> dict:
    return {"outcome": {"description": "画了斑马线，设了儿童停车区。", "completed_on": today}}


def run(n: int, clients: int, workers: int, server_url: str, keep: bool) -> dict:
    random.seed(os.environ.get("CHAOS_SEED", "hangzhou"))
    tmp = Path(tempfile.mkdtemp(prefix="chaos-"))
    name = f"chaos_{os.getpid()}"
    target = urlsplit(server_url)
    redis = Redis(tmp)
    proxy = DatabaseProxy(target.hostname or "127.0.0.1", target.port or 5432)
    mail = tmp / "mail"
    mail.mkdir()
    web_port = free_port()
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_", "PORTAL_"))
    }
    common = {
        **clean,
        "DJANGO_SETTINGS_MODULE": "hangzhou_cfc.settings.local",
        "DJANGO_DEBUG": "false",
        "DJANGO_VAR_DIR": str(tmp / "var"),
        "REDIS_URL": redis.url,
        "PORTAL_BASE_URL": f"http://127.0.0.1:{web_port}",
        "DJANGO_EMAIL_URL": f"filemail:///{mail}",
        "API_USER_RATE": "100000000/hour",
        "SUGGESTIONS_ROUTING_STUCK_AFTER": "5",
        "MESSAGES_STUCK_AFTER": "10",
        # An e-mail whose worker was killed while the mail server was asked is "in doubt" and
        # sent again after this (same Message-ID); 10 minutes in production, longer than the run.
        "MESSAGES_IN_DOUBT_AFTER": "15",
        # One e-mail per event to staff, not the daily digest: the e-mails are what it counts.
        "MESSAGES_STAFF_DIGEST": "false",
        "DJANGO_LOG_LEVEL": "WARNING",
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    direct = database_url(server_url, name)
    servers = {**common, "DATABASE_URL": database_url(server_url, name, proxy.port)}
    processes = Processes(servers, tmp)
    try:
        redis.start()
        admin_sql(server_url, f'CREATE DATABASE "{name}"')
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput"],
            cwd=BASE_DIR, env={**common, "DATABASE_URL": direct}, check=True,
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        os.environ.update({**common, "DATABASE_URL": direct})
        import django

        django.setup()
        report = _run(n, clients, workers, redis, proxy, processes, web_port, mail)
    finally:
        STOPPING.set()
        processes.stop()
        if redis.process is not None:
            redis.kill()
        from django.db import connections

        connections.close_all()
        if not keep:
            admin_sql(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print(f"kept: database {name}, files {tmp}")
    return report


def _run(n, clients, workers, redis, proxy, processes, web_port, mail) -> dict:
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from hangzhou_cfc.celery import app
    from messaging.models import Message
    from suggestions.models import RoutingJob, Suggestion
    from tests.suggestions.factories import Pipeline

    pipe = Pipeline()
    staff = {
        "child": pipe.child_user,
        "school": pipe.school_staff,
        "community": pipe.community_staff,
        "department": pipe.department_staff,
    }
    for role, user in staff.items():
        if role != "child":
            user.email = f"{role}@example.org"
            user.save(update_fields=["email"])
    tokens = {role: Token.objects.create(user=user).key for role, user in staff.items()}
    today = str(timezone.localdate())
    prefix = f"chaos-{uuid.uuid4().hex[:8]}"

    processes.start_web(web_port, workers=3)
    for _ in range(workers):
        processes.start_worker()
    base = f"http://127.0.0.1:{web_port}"
    wait_for(lambda: answers(web_port, b"GET /healthz HTTP/1.0\r\n\r\n", b"HTTP/1"), 60, "web")

    started = time.monotonic()
    client = Client(base, started)
    outages: list[tuple[float, float]] = []
    faults = Counter()
    load_done = threading.Event()
    stop_sweeps = threading.Event()
    progress = {"created": 0}
    # Each fault begins when this share of the suggestions has been sent (popped as it begins).
    planned = [(0.3, "redis"), (0.5, "database"), (0.7, "redis")]

    def beat():
        while not stop_sweeps.wait(SWEEP_EVERY):
            for task in (
                "suggestions.tasks.resend_stuck_routing_jobs",
                "messaging.tasks.resend_messages",
            ):
                try:
                    app.send_task(task, queue="sweeper", expires=SWEEP_EVERY, retry=False)
                except Exception:  # Redis is down: the next sweep is sent in 5 s
                    faults["sweeps not sent"] += 1

    def chaos():
        last_kill = time.monotonic()
        while not load_done.is_set() and not STOPPING.is_set():
            share = progress["created"] / n
            if planned and share >= planned[0][0]:
                _share, what = planned.pop(0)
                at = time.monotonic() - started
                if what == "redis":
                    redis.kill()
                    time.sleep(REDIS_OUTAGE_SECONDS)
                    redis.start()
                    faults["redis restarts"] += 1
                else:
                    proxy.cut()
                    time.sleep(DB_OUTAGE_SECONDS)
                    proxy.restore()
                    outages.append((at, time.monotonic() - started))
                    faults["database outages"] += 1
            if time.monotonic() - last_kill >= WORKER_KILL_EVERY:
                processes.kill_a_worker()
                processes.start_worker()
                faults["workers killed"] += 1
                last_kill = time.monotonic()
            time.sleep(0.1)
        # Whatever was planned and not yet done happens now, before the faults end.
        for _share, what in planned:
            if what == "redis" and not STOPPING.is_set():
                redis.kill()
                time.sleep(REDIS_OUTAGE_SECONDS)
                redis.start()
                faults["redis restarts"] += 1

    threads = [threading.Thread(target=f, daemon=True) for f in (beat, chaos)]
    for thread in threads:
        thread.start()

    created: dict[str, int] = {}
    refused: list[str] = []
    final = {"implemented"}
    through: set[int] = set()
    next_title = 0
    create_batch = max(10, min(100, n // 20))
    # The last batch is sent once every planned fault has begun (when the others reach the last
    # fault's share): otherwise, with a small N on a fast machine, the load could end while a
    # Redis outage holds the fault thread, and the database outage never happen.
    last_batch_from = ((n - 1) // create_batch) * create_batch
    hold_the_last_batch = planned[-1][0] <= last_batch_from / n
    pool = ThreadPoolExecutor(clients)

    def create(title):
        body = {
            "title": title,
            "noticed": "放学时校门口车很多。",
            "proposal": "画一条斑马线。",
            "place": "南门",
            "role": "safety_promoter",
            "focus_area": pipe.focus_area.code,
        }
        response = client.post("/api/v1/suggestions/", tokens["child"], body)
        if response is None or response.status_code != 201:
            refused.append(title)
            return
        created[title] = response.json()["id"]
        progress["created"] += 1

    def move(pk, state, index):
        if state == "at_school":
            role, action, body = "school", "collect", {}
        elif state == "at_community" and index % 4 == 0:
            role, action, body = "community", "forward", {}
        elif state == "at_community":
            role, action, body = "community", "resolve_locally", outcome_body(today)
        elif state == "at_department":
            role, action, body = "department", "accept", {"planned_on": today}
        else:
            role, action, body = "department", "mark_implemented", outcome_body(today)
        response = client.post(f"/api/v1/suggestions/{pk}/{action}/", tokens[role], body)
        if response is not None and response.status_code != 200:
            raise RuntimeError(f"{action} on {pk}: {response.status_code} {response.text[:300]}")

    quiesced_at = faults_end = None
    deadline = None
    errors: list[str] = []
    while True:
        work = []
        held = hold_the_last_batch and next_title >= last_batch_from and planned
        if next_title < n and not held:
            batch = [f"{prefix}-{i}" for i in range(next_title, min(n, next_title + create_batch))]
            next_title += len(batch)
            work += [pool.submit(create, title) for title in batch]
        active = set(created.values()) - through
        states = dict(Suggestion.objects.filter(pk__in=active).values_list("pk", "state"))
        through |= {pk for pk, state in states.items() if state in final}
        for pk, state in sorted(states.items()):
            if state in ("at_school", "at_community", "at_department", "in_progress"):
                work.append(pool.submit(move, pk, state, pk))
        for future in work:
            try:
                future.result()
            except Exception as error:
                errors.append(str(error))
        if next_title >= n and not load_done.is_set():
            load_done.set()
            threads[1].join()
            faults_end = time.monotonic()
            on_their_way = n - len(through)
            deadline = faults_end + 300 + n * 0.05
        if faults_end is not None:
            everything_through = len(through) == len(created)
            if (
                everything_through
                and not RoutingJob.objects.filter(done_at=None).exists()
                and not Message.objects.filter(state__in=["queued", "failed", "sending"]).exists()
            ):
                quiesced_at = time.monotonic()
                break
            if time.monotonic() > deadline:
                break
        if not work:
            time.sleep(0.3)
    stop_sweeps.set()
    pool.shutdown()
    elapsed = time.monotonic() - started
    return check(
        prefix=prefix,
        created=created,
        refused=refused,
        client=client,
        outages=outages,
        faults=faults,
        errors=errors,
        mail=mail,
        elapsed=elapsed,
        quiesce=None if quiesced_at is None else quiesced_at - faults_end,
        on_their_way=on_their_way,
        n=n,
    )


def check(
    *, prefix, created, refused, client, outages, faults, errors, mail, elapsed, quiesce,
    on_their_way, n,
):  # fmt: skip
    from django.db.models import Count

    from messaging.models import Message
    from suggestions.models import Notification, StageChange, Suggestion
    from suggestions.workflow import MOVES, State

    ours = Suggestion.objects.filter(title__startswith=prefix)
    in_db = dict(ours.values_list("pk", "state"))
    missing = [pk for pk in created.values() if pk not in in_db]
    not_through = [pk for pk, state in in_db.items() if state != State.IMPLEMENTED]
    duplicates = ours.values("title").annotate(copies=Count("pk")).filter(copies__gt=1).count()
    double_moves = (
        StageChange.objects.filter(suggestion__in=ours)
        .values("suggestion", "action")
        .annotate(times=Count("pk"))
        .filter(times__gt=1)
        .count()
    )
    illegal = set()
    walked: dict[int, str] = {}
    for pk, action, source, target in (
        StageChange.objects.filter(suggestion__in=ours)
        .order_by("suggestion", "pk")
        .values_list("suggestion", "action", "from_state", "to_state")
    ):
        move = MOVES.get(action)
        legal = (
            move is not None
            and source == walked.get(pk, State.DRAFT)
            and source in move.sources
            and target == move.target
        )
        if not legal:
            illegal.add(pk)
        walked[pk] = target
    illegal |= {pk for pk, state in in_db.items() if walked.get(pk, State.DRAFT) != state}

    # Every e-mail the pipeline owed: one per notice of an e-mailed kind to someone with an
    # address; each must have its message, sent, and found in the mail files once.
    emailed = Notification.objects.filter(
        suggestion__in=ours, kind__in=("new_in_inbox", "overdue", "needs_admin")
    ).exclude(recipient__email="")
    owed = set(emailed.values_list("pk", flat=True))
    by_notice = {
        message.context.get("notification"): message
        for message in Message.objects.filter(template="suggestions.notification", channel="email")
    }
    delivered = Counter()
    for path in mail.glob("*.log"):
        for chunk in path.read_text().split("-" * 79):
            if chunk.strip():
                delivered[message_from_string(chunk.strip())["Message-ID"]] += 1
    # "<message-{pk}@{domain}>", messaging.services.message_send
    delivered_ids = Counter(
        int(key.split("@", 1)[0].removeprefix("<message-")) for key in delivered.elements()
    )
    lost_messages = 0
    for notice in owed:
        message = by_notice.get(notice)
        if message is None or message.state != "sent":
            lost_messages += 1
            continue
        if delivered_ids[message.pk] == 0:
            lost_messages += 1
    sent_twice = sum(1 for copies in delivered.values() if copies > 1)

    def in_an_outage(start, end):
        return any(start <= b + OUTAGE_GRACE and end >= a for a, b in outages)

    outside = [failure for failure in client.failures if not in_an_outage(*failure[:2])]
    report = {
        "suggestions": n,
        "sent and answered": len(created),
        "elapsed s": round(elapsed, 1),
        "faults": dict(faults),
        "database outages (s from start)": [(round(a, 1), round(b, 1)) for a, b in outages],
        "answers": {str(k): v for k, v in sorted(client.answers.items(), key=str)},
        "answers sent twice (as if lost)": client.replays,
        "e-mails owed": len(owed),
        "checks": {
            "lost": len(missing) + len(not_through) + len(refused),
            "double moves": double_moves,
            "illegal paths": len(illegal),
            "messages lost": lost_messages,
            "retry duplicates": duplicates + client.replays_differing,
            "5xx not in outage": len(outside),
            "unexpected answers": len(errors),
        },
        "messages sent twice (Message-ID)": sent_twice,
        "5xx in outages": len(client.failures) - len(outside),
        # The clients go on moving these after the last fault: quiescing includes their work.
        "suggestions on their way at the last fault": on_their_way,
        "time to quiesce s": None if quiesce is None else round(quiesce, 1),
        "details": {
            "missing": missing[:20],
            "not through": not_through[:20],
            "refused": refused[:20],
            "illegal": sorted(illegal)[:20],
            "5xx not in outage": outside[:20],
            "unexpected answers": errors[:20],
        },
    }
    return report


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=int(os.environ.get("CHAOS_N", 2000)))
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", help="also write the report to this file")
    parser.add_argument("--keep", action="store_true", help="keep the database and files")
    args = parser.parse_args(argv)
    server = os.environ.get("DATABASE_URL", "")
    if not server.startswith(("postgres://", "postgresql://")):
        print("make chaos needs DATABASE_URL=postgres://... (a PostgreSQL server)")
        return 2
    if not shutil.which("redis-server"):
        print("make chaos needs redis-server on the PATH (it starts its own)")
        return 2
    sys.path.insert(0, str(BASE_DIR))
    # Stopped from outside (a timeout, Ctrl-C, a cancelled CI job): clean up all the same.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    report = run(args.n, args.clients, args.workers, server, args.keep)
    checks = report["checks"]
    print(json.dumps(report, indent=2, ensure_ascii=False))
    passed = all(value == 0 for value in checks.values()) and (
        report["time to quiesce s"] is not None
    )
    print()
    for name, value in checks.items():
        print(f"  {name:<22}{value:>8}   {'ok' if value == 0 else 'FAILED'}")
    quiesce = report["time to quiesce s"]
    print(f"  {'time to quiesce':<22}{quiesce if quiesce is not None else 'never':>8} s")
    print(f"\nchaos: {'passed' if passed else 'FAILED'}")
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2, ensure_ascii=False))
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
