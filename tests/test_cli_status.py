"""``corridor report`` and ``corridor user``: thin wrappers over geo.bulletins.bulletin and geo.accounts.users."""
from __future__ import annotations

import csv
import json
import logging
import socket
import traceback
import zipfile
from datetime import date
from pathlib import Path

import sqlalchemy as sa
from click.testing import CliRunner
from openpyxl import load_workbook

from geo.plan.layers import load_plan
from geo.status.records import add_report
from geo.status.store import open_store
from geo.plan.target_plan import load_target_plan
from geo.status.target_records import add_actual
from geo.accounts.users import add_user, authenticate
from test_bulletin import write_tiny_targets
from test_observability import keep_root_logging  # noqa: F401
from web.cli.main import main
from web.core.instance import record_database


def test_user_add_reads_the_password_from_stdin_and_refuses_duplicates(tmp_path):
    url = f"sqlite:///{tmp_path / 's.sqlite3'}"
    runner = CliRunner()
    result = runner.invoke(main, ["user", "add", "王五", "--role", "editor", "--database-url", url],
                           input="a good password\n")
    assert result.exit_code == 0, result.output
    assert "added user 王五 (editor)" in result.output
    again = runner.invoke(main, ["user", "add", "王五", "--role", "admin", "--password", "another one"],
                          env={"CORRIDOR_DATABASE_URL": url})
    assert again.exit_code == 2 and "name: a user named '王五' exists already" in again.output
    short = runner.invoke(main, ["user", "add", "li", "--role", "viewer", "--password", "x", "--database-url", url])
    assert short.exit_code == 2 and "password: expected at least 10 characters, got 1" in short.output
    common = runner.invoke(main, ["user", "add", "li", "--role", "viewer", "--password", "1234567890",
                                  "--database-url", url])
    assert common.exit_code == 2 and "password: is one of the most common passwords" in common.output
    for taken in ("王五", "ＬＩ", " li "):  # NFKC and case: ＬＩ is LI is li
        runner.invoke(main, ["user", "add", "li", "--role", "viewer", "--password", "a good password",
                             "--database-url", url])
        clash = runner.invoke(main, ["user", "add", taken, "--role", "viewer", "--password", "a good password",
                                     "--database-url", url])
        assert clash.exit_code == 2 and "exists already (names are compared ignoring case)" in clash.output
    odd = runner.invoke(main, ["user", "add", "--role", "viewer", "--password", "a good password",
                               "--database-url", url, "--", "-li"])
    assert odd.exit_code == 2 and "name: expected 1–64 ASCII letters" in odd.output
    listed = runner.invoke(main, ["user", "list", "--database-url", url])
    assert listed.output.startswith("li\tviewer\t") and "王五\teditor\t" in listed.output
    store = open_store(url)
    assert authenticate(store, "王五", "a good password").role == "editor"
    store.close()


def test_user_password_and_disable_end_the_users_sessions(tmp_path):
    from geo.accounts.sessions import SessionPolicy, session_user_id, start_session
    from geo.status.store import utc_now
    from geo.accounts.users import add_user

    url = f"sqlite:///{tmp_path / 's.sqlite3'}"
    store, policy, runner = open_store(url), SessionPolicy(), CliRunner()
    user = add_user(store, "li", role="editor", password="first password", actor="test")
    token = start_session(store, user.id, policy=policy, now=utc_now())
    weak = runner.invoke(main, ["user", "password", "li", "--database-url", url], input="password1\n")
    assert weak.exit_code == 2 and "password: expected at least 10 characters" in weak.output
    changed = runner.invoke(main, ["user", "password", "LI", "--database-url", url], input="second password\n")
    assert changed.exit_code == 0 and "new password set for li; their sessions have ended" in changed.output
    assert session_user_id(store, token, policy=policy, now=utc_now()) is None
    assert authenticate(store, "li", "second password") is not None
    token = start_session(store, user.id, policy=policy, now=utc_now())
    disabled = runner.invoke(main, ["user", "disable", "li", "--database-url", url])
    assert disabled.exit_code == 0 and "li disabled; their sessions have ended" in disabled.output
    assert session_user_id(store, token, policy=policy, now=utc_now()) is None
    assert authenticate(store, "li", "second password") is None
    assert runner.invoke(main, ["user", "list", "--database-url", url]).output.rstrip().endswith("\tdisabled")
    assert runner.invoke(main, ["user", "disable", "li", "--enable", "--database-url", url]).exit_code == 0
    assert authenticate(store, "li", "second password") is not None
    store.close()


