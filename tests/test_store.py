"""The status database itself: URLs, SQLite settings, migrations, the version check and the audit helper."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext

from geo.status import models
from geo.errors import CorridorError, DatabaseMissing, EditConflict, InvalidParameter
from geo.status.store import (
    MIGRATIONS_DIR, as_utc, bump_version, database_url as resolve_url, open_store, record_audit, upgrade_database,
    utc_now,
)



def test_default_url_is_a_sqlite_file_in_the_instance_folder(tmp_path):
    url = resolve_url(instance_path=tmp_path / "instance")
    assert url == f"sqlite:///{tmp_path / 'instance' / 'corridor.sqlite3'}"
    assert (tmp_path / "instance").is_dir()


@pytest.mark.parametrize(("configured", "expected"), [
    ("postgresql://u:p@db/corridor", "postgresql+psycopg://u:p@db/corridor"),
    ("postgres://u:p@db/corridor", "postgresql+psycopg://u:p@db/corridor"),
    ("postgresql+psycopg://u@db/c", "postgresql+psycopg://u@db/c"),
    ("sqlite:////srv/c.sqlite3", "sqlite:////srv/c.sqlite3"),
])
def test_configured_url_wins_and_postgres_means_psycopg(tmp_path, configured, expected):
    assert resolve_url(instance_path=tmp_path, configured=configured) == expected


def test_other_databases_are_refused_naming_the_variable(tmp_path):
    with pytest.raises(InvalidParameter, match="CORRIDOR_DATABASE_URL: expected a sqlite:/// or postgresql://"):
        resolve_url(instance_path=tmp_path, configured="mysql://u@h/db")


def test_sqlite_runs_in_wal_mode_with_foreign_keys_enforced(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 's.sqlite3'}")
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    with pytest.raises(sa.exc.IntegrityError, match="FOREIGN KEY"), store.write() as session:
        session.execute(sa.insert(models.CheckEvent).values(item_id="B99", action="close", note="x",
                                                            effective_on=sa.func.current_date(), actor="a",
                                                            created_at=sa.func.current_timestamp()))
    store.close()


def _schema_differences(store) -> tuple[list, str]:
    """What the database lacks or has beyond the models (autogenerate's comparison), and its revision."""
    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return (compare_metadata(context, models.Base.metadata),
                connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar())


def test_migrations_create_exactly_the_models_schema(store):
    assert _schema_differences(store) == ([], "0005")


def _migrate(store, direction, revision: str) -> None:
    config = Config(str(MIGRATIONS_DIR / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with store.engine.begin() as connection:
        config.attributes["connection"] = connection
        direction(config, revision)


def _missing(differences: list) -> set[str]:
    """What autogenerate would add: table and index names, ``table.column`` for columns, constraint names."""
    names = set()
    for difference in differences:
        kind = difference[0]
        if isinstance(kind, tuple):  # changes of one column come as a list of tuples
            continue
        if kind == "add_column":
            names.add(f"{difference[2]}.{difference[3].name}")
        elif kind.startswith("add_"):
            names.add(difference[1].name)
    return names


def test_each_revision_downgrades_and_upgrades_again(store):
    _migrate(store, command.downgrade, "0004")
    differences, revision = _schema_differences(store)
    assert revision == "0004"
    added_by_0005 = {"saved_tours", "tour_checkins", "ix_tour_checkins_tour_id", "tour_photos",
                     "ix_tour_photos_tour_id"}
    assert _missing(differences) == added_by_0005
    _migrate(store, command.downgrade, "0003")
    differences, revision = _schema_differences(store)
    assert revision == "0003"
    added_by_0004 = {"geometry_versions.source", "geometry_versions.restored_from"}
    assert _missing(differences) == added_by_0004 | added_by_0005
    _migrate(store, command.downgrade, "0002")
    differences, revision = _schema_differences(store)
    assert revision == "0002"
    added_by_0003 = {"user_sessions", "ix_user_sessions_user_id", "login_counters", "ix_login_counters_window_start",
                     "users.name_key", "users.active", "uq_users_name_key"}
    assert _missing(differences) == added_by_0003 | added_by_0004 | added_by_0005
    _migrate(store, command.downgrade, "0001")
    differences, revision = _schema_differences(store)
    assert revision == "0001"
    assert _missing(differences) == (added_by_0003 | added_by_0004 | added_by_0005
                                     | {"target_actuals", "ix_target_actuals_latest"})
    _migrate(store, command.downgrade, "base")
    with store.engine.connect() as connection:
        assert set(sa.inspect(connection).get_table_names()) <= {"alembic_version"}
    _migrate(store, command.upgrade, "head")
    assert _schema_differences(store) == ([], "0005")


def test_geometries_stored_before_0004_become_hand_drawn_not_surveyed(store):
    _migrate(store, command.downgrade, "0003")
    now = utc_now()
    with store.engine.begin() as connection:
        connection.execute(sa.text("INSERT INTO items (item_id, version, updated_at) VALUES ('B01', 1, :now)"),
                           {"now": now})
        connection.execute(sa.text("INSERT INTO geometry_versions (item_id, version, geometry, author, created_at) "
                                   "VALUES ('B01', 1, :geometry, '张三', :now)"),
                           {"geometry": '{"type": "Point", "coordinates": [120.7, 27.9]}', "now": now})
    _migrate(store, command.upgrade, "head")
    with store.read() as session:
        row = session.scalar(sa.select(models.GeometryVersion))
    assert (row.source, row.restored_from, row.author) == ("hand_drawn", None, "张三")
    with pytest.raises(sa.exc.IntegrityError), store.write() as session:
        session.execute(sa.update(models.GeometryVersion).values(source="survey"))


def test_upgrading_twice_changes_nothing(database_url):
    open_store(database_url).close()
    again = open_store(database_url)
    with again.read() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(models.Item)) == 0
    again.close()


def test_the_database_refuses_out_of_range_values_too(store):
    with pytest.raises(sa.exc.IntegrityError), store.write() as session:
        bump_version(session, "B01", 0)
        session.add(models.ProgressReport(item_id="B01", percent=101, state="进行中", note="", reporter="a",
                                          reported_on=sa.func.current_date(), created_at=sa.func.now()))
    with store.read() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(models.Item)) == 0  # rolled back


def test_version_check_moves_one_step_and_refuses_stale_versions(store):
    with store.write() as session:
        assert bump_version(session, "B01", 0) == 1
    with store.write() as session:
        assert bump_version(session, "B01", 1) == 2
    for stale in (0, 1, 5):
        with pytest.raises(EditConflict, match=f"based on version {stale}, it is now at version 2") as info:
            with store.write() as session:
                bump_version(session, "B01", stale)
        assert isinstance(info.value, RuntimeError) and isinstance(info.value, CorridorError)
        assert (info.value.item_id, info.value.expected, info.value.actual) == ("B01", stale, 2)
    with pytest.raises(InvalidParameter, match="expected_version: expected a whole number ≥ 0"):
        with store.write() as session:
            bump_version(session, "B01", -1)


def test_concurrent_version_bumps_let_exactly_one_writer_win(store):
    with store.write() as session:
        bump_version(session, "R01", 0)
    writers = 6
    barrier = threading.Barrier(writers)
    outcomes: list[str] = []

    def write() -> None:
        barrier.wait()
        try:
            with store.write() as session:
                bump_version(session, "R01", 1)
                record_audit(session, actor="t", action="test", item_id="R01", details={})
            outcomes.append("won")
        except EditConflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=write) for _ in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["conflict"] * (writers - 1) + ["won"]
    with store.read() as session:
        assert session.get(models.Item, "R01").version == 2
        assert session.scalar(sa.select(sa.func.count()).select_from(models.AuditEntry)) == 1


