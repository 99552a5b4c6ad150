"""Both ticket stores under one end-to-end suite.

The modules named in `BOTH` run every test twice, `[tinydb]` and `[postgresql]`: the fixture
`store_backend` points `harness.write_rules` at a fresh database of the session's PostgreSQL
(and puts its password in MAILBOT_DB_PASSWORD, which the daemons inherit), or leaves the state
directory's TinyDB. Those tests observe the store through `mailbot tickets`/`show`, the mail
sent and the mailbox, never through its files, so the same assertions hold for both.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests import harness
from tests.servers.postgres import PostgresServer

# End-to-end modules whose tests touch the store only through the program.
BOTH = {
    "test_priorities_e2e", "test_tracking_history",
    "test_technicians", "test_attachment_policy", "test_reliability_input", "test_mail_loop",
    "test_clock_e2e",
}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    module = metafunc.module.__name__.rsplit(".", 1)[-1]
    if module in BOTH or "store_backend" in metafunc.fixturenames:
        if "store_backend" not in metafunc.fixturenames:
            metafunc.fixturenames.append("store_backend")
        metafunc.parametrize("store_backend", ["tinydb", "postgresql"], indirect=True)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    server = PostgresServer().start()
    try:
        yield server
    finally:
        server.cleanup()


@pytest.fixture
def postgres_db(postgres: PostgresServer, monkeypatch: pytest.MonkeyPatch) -> str:
    """The DSN of an empty database of its own; its password is in MAILBOT_DB_PASSWORD."""
    monkeypatch.setenv("MAILBOT_DB_PASSWORD", postgres.password)
    return postgres.dsn(postgres.create_database())


@pytest.fixture
def store_backend(request: pytest.FixtureRequest,
                  monkeypatch: pytest.MonkeyPatch) -> str:
    kind = request.param
    if kind == "postgresql":
        dsn = request.getfixturevalue("postgres_db")
        monkeypatch.setattr(harness, "STORAGE_KEYS", f'kind = "postgresql"\ndsn = "{dsn}"\n')
    return kind