def test_report_writes_the_bulletin_from_the_database(tmp_path, write_layers):
    data_dir = write_tiny_targets(write_layers())
    targets = load_target_plan(data_dir)
    url = f"sqlite:///{tmp_path / 's.sqlite3'}"
    store = open_store(url)
    add_report(store, load_plan(data_dir), "R01", percent=10, state="进行中", reported_on="2021-06-15", reporter="张三",
               expected_version=0, today=date(2021, 7, 1))
    add_report(store, targets, "DT13-1", percent=100, state="已完成", reported_on="2021-06-15", reporter="张三",
               expected_version=0, today=date(2021, 7, 1))
    add_actual(store, targets, "A3-1", park="P1", quarter="2021Q2", value=5, reported_on="2021-07-01",
               reporter="张三", expected_version=0, today=date(2021, 7, 1))
    store.close()
    out = tmp_path / "q2.xlsx"
    result = CliRunner().invoke(main, ["report", "--quarter", "2021Q2", "--out", str(out), "--data-dir",
                                       str(data_dir), "--database-url", url])
    assert result.exit_code == 0, result.output
    n = len(targets.department_tasks)
    assert (f"2021Q2: {n + 4} items — green 1, yellow {n + 2} (unreported {n + 2}), red 1, closed 0"
            in result.output)
    workbook = load_workbook(out)
    assert [c.value for c in workbook["红色事项"][3]][1] == "R01"
    cells = [row[0].value for row in workbook["园区目标完成情况"].iter_rows(min_row=3)]
    assert "A3-1" in cells
    assert result.output.splitlines()[-2].startswith(f"park targets (2021Q2): {len(cells)} cells — green 1, "
                                                     f"yellow 0, red 0, grey ")
    lagging = [row[2].value for row in workbook["滞后事项清单"].iter_rows(min_row=3)]
    assert "R01" in lagging and "DT13-1" not in lagging  # DT13-1 completed
    assert result.output.splitlines()[-1] == f"lagging: {len(lagging)} items and target cells in 10 districts"
    archive = tmp_path / "q2.zip"
    zipped = CliRunner().invoke(main, ["report", "--quarter", "2021Q2", "--out", str(archive), "--data-dir",
                                       str(data_dir), "--database-url", url])
    assert zipped.exit_code == 0, zipped.output
    assert "05-滞后事项清单.csv" in zipfile.ZipFile(archive).namelist()
    one = tmp_path / "lagging.csv"
    single = CliRunner().invoke(main, ["report", "--quarter", "2021Q2", "--out", str(one), "--table", "lagging",
                                       "--data-dir", str(data_dir), "--database-url", url])
    assert single.exit_code == 0, single.output
    rows = list(csv.reader(one.open(encoding="utf-8-sig", newline="")))
    assert rows[0][:3] == ["地区", "类别", "编号"] and len(rows) == 1 + len(lagging)


def test_report_csv_needs_one_table(tmp_path):
    runner = CliRunner()
    url = f"sqlite:///{tmp_path / 's.sqlite3'}"
    for args, message in (
            (["--out", str(tmp_path / "q.csv")], "--table: a .csv file holds one table: name it with --table"),
            (["--out", str(tmp_path / "q.csv"), "--table", "yellow"], "--table: expected one of by_colour, "),
            (["--out", str(tmp_path / "q.xlsx"), "--table", "lagging"], "--table: only a .csv file holds a single")):
        result = runner.invoke(main, ["report", "--quarter", "2021Q2", *args, "--database-url", url])
        assert result.exit_code == 2 and message in result.output, args
    assert not list(tmp_path.glob("q.*"))


def test_report_needs_the_targets_files(tmp_path, write_layers):
    result = CliRunner().invoke(main, ["report", "--quarter", "2021Q2", "--out", str(tmp_path / "q.xlsx"),
                                       "--data-dir", str(write_layers()), "--database-url",
                                       f"sqlite:///{tmp_path / 's.sqlite3'}"])
    assert result.exit_code == 2 and "parks.geojson" in result.output


def test_report_errors_name_the_option(tmp_path, write_layers):
    args = ["--data-dir", str(write_tiny_targets(write_layers())), "--database-url",
            f"sqlite:///{tmp_path / 's.sqlite3'}"]
    bad_quarter = CliRunner().invoke(main, ["report", "--quarter", "2021-2", "--out", str(tmp_path / "a.zip"), *args])
    assert bad_quarter.exit_code == 2 and "quarter: expected a year" in bad_quarter.output
    bad_out = CliRunner().invoke(main, ["report", "--quarter", "2021Q2", "--out", str(tmp_path / "a.html"), *args])
    assert bad_out.exit_code == 2 and "--out: expected a file name ending in .xlsx, .zip or .csv" in bad_out.output


HASH_PREFIXES = ("scrypt:", "pbkdf2:", "argon2", "$2b$")
SECRET_PASSWORD = "the admin's own passphrase"
TRIED_PASSWORD = "short-pw"


