"""The `warroom` command: every operation of the platform from a terminal.

Commands that need the database set Django up on first use; the analyst's and the
twin's commands run without it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table as RichTable

from warroom.beds.cli import app as beds_app
from warroom.core import cli as core_cli
from warroom.core.context import SYSTEM
from warroom.series.cli import app as series_app
from warroom.twin.cli import app as twin_app

console, err = core_cli.console, core_cli.err
_django, _migrate, _fail, _progress = (
    core_cli.django_setup,
    core_cli.migrate_db,
    core_cli.fail,
    core_cli.progress,
)

app = typer.Typer(
    help="warroom 疫情防控指挥平台 / the command platform of a city's epidemic response.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)
areas_app = typer.Typer(
    help="区划树 / The area tree: load, import, template.", no_args_is_help=True
)
token_app = typer.Typer(help="接口令牌 / API tokens for machine clients.", no_args_is_help=True)
audit_app = typer.Typer(help="审计日志 / The audit log.", no_args_is_help=True)
app.add_typer(areas_app, name="areas")
app.add_typer(
    series_app,
    name="analyze",
    help="分析已发布的日报序列 / Analyse a published daily series (no database).",
)
app.add_typer(
    twin_app,
    name="twin",
    help="孪生城市：合成城市与疫情模拟 / The digital twin: a synthetic city and its outbreak.",
)
app.add_typer(token_app, name="token")
app.add_typer(beds_app, name="beds")
app.add_typer(audit_app, name="audit")


def _mount_apps() -> None:
    from warroom.communities.cli import certify, communities_app
    from warroom.tasks.cli import app as tasks_app

    app.add_typer(tasks_app, name="tasks")
    from warroom.supervision.cli import app as supervision_app

    app.add_typer(supervision_app, name="supervision")
    app.add_typer(communities_app, name="communities")
    app.command("certify", help="无疫情创建：重新计算认定 / Epidemic-free certification.")(certify)

    from warroom.economy.cli import app as zones_app

    app.add_typer(zones_app, name="zones")

    from warroom.cases.cli import cases_app, clearance, surveillance_app
    from warroom.dispatch.cli import app as dispatch_app

    app.add_typer(dispatch_app, name="dispatch")

    from warroom.supplies.cli import app as supplies_app
    from warroom.supplies.cli import waste_app

    app.add_typer(supplies_app, name="supplies")
    app.add_typer(waste_app, name="waste")

    app.add_typer(cases_app, name="cases")
    app.add_typer(surveillance_app, name="surveillance")
    app.command(
        "clearance", help="日清日结：计算各区域积压 / Daily clearance: compute every backlog."
    )(clearance)

    from warroom.appeals.cli import app as appeals_app

    app.add_typer(appeals_app, name="appeals")

    from warroom.situation.cli import brief, import_series

    app.command("brief", help="每日动态通报 / The day's briefing as PDF, Word or HTML.")(brief)
    app.command(
        "import-series",
        help="导入公开日报序列并分析 / Import a published daily series and analyse it.",
    )(import_series)


_mount_apps()

DEMO_PASSWORD = "warroom-demo"  # noqa: S105 - printed for the local demo, never a default elsewhere


@app.command(help="初始化或升级数据库 / Create or upgrade the database.")
def migrate() -> None:
    _django()
    _migrate()
    console.print("[green]database is up to date[/green]")


@areas_app.command("load-demo", help="载入示范城市（武汉）/ Load the demo city (Wuhan).")
def areas_load_demo(
    seed: Annotated[int | None, typer.Option(help="随机种子 / seed")] = None,
) -> None:
    _django()
    _migrate()
    from warroom.geo.services import do_load_demo_city

    result = do_load_demo_city(seed=seed)
    _print_import(result)


@areas_app.command("import", help="从CSV/Excel导入区划 / Import areas from a CSV or Excel file.")
def areas_import(file: Path) -> None:
    _django()
    _migrate()
    from warroom.geo.services import do_import_areas

    _print_import(core_cli.run_import(file, lambda t: do_import_areas(t, actor=SYSTEM)))


@areas_app.command("template", help="下载导入模板 / Write the Excel template for area imports.")
def areas_template(
    out: Annotated[Path, typer.Argument(help="输出文件 / output file")] = Path(
        "areas-template.xlsx"
    ),
) -> None:
    from warroom.tables import write_template

    _django()
    from warroom.geo.services import AREA_COLUMNS

    write_template(out, AREA_COLUMNS, sheet="areas")
    console.print(f"template written to {out}")


def _print_import(result: Any) -> None:
    core_cli.print_imported(
        result, f"{result.rows} rows: {result.created} created, {result.updated} updated"
    )


@app.command(help="创建用户 / Create a user bound to an area.")
def createuser(
    username: str,
    role: Annotated[str, typer.Option(help="角色 / role, e.g. district_officer")],
    area: Annotated[str, typer.Option(help="辖区编码 / area code, e.g. 420102")],
    password: Annotated[
        str,
        typer.Option(
            prompt=True, hide_input=True, confirmation_prompt=True, help="密码 / password"
        ),
    ],
    email: str = "",
    name: Annotated[str, typer.Option(help="姓名 / full name")] = "",
) -> None:
    _django()
    from warroom.accounts.services import do_create_user
    from warroom.core.errors import WarroomError

    try:
        user = do_create_user(
            username,
            role=role,
            area_code=area,
            password=password,
            actor=SYSTEM,
            email=email,
            full_name=name,
        )
    except WarroomError as exc:
        raise _fail(exc.message) from None
    console.print(
        f"[green]created[/green] {user.username} ({user.get_role_display()}, {user.area})"
    )


@token_app.command("create", help="为用户创建接口令牌 / Create an API token for a user.")
def token_create(
    username: str,
    name: Annotated[str, typer.Option(help="用途 / what the token is for")] = "api",
    days: Annotated[int | None, typer.Option(help="有效天数 / days valid")] = None,
) -> None:
    _django()
    from warroom.accounts.models import User
    from warroom.accounts.services import do_create_token

    user = User.objects.filter(username=username).first()
    if user is None:
        raise _fail(f"no user {username!r}")
    _, secret = do_create_token(user, name=name, actor=SYSTEM, days=days)
    console.print("token (shown once, keep it secret):")
    print(secret)


@token_app.command("revoke", help="吊销令牌 / Revoke a token by its key id.")
def token_revoke(key_id: str) -> None:
    _django()
    from warroom.accounts.models import ApiToken
    from warroom.accounts.services import do_revoke_token

    token = ApiToken.objects.filter(key_id=key_id).first()
    if token is None:
        raise _fail(f"no token {key_id!r}")
    do_revoke_token(token, actor=SYSTEM)
    console.print(f"revoked {token}")


@audit_app.command("verify", help="校验审计链 / Verify the audit log's chain and anchors.")
def audit_verify(
    anchors: Annotated[
        Path | None,
        typer.Option(
            "--anchors",
            help="锚点文件 / anchor file (default: WARROOM_AUDIT_ANCHOR_FILE when it exists)",
        ),
    ] = None,
) -> None:
    _django()
    from warroom.audit.anchors import anchor_file
    from warroom.audit.models import AuditEntry
    from warroom.audit.services import verify_chain

    if anchors is None and anchor_file().exists():
        anchors = anchor_file()
    if anchors is not None and not anchors.exists():
        raise _fail(f"--anchors {anchors}: no such file")
    total = AuditEntry.objects.count()
    with _progress() as progress:
        task = progress.add_task("verifying", total=total)
        result = verify_chain(progress=lambda: progress.advance(task), anchors=anchors)
    if result.ok:
        console.print(
            f"[green]the audit log is intact[/green]: {result.checked} entries, "
            f"head {result.head_seq} {result.head_hash}, "
            + (f"{result.anchors} anchors in {anchors}" if anchors else "no anchor file")
        )
        return
    for problem in result.problems:
        err.print(f"[red]✗[/red] {problem}")
    raise typer.Exit(1)


@audit_app.command("anchor", help="写入锚点 / Append the chain's head to the anchor file now.")
def audit_anchor() -> None:
    _django()

    from warroom.audit.anchors import anchor_file, do_write_anchor
    from warroom.core.today import wall_today

    anchor = do_write_anchor(wall_today())
    console.print(f"anchored {anchor.short} in {anchor_file()}")


@audit_app.command(
    "rotate-key", help="轮换密钥 / Add a new audit key to the key file (the old ones stay)."
)
def audit_rotate_key(
    file: Annotated[
        Path | None, typer.Option("--file", help="密钥文件 / key file (default: settings)")
    ] = None,
) -> None:
    # No Django: in production the settings refuse to start until this file exists.
    from warroom.audit.keys import append_new_key
    from warroom.core.env import env_path

    if os.environ.get("WARROOM_AUDIT_KEY"):
        raise _fail(
            "WARROOM_AUDIT_KEY is set: rotate by moving it to WARROOM_AUDIT_OLD_KEYS "
            "and setting a new WARROOM_AUDIT_KEY (docs/security.md)"
        )
    data_dir = env_path("WARROOM_DATA_DIR", Path.cwd() / "var")
    path = file or env_path("WARROOM_AUDIT_KEY_FILE", data_dir / "audit.key")
    key = append_new_key(path)
    console.print(f"new audit key {key.key_id} appended to {path} (mode 0600); earlier keys kept")


@app.command(help="每日循环：按依赖顺序重算当日结果 / The daily cycle: recompute the day.")
def daily(
    date: Annotated[
        str | None, typer.Option("--date", help="日期 YYYY-MM-DD / day (default: today)")
    ] = None,
    force: Annotated[bool, typer.Option(help="全部重算 / recompute steps already done")] = False,
    only: Annotated[
        list[str] | None, typer.Option(help="只运行这些步骤 / run only these steps")
    ] = None,
    watch: Annotated[
        bool,
        typer.Option(
            "--watch",
            help="常驻：每天截止时间自动运行 / stay running: run each day's cycle at the "
            "cut-off (WARROOM_CLEARANCE_CUTOFF)",
        ),
    ] = False,
) -> None:
    import datetime as dt

    _django()
    _migrate()
    from django.conf import settings

    from warroom.core.daily import watch as watch_cutoffs
    from warroom.core.today import today as platform_today

    if watch:
        cutoff = settings.WARROOM_CLEARANCE_CUTOFF
        console.print(f"daily cycle scheduled at the cut-off {cutoff} (Ctrl+C to stop)")

        def run(day: dt.date) -> None:
            # A failure is reported; the next cut-off (or `warroom daily --date`) resumes it.
            with contextlib.suppress(typer.Exit):
                _daily_once(day, force=force, only=only)

        watch_cutoffs(run, cutoff=cutoff)
        return
    try:
        day = dt.date.fromisoformat(date) if date else platform_today()
    except ValueError:
        raise _fail(f"--date {date!r} is not a date (YYYY-MM-DD)") from None
    _daily_once(day, force=force, only=only)


def _daily_once(day: Any, *, force: bool, only: list[str] | None) -> None:
    from warroom.core.daily import CycleFailed, ordered_steps, run_daily_cycle

    steps = ordered_steps(only)
    with _progress() as progress:
        task = progress.add_task(f"daily cycle {day}", total=len(steps))

        def on_step(step: Any, state: str) -> None:
            progress.update(task, description=f"{day} · {step.label} · {state}")
            if state in ("done", "skipped"):
                progress.advance(task)

        try:
            report = run_daily_cycle(day, force=force, only=only, on_step=on_step)
        except CycleFailed as exc:
            raise _fail(exc.message, 1) from None
    table = RichTable(title=f"每日循环 / daily cycle {day}")
    for column in ("step", "seconds", "result"):
        table.add_column(column)
    for name, seconds, summary in report.ran:
        table.add_row(name, f"{seconds:.2f}", summary)
    for name in report.skipped:
        table.add_row(name, "—", "already done (use --force to recompute)")
    console.print(table)


@app.command(help="启动网页服务 / Serve the platform (web UI and API).")
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    threads: Annotated[int, typer.Option(help="工作线程 / worker threads")] = 8,
    worker: Annotated[
        bool,
        typer.Option(
            help="同时启动后台任务进程 / start a job worker process beside the web server"
        ),
    ] = True,
) -> None:
    _django()
    _migrate()
    from waitress import serve as waitress_serve

    from warroom.wsgi import application

    # A SIGTERM (a service manager's stop, `kill`) stops the server as Ctrl+C does, through
    # the ``finally`` below that stops its worker: by default it ended this process alone,
    # and the worker went on without it (feeding the demo's outbreak for as long as the
    # feed job lasted, minutes; or idle for ever).
    on_main = threading.current_thread() is threading.main_thread()  # (signals: main only)
    # A stop that comes while the worker starts (before ``process`` is set) would leave it
    # unstopped here: the worker also watches this process and stops when it is gone.
    before = signal.signal(signal.SIGTERM, _stop_serving) if on_main else None
    process = None
    try:
        process = _start_worker_process() if worker else None
        console.print(f"serving on [bold]http://{host}:{port}/[/bold]  (Ctrl+C to stop)")
        waitress_serve(application, host=host, port=port, threads=threads, ident="warroom")
    finally:
        if on_main:
            signal.signal(signal.SIGTERM, before)
        if process is not None:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


def _stop_serving(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # as Ctrl+C: the server's loop ends and its finally runs


def _start_worker_process() -> subprocess.Popen[bytes]:
    """The job worker beside the web server: its own process, never a thread of the web
    process, so a job survives a request's crash and a crashed worker loses no job."""
    command = [sys.executable, "-c", "from warroom.cli import main; main()", "worker"]
    command += ["--parent", str(os.getpid())]  # it stops when this process is gone
    return subprocess.Popen(command)  # noqa: S603 (our own interpreter and module)


