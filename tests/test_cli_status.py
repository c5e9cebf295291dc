"""``corridor report`` and ``corridor user``: thin wrappers over geo.bulletin and geo.users."""
from __future__ import annotations

from datetime import date

from click.testing import CliRunner
from openpyxl import load_workbook

from geo.plan import load_plan
from geo.records import add_report
from geo.store import open_store
from geo.target_plan import load_target_plan
from geo.target_records import add_actual
from geo.users import authenticate
from test_bulletin import write_tiny_targets
from web.cli import main


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
    assert short.exit_code == 2 and "password: expected 8 to 1024 characters" in short.output
    listed = runner.invoke(main, ["user", "list", "--database-url", url])
    assert listed.output.startswith("王五\teditor\t")
    store = open_store(url)
    assert authenticate(store, "王五", "a good password").role == "editor"
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
    assert result.output.splitlines()[-1].startswith(f"park targets (2021Q2): {len(cells)} cells — green 1, "
                                                     f"yellow 0, red 0, grey ")


def test_report_needs_the_targets_files(tmp_path, write_layers):
    result = CliRunner().invoke(main, ["report", "--quarter", "2021Q2", "--out", str(tmp_path / "q.csv"),
                                       "--data-dir", str(write_layers()), "--database-url",
                                       f"sqlite:///{tmp_path / 's.sqlite3'}"])
    assert result.exit_code == 2 and "parks.geojson" in result.output


def test_report_errors_name_the_option(tmp_path, write_layers):
    args = ["--data-dir", str(write_tiny_targets(write_layers())), "--database-url",
            f"sqlite:///{tmp_path / 's.sqlite3'}"]
    bad_quarter = CliRunner().invoke(main, ["report", "--quarter", "2021-2", "--out", str(tmp_path / "a.csv"), *args])
    assert bad_quarter.exit_code == 2 and "quarter: expected a year" in bad_quarter.output
    bad_out = CliRunner().invoke(main, ["report", "--quarter", "2021Q2", "--out", str(tmp_path / "a.html"), *args])
    assert bad_out.exit_code == 2 and "--out: expected a file name ending in .csv or .xlsx" in bad_out.output
