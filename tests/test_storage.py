"""Storage: connecting, migrations, the export frame, simulated respondents; on SQLite and PostgreSQL."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

import analysis
import instrument
from survey_app import create_app, flow, responses, storage, tokens
from survey_app.models import Base
from survey_app.storage import META_COLUMNS, StorageError, paradata_columns, responses_frame

# The PostgreSQL fixtures `postgres_server` and `postgres` are in conftest.py (servers in tests/servers.py).


@pytest.fixture
def sqlite(tmp_path):
    return f"sqlite:///{tmp_path / 'survey.db'}"


BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.slow)]


@pytest.fixture(params=BACKENDS)
def db(request):
    """A migrated database's Engine, on each backend."""
    engine = storage.connect(request.getfixturevalue(request.param))
    storage.upgrade(engine)
    yield engine
    engine.dispose()


def simulated(db, n=30, seed=3, **options) -> pd.DataFrame:
    data = analysis.simulate(n, seed=seed, **options)
    with storage.sessions(db).begin() as session:
        responses.store_simulated(session, instrument.load(), data, seed=seed)
    return data


# --- Connecting and migrating ---


def test_a_bad_url_gets_a_message_with_examples():
    with pytest.raises(StorageError, match=r"database URL 'survey\.db' is not a URL; use sqlite:///path/to/survey\.db"):
        storage.connect("survey.db")
    with pytest.raises(StorageError, match="database URL 'mysql://x/y': only SQLite and PostgreSQL are supported"):
        storage.connect("mysql://x/y")


def test_postgres_urls_get_the_psycopg_driver():
    assert storage.connect("postgresql://u@localhost/db").url.drivername == "postgresql+psycopg"
    assert storage.connect("postgres://u@localhost/db").url.drivername == "postgresql+psycopg"


def test_an_unreachable_database_is_one_clear_error(tmp_path):
    (tmp_path / "folder.db").mkdir()
    with pytest.raises(StorageError, match=r"cannot open database sqlite:///.*folder.db: unable to open database"):
        storage.upgrade(f"sqlite:///{tmp_path / 'folder.db'}")


def test_sqlite_runs_in_wal_mode_with_foreign_keys(sqlite):
    engine = storage.connect(sqlite)
    storage.upgrade(engine)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_migrations_build_exactly_the_models_and_run_twice_harmlessly(db):
    storage.upgrade(db)
    engine = db
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0004_admin_sessions"
    assert set(inspect(engine).get_table_names()) == {*Base.metadata.tables, "alembic_version"}