@app.command(
    help="后台任务进程：认领并运行队列中的任务 / The job worker: claim and run queued jobs "
    "(imports of large files, series imports, exports). Run several, on any machine."
)
def worker(
    burst: Annotated[
        bool, typer.Option("--burst", help="队列空即退出 / exit when the queue is empty")
    ] = False,
    poll: Annotated[float, typer.Option(help="空闲轮询间隔（秒）/ idle poll, seconds")] = 1.0,
    parent: Annotated[
        int | None,
        typer.Option(hidden=True, help="stop when this process (the server) is gone"),
    ] = None,
) -> None:
    stop = threading.Event()

    def on_signal(signum: int, frame: object) -> None:  # finish the job in hand, then stop
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    if parent is not None:
        threading.Thread(target=_watch_parent, args=(parent, stop), daemon=True).start()
    _django()
    from warroom.core.jobs import work, worker_name

    console.print(f"worker {worker_name()} waiting for jobs")

    def on_job(job: object) -> None:
        console.print(str(job))

    count = work(burst=burst, poll=poll, stop=stop, on_job=on_job)
    console.print(f"worker {worker_name()}: {count} job(s) run")


def _watch_parent(parent: int, stop: threading.Event, grace: float = 30.0) -> None:
    """A worker started by ``serve`` stops when its server is gone, however it went (a
    stop while the worker was starting, ``kill -9``): as the server's own stop does, it
    finishes the job in hand, and after ``grace`` seconds it ends (a job's lease lets
    another worker take that job up again)."""
    while os.getppid() == parent:  # (a daemon thread: it ends with the worker)
        time.sleep(0.5)
    err.print(f"worker: its server (process {parent}) is gone: stopping")
    stop.set()
    threading.main_thread().join(grace)
    os._exit(1)  # (reached only if the job in hand outlasted the grace)