def test_audit_entries_commit_or_roll_back_with_the_change(store):
    with pytest.raises(RuntimeError, match="boom"), store.write() as session:
        record_audit(session, actor="a", action="x", item_id=None, details={"k": "值"})
        raise RuntimeError("boom")
    with store.write() as session:
        record_audit(session, actor="a", action="y", item_id="B01", details={"k": "值"})
    with store.read() as session:
        entries = session.scalars(sa.select(models.AuditEntry)).all()
    assert [(e.action, e.details) for e in entries] == [("y", {"k": "值"})]


def test_timestamps_are_aware_utc_even_where_sqlite_returns_naive_ones():
    assert utc_now().tzinfo is timezone.utc
    assert as_utc(datetime(2021, 1, 1, 8)) == datetime(2021, 1, 1, 8, tzinfo=timezone.utc)
    assert as_utc(datetime(2021, 1, 1, 16, tzinfo=timezone(timedelta(hours=8)))) == datetime(2021, 1, 1, 8,
                                                                                          tzinfo=timezone.utc)


def test_upgrading_to_0003_keys_names_and_disables_later_ones_differing_only_in_case(database_url):
    store = open_store(database_url, upgrade=False)
    upgrade_database(store.engine, revision="0002")
    users = sa.table("users", sa.column("name"), sa.column("role"), sa.column("password_hash"),
                     sa.column("created_at"))
    with store.engine.begin() as connection:
        connection.execute(sa.insert(users), [{"name": name, "role": "editor", "password_hash": "x",
                                               "created_at": utc_now()} for name in ("Admin1", "admin1", "Ｗａｎｇ")])
    upgrade_database(store.engine)
    with store.read() as session:
        rows = session.execute(sa.select(models.User.name, models.User.name_key, models.User.active)
                               .order_by(models.User.id)).all()
    assert [tuple(row) for row in rows] == [("Admin1", "admin1", True), ("admin1", "#2", False),
                                            ("Ｗａｎｇ", "wang", True)]
    store.close()


def test_open_store_creates_a_missing_sqlite_file_only_when_asked(tmp_path):
    url = f"sqlite:///{tmp_path / 'status.sqlite3'}"
    with pytest.raises(DatabaseMissing, match=r"status\.sqlite3 does not exist; restore a backup into it"):
        open_store(url, create=False)
    assert not (tmp_path / "status.sqlite3").exists()
    open_store(url).close()
    open_store(url, create=False).close()  # now it exists


def test_a_version_step_moves_only_its_own_item_and_refuses_what_is_not_a_version(store):
    for item_id in ("B01", "R01"):
        with store.write() as session:
            bump_version(session, item_id, 0)
    with store.read() as session:
        before = session.scalar(sa.select(models.Item.updated_at).where(models.Item.item_id == "B01"))
    with store.write() as session:
        assert bump_version(session, "B01", 1) == 2  # R01 is at version 1 too: it must not move
    with store.read() as session:
        versions = dict(session.execute(sa.select(models.Item.item_id, models.Item.version)).all())
        after = session.scalar(sa.select(models.Item.updated_at).where(models.Item.item_id == "B01"))
    assert versions == {"B01": 2, "R01": 1} and as_utc(after) > as_utc(before)
    with pytest.raises(EditConflict) as info:
        with store.write() as session:
            bump_version(session, "E01", 1)  # never edited: at version 0
    assert (info.value.expected, info.value.actual) == (1, 0)
    for not_a_version in (True, 1.0, "1"):
        with pytest.raises(InvalidParameter, match="expected_version: expected a whole number"):
            with store.write() as session:
                bump_version(session, "B01", not_a_version)