def _broken_backups(good: Path, folder: Path, password_hash: str) -> list[Path]:
    """Copies of the JSON backup ``good`` each broken one way: a hash as a role, a percentage of 5000, a report of
    an item the backup lacks, an impossible date, a user twice, a row of the wrong length."""
    document = json.loads(good.read_text(encoding="utf-8"))
    breaks = [("users", "role", password_hash), ("progress_reports", "percent", 5000),
              ("progress_reports", "item_id", "B99"), ("progress_reports", "reported_on", "2021-02-30"),
              ("users", None, "duplicate"), ("users", None, "short")]
    paths = []
    for number, (table, column, value) in enumerate(breaks):
        broken = json.loads(json.dumps(document))
        stored = broken["tables"][table]
        if column is not None:
            stored["rows"][0][stored["columns"].index(column)] = value
        else:
            stored["rows"].append(stored["rows"][0] if value == "duplicate" else stored["rows"][0][:2])
        paths.append(folder / f"broken-{number}.json")
        paths[-1].write_text(json.dumps(broken), encoding="utf-8")
    return paths


def _failing_commands(tmp_path: Path, url: str, password_hash: str, busy_port: int) -> list[list[str]]:
    good = tmp_path / "good.json"
    assert CliRunner().invoke(main, ["backup", "--out", str(good), "--format", "json", "--database-url",
                                     url]).exit_code == 0
    (tmp_path / "notes.txt").write_text("not a backup", encoding="utf-8")
    gone = f"sqlite:///{tmp_path / 'gone.sqlite3'}"
    record_database(tmp_path / "instance", gone)  # a database this instance has used, now missing
    at = ["--database-url", url]
    return [
        *[["restore", str(path), "--replace", *at] for path in _broken_backups(good, tmp_path, password_hash)],
        ["restore", str(good), *at],
        ["restore", str(tmp_path / "notes.txt"), "--replace", *at],
        ["restore", str(good), "--database-url", "postgresql://corridor:secret-pw@127.0.0.1:1/db"],
        ["user", "add", "王五", "--role", "admin", "--password", SECRET_PASSWORD, *at],
        ["user", "add", "李四", "--role", "viewer", "--password", TRIED_PASSWORD, *at],
        ["user", "add", "bad\x07name", "--role", "viewer", "--password", SECRET_PASSWORD, *at],
        ["user", "add", "李四", "--role", "root", "--password", SECRET_PASSWORD, *at],
        ["user", "add", "李四", "--role", "viewer", "--password", SECRET_PASSWORD, "--database-url", gone],
        ["user", "password", "王五", "--password", TRIED_PASSWORD, *at],
        ["backup", "--out", str(tmp_path / "no-such-folder" / "b.sqlite3"), *at],
        ["backup", "--out", str(tmp_path / "b.sqlite3"), "--database-url", gone],
        ["report", "--quarter", "2021Q5", "--out", str(tmp_path / "q.csv"), *at],
        ["serve", "--port", str(busy_port)],
        ["serve", "--port", str(busy_port)],  # the instance's default database, then deleted: refused
    ]


def test_no_failing_command_shows_a_password_hash_or_password(tmp_path, write_layers, monkeypatch, caplog,
                                                             keep_root_logging) -> None:  # noqa: F811
    for name in ("CORRIDOR_TILES", "CORRIDOR_DATABASE_URL", "CORRIDOR_NETWORK", "CORRIDOR_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CORRIDOR_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("CORRIDOR_DATA_DIR", str(write_layers()))
    caplog.set_level(logging.DEBUG)
    url = f"sqlite:///{tmp_path / 'status.sqlite3'}"
    store = open_store(url)
    add_user(store, "王五", role="admin", password=SECRET_PASSWORD, actor="test")
    add_report(store, load_plan(write_layers()), "B01", percent=10, state="进行中", reported_on="2021-06-15",
               reporter="王五", expected_version=0, today=date(2021, 7, 1))
    with store.read() as session:
        password_hash = session.execute(sa.text("SELECT password_hash FROM users")).scalar_one()
    store.close()
    secrets = [password_hash, password_hash.split("$")[1], SECRET_PASSWORD, TRIED_PASSWORD, "secret-pw",
               *HASH_PREFIXES]
    with socket.create_server(("127.0.0.1", 0)) as busy:
        commands = _failing_commands(tmp_path, url, password_hash, busy.getsockname()[1])
        for number, command in enumerate(commands):
            if number == len(commands) - 1:
                (tmp_path / "instance" / "corridor.sqlite3").unlink()  # made by the serve before
            caplog.clear()
            result = CliRunner().invoke(main, ["-v", *command])
            shown = result.output + caplog.text + "".join(traceback.format_exception(*result.exc_info))
            assert result.exit_code == 2 and isinstance(result.exception, SystemExit), (command, shown)
            assert "Traceback" not in result.output, (command, result.output)
            assert not [secret for secret in secrets if secret in shown], (command, shown)