DEMO_USERS = [
    # username, role, area code, what they show
    ("hq", "hq_leader", "4201"),
    ("analyst", "analyst", "4201"),
    ("dispatcher", "dispatcher", "4201"),
    ("district", "district_officer", "420102"),
    ("district2", "district_officer", "420106"),
    ("street", "street_officer", "420102002"),
    ("community", "community_worker", "420102002001"),
    ("grid", "grid_worker", "420102002001001"),
    ("hotline", "hotline_operator", "4201"),
    ("logistics", "logistics_officer", "4201"),
    ("supervisor", "supervisor", "4201"),
    ("auditor", "auditor", "4201"),
]


def ensure_demo_users() -> list[tuple[str, str, str]]:
    from warroom.accounts.models import User
    from warroom.accounts.services import do_create_user

    made = []
    for username, role, area in DEMO_USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = do_create_user(
                username,
                role=role,
                area_code=area,
                password=DEMO_PASSWORD,
                actor=SYSTEM,
                check_password=False,
            )
        made.append((username, str(user.get_role_display()), str(user.area)))
    return made


# The demo's default fraction of the population: the whole city (12.3 M residents; the
# seed's phase bands are Wuhan's figures, so only the whole city shows the high phase and
# the backlogs at their real size). Served within a minute, fed in the background
# (bench/bench_full_demo.py measures both); --scale 0.05 for a quick look.
DEMO_SCALE = 1.0