def downgrade(engine, revision: str) -> None:
    """Take a database back to an older schema, as an older socialimp made it (this code writes only the newest)."""
    with engine.begin() as connection:
        command.downgrade(storage._alembic_config(connection), revision)


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_database_of_the_first_schema_is_migrated_with_every_answer_kept(request, backend):
    engine = storage.connect(request.getfixturevalue(backend))
    storage.upgrade(engine)
    simulated(engine, n=12)
    before = responses_frame(engine)
    downgrade(engine, "0001")
    storage.upgrade(engine)
    after = responses_frame(engine)
    pd.testing.assert_frame_equal(after.drop(columns="respondent_id"), before.drop(columns="respondent_id"))
    with engine.connect() as connection:
        browser_ids = set(connection.execute(text("SELECT public_id FROM respondents")).scalars())
    # Every respondent got a new export id, unlike any the browsers hold (the old exports carried those).
    assert after.respondent_id.is_unique and not browser_ids & set(after.respondent_id)
    assert inspect(engine).get_indexes("answers") == []
    if backend == "sqlite":
        with engine.connect() as connection:
            tables = dict(connection.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'table'").all())
        assert all(tables[name].rstrip().endswith("WITHOUT ROWID") for name in ("answers", "page_timings"))
        assert "WITHOUT ROWID" not in tables["respondents"]
    engine.dispose()


# --- The export frame (survey contract) ---


def test_the_frame_has_the_contract_columns_in_order(db, ins):
    simulated(db, n=5)
    frame = responses_frame(db)
    pages = [f"page_s__{s.id}" for s in ins.sections]
    orders = ["order__exchange", "order__cooperation", "order__relationship"]  # the randomized pages
    assert (
        list(frame.columns)
        == [*META_COLUMNS, *ins.variables, *pages, *orders]
        == [*META_COLUMNS, *ins.variables, *paradata_columns(ins)]
    )
    assert META_COLUMNS[-2:] == ["seed", "honeypot"]
    row = frame.iloc[0]
    assert row.status == "complete" and bool(row.simulated) and row.access == "open"
    assert row.instrument_hash == ins.short_hash and len(row.instrument_hash) == 12
    assert row.started_at.endswith("+00:00") and row.completed_at > row.started_at
    assert frame.duration_s.dtype == float and frame.seed.dtype == np.int64 and frame.honeypot.dtype == bool
    assert frame.inf_1.dtype == np.int64 and isinstance(row.bld_open, str)
    assert frame[pages].notna().all().all()
    in_file_order = [item.id for item in flow.section(ins, "exchange").items]
    shown = [order.split(" ") for order in frame.order__exchange]
    assert all(sorted(order) == sorted(in_file_order) for order in shown)  # every item, each once
    assert any(order != in_file_order for order in shown)  # shuffled within constructs


def test_simulated_answers_round_trip_with_missing_codes(db, ins):
    data = simulated(db, n=30, seed=5, missing=0.1)
    frame = responses_frame(db)
    numeric = [v for v in ins.variables if v not in ("firm_country", "bld_open")]
    stored = frame[numeric].to_numpy()
    original = data[numeric].to_numpy(dtype=float, na_value=np.nan)
    answered = ~np.isnan(original)
    assert (stored[answered] == original[answered]).all()
    assert set(np.unique(stored[~answered])) <= {-1, -2}  # routed past, or skipped
    hidden = (data["smu_email"] < 2).fillna(False)
    assert (frame.loc[hidden.to_numpy(), "sig_email_reply"] == -1).all()
    assert (frame["bld_open"] == data["bld_open"].fillna("")).all()
    assert frame.simulated.all() and frame.respondent_id.is_unique


def test_real_respondents_can_be_read_without_the_simulated_ones(db, ins):
    simulated(db, n=3)
    with storage.sessions(db).begin() as session:
        person, _ = responses.start(session, ins, access="open", started_at=storage.now())
        responses.save(session, person, {"consent": 1, "scr_b2b": 1})
    real = responses_frame(db, include_simulated=False)
    assert len(responses_frame(db)) == 4 and len(real) == 1
    row = real.iloc[0]
    assert (row.status, row.consent, row.scr_role, row.inf_1, row.bld_open) == ("partial", 1, -4, -4, "")


def test_an_empty_database_gives_an_empty_frame_with_every_column(db, ins):
    frame = responses_frame(db)
    assert frame.empty and list(frame.columns) == [*META_COLUMNS, *ins.variables, *paradata_columns(ins)]


def test_saving_again_overwrites_and_erasing_removes_everything(db, ins):
    with storage.sessions(db).begin() as session:
        person, _ = responses.start(session, ins, access="open", started_at=storage.now())
        responses.save(session, person, {"consent": 1, "bld_open": "first"})
        responses.save(session, person, {"bld_open": "second", "scr_b2b": 0})
        responses.page_shown(session, person, "welcome", storage.now())
        done = responses.progress(session, person)
        assert done.answers == {"consent": 1, "bld_open": "second", "scr_b2b": 0}
        assert list(done.clocks) == ["welcome"] and done.clocks["welcome"].seconds == 0.0
        assert done.clocks["welcome"].shown_at is not None and done.clocks["welcome"].submitted is False
        responses.erase(session, person)
    with db.connect() as connection:
        for table in ("respondents", "answers", "page_timings"):
            assert connection.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 0


def test_a_respondent_is_updated_column_by_column_and_unknown_columns_are_refused(db, ins):
    with storage.sessions(db).begin() as session:
        person, _ = responses.start(session, ins, access="open", started_at=storage.now())
        responses.update(session, person, page="exchange", honeypot=True)
        again = responses.find(session, person.public_id)
        assert (person.page, again.page, again.honeypot, again.status) == (
            ins.sections[0].id,
            "exchange",
            True,
            "partial",
        )
        with pytest.raises(ValueError, match=r"respondents have no column\(s\) \['colour'\] to update"):
            responses.update(session, person, colour="red")
        with pytest.raises(ValueError, match=r"no column\(s\) \['id'\]"):
            responses.update(session, person, id=7)


def test_codes_are_found_whatever_their_spelling(db, ins):
    with storage.sessions(db).begin() as session:
        person, code = responses.start(session, ins, access="open", started_at=storage.now())
        assert responses.by_code(session, code.lower().replace("-", " "), kind="resume").id == person.id
        with pytest.raises(ValueError, match="kind must be 'resume' or 'receipt', not 'other'"):
            responses.by_code(session, code, kind="other")


# --- The whole flow on PostgreSQL ---


@pytest.mark.slow
def test_the_survey_runs_on_postgresql(postgres, tmp_path, ins):
    from conftest import Taker

    app = create_app({"TESTING": True, "SECRET_KEY": "t", "DATABASE_URL": postgres, "INSTANCE_PATH": str(tmp_path)})
    first, second = Taker(app.test_client(), ins), Taker(app.test_client(), ins)
    assert first.complete({"bld_open": "<b>verbatim</b>", "fin_2": "-3"}).headers["Location"] == "/done"
    second.page()
    second.page({"scr_b2b": "0"}, url="/page/screening")
    app.extensions["socialimp"].engine.dispose()
    frame = responses_frame(postgres)
    assert list(frame.status) == ["complete", "screened_out"]
    assert frame.bld_open[0] == "<b>verbatim</b>" and frame.fin_2[0] == -3 and frame.inf_1[1] == -1


@pytest.mark.parametrize("backend", BACKENDS)
def test_two_responses_to_one_invitation_keep_the_complete_one_linked_when_migrated(request, backend, ins):
    engine = storage.connect(request.getfixturevalue(backend))
    storage.upgrade(engine, "0002")
    with storage.sessions(engine).begin() as session:
        (token,) = tokens.generate(session, 1)
    insert = text(  # the 0002 schema, written by hand: today's code writes columns it did not have yet
        "INSERT INTO respondents (public_id, status, simulated, access, token_id, instrument_version, "
        "instrument_hash, seed, display_order, page, honeypot, resume_digest, started_at) VALUES (:public, :status, "
        "false, 'token', :token, 'v', 'h', 1, '{}', 'welcome', false, :digest, '2026-01-01 00:00:00')"
    )
    with engine.begin() as connection:
        for k, status in enumerate(("partial", "complete", "partial")):
            connection.execute(insert, {"public": f"p{k}", "status": status, "token": token.id, "digest": f"d{k}"})
    storage.upgrade(engine)
    with engine.connect() as connection:
        links = connection.execute(text("SELECT token_id FROM respondents ORDER BY id")).scalars().all()
    assert links == [None, token.id, None]
    with storage.sessions(engine).begin() as session:  # and no fourth
        assert responses.start(session, ins, access="token", token=token, started_at=storage.now())[0] is None
    engine.dispose()
