"""The live sync tests again, against a ``cur-server`` on a fresh PostgreSQL database.

This module overrides the ``server`` fixture (``tests/sync/conftest.py``: SQLite, unchanged)
with a server process on a new ``cur_test_<random>`` database next to ``test`` on
127.0.0.1:5432, and re-collects the live tests here, so the same bodies run against both
databases. Without a reachable PostgreSQL every test here is skipped with the reason.

Re-collected: every test of ``test_live_sync.py`` that uses the ``server`` fixture (the one
that restarts its own SQLite server is not), a colleague's moves journalled with who made
them (``test_history_actor.py``), the schema-upgrade test, the lost-rejection
regression; the convergence machine and the long-offline scenario
(1,200 queued changes instead of 5,000: the same paths, the client side is the same code).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.live import USERS
from tests.helpers.proxy import FaultProxy
from tests.helpers.server_process import (
    ServerProcess,
    fresh_postgres_database,
    postgres_admin_dsn,
    running_server,
)
from tests.sync.test_convergence import (
    CONVERGENCE_SETTINGS,
    proxied,
    run_convergence,
    test_a_rejection_whose_answer_was_lost_still_reaches_the_operator,
)
from tests.sync.test_history_actor import (
    test_a_colleagues_take_and_move_are_journalled_with_the_colleague_as_actor,
)
from tests.sync.test_live_sync import (
    test_a_poke_from_the_server_triggers_a_pull,
    test_login_and_first_sync_bring_the_region_and_nothing_else,
    test_lost_push_answer_is_retried_and_applied_exactly_once,
    test_offline_assignment_loses_to_a_colleague_and_waits_for_the_operator,
    test_token_is_never_logged,
)
from tests.sync.test_long_offline import run_long_offline
from tests.sync.test_schema_upgrade import (
    test_queued_changes_replay_after_an_upgrade_from_the_first_revision,
)

pytestmark = pytest.mark.postgres

__all__ = [
    "proxied",
    "test_a_colleagues_take_and_move_are_journalled_with_the_colleague_as_actor",
    "test_a_poke_from_the_server_triggers_a_pull",
    "test_a_rejection_whose_answer_was_lost_still_reaches_the_operator",
    "test_login_and_first_sync_bring_the_region_and_nothing_else",
    "test_lost_push_answer_is_retried_and_applied_exactly_once",
    "test_offline_assignment_loses_to_a_colleague_and_waits_for_the_operator",
    "test_queued_changes_replay_after_an_upgrade_from_the_first_revision",
    "test_token_is_never_logged",
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """One real ``cur-server`` on a fresh PostgreSQL database for this module."""
    try:
        postgres_admin_dsn()
    except OSError as exc:
        pytest.skip(f"PostgreSQL on 127.0.0.1:5432 is not reachable: {exc}")
    with (
        fresh_postgres_database() as db_url,
        running_server(tmp_path_factory.mktemp("pg-server"), users=USERS, db_url=db_url) as srv,
    ):
        assert srv.db_url.startswith("postgresql")
        yield srv


@pytest.mark.slow
def test_three_clients_converge_on_postgres(
    server: ServerProcess, proxied: FaultProxy, tmp_path: Path
) -> None:
    stats = run_convergence(server, proxied, tmp_path, CONVERGENCE_SETTINGS)
    assert stats.accepted > 0
    assert sum(stats.rejected.values()) > 0, stats
    assert stats.failed_syncs + stats.dropped > 0, stats


@pytest.mark.slow
def test_long_offline_with_a_compacted_log_on_postgres(
    server: ServerProcess, tmp_path: Path
) -> None:
    run_long_offline(server, tmp_path, 60, range(0, 10), range(10, 20))