@app.command(
    help="演示：建库、载入示范城市、运行孪生城市疫情并启动服务 / The demo: build, load, "
    "run the twin's outbreak through the platform, serve."
)
def demo(
    host: str = "127.0.0.1",
    port: int = 8000,
    no_serve: Annotated[
        bool, typer.Option("--no-serve", help="只准备不启动 / prepare only")
    ] = False,
    scale: Annotated[
        float, typer.Option(help="模拟人口比例 / fraction of the population simulated")
    ] = DEMO_SCALE,
    days: Annotated[int | None, typer.Option(help="模拟天数 / days simulated")] = None,
    outbreak: Annotated[
        bool, typer.Option(help="运行孪生城市疫情 / run the twin's outbreak into the platform")
    ] = True,
    line_lists: Annotated[
        bool,
        typer.Option(help="逐人上报（否则只报日报）/ feed the line lists, not only the reports"),
    ] = True,
    dispatch: Annotated[
        bool,
        typer.Option(
            help="平台调度床位（否则由孪生城市自行收治）/ the platform's dispatch places the "
            "waiting (else the twin's own policy); needs --line-lists"
        ),
    ] = True,
) -> None:
    _django()
    if not 0 < scale <= 1:
        raise _fail("--scale is a fraction of the population: 0 < scale <= 1")
    from warroom.accounts.models import User
    from warroom.geo.services import do_load_demo_city

    with _progress() as progress:
        task = progress.add_task("准备演示 / preparing the demo", total=5)
        progress.update(task, description="数据库 / database")
        _migrate()
        progress.advance(task)
        progress.update(task, description="示范城市 / demo city")
        do_load_demo_city()
        progress.advance(task)
        progress.update(task, description="示范设施 / demo facilities")
        from warroom.beds.imports import do_load_demo_facilities
        from warroom.core.errors import WarroomError

        try:
            do_load_demo_facilities(scale=scale)
        except WarroomError as exc:  # loaded before at another scale: keep them
            err.print(
                f"[yellow]{exc.message}: keeping the facilities already loaded (their beds "
                f"may differ from the twin's at --scale {scale:g})[/yellow]"
            )
        progress.advance(task)
        progress.update(task, description="演示账号 / demo users")
        users = ensure_demo_users()
        progress.advance(task)
        progress.update(task, description="特殊场所 / special places")
        from warroom.demo.supervision import seed_special_places

        seed_special_places(actor=User.objects.get(username="hq"))
        progress.advance(task)
    if outbreak:
        # The outbreak goes in as a job on the queue (warroom/demo/jobs.py): served, the
        # worker beside the web server feeds it day by day while the pages follow;
        # --no-serve runs the same job here, to the end.
        from warroom.core.models import Job
        from warroom.demo.jobs import enqueue_feed, run_here

        hq = User.objects.get(username="hq")
        found = enqueue_feed(
            actor=hq, scale=scale, days=days, line_lists=line_lists, dispatch=dispatch
        )
        if no_serve:
            found = run_here(found, out=sys.stdout, bar=None)
            if found.status != Job.Status.DONE:
                raise _fail(f"the demo's feed failed: {found.error}", code=1)
            r = found.result or {}
            seconds = r.get("seconds", {})
            console.print(
                f"fed {r.get('days')} days ({r.get('first_day')} .. {r.get('last_day')}) at "
                f"scale {scale:g}: {r.get('people', 0):,} people, "
                f"{r.get('samples', 0):,} samples, {r.get('results', 0):,} results, "
                f"{r.get('admissions', 0):,} admissions (simulation "
                f"{seconds.get('simulation', 0):.0f} s, ingest {seconds.get('ingest', 0):.0f} s, "
                f"daily cycle {seconds.get('cycle', 0):.0f} s; peak memory "
                f"{r.get('peak_rss_gb', 0)} GB)"
            )
        else:
            console.print(
                f"the outbreak (scale {scale:g}) is fed day by day in the background: "
                f"job {found.pk}, its progress at http://{host}:{port}/jobs/{found.pk}/"
            )
    table = RichTable(title=f"演示账号 / demo users (password: {DEMO_PASSWORD})")
    for column in ("username", "role", "area"):
        table.add_column(column)
    for row in users:
        table.add_row(*row)
    console.print(table)
    if no_serve:
        return
    console.print(
        f"sign in at [bold]http://{host}:{port}/[/bold] as [bold]hq[/bold] / {DEMO_PASSWORD}"
    )
    serve(host=host, port=port, threads=8)


@app.command(
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
    help="Django管理命令 / Run a Django management command (e.g. `warroom manage shell`).",
)
def manage(ctx: typer.Context) -> None:
    _django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["warroom manage", *ctx.args])


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
