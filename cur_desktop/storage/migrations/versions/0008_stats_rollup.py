"""The statistics rollup: figures per region-local day, kept lazily from dirty-day markers.

* ``stats_day``: per region, local day, dimension (``all``, or the incident column a table
  groups by) and key, split rejected / not rejected: the counts and sums of
  :mod:`cur_desktop.storage.stats` plus the day's answered durations (wall and working) and
  the first-answer deadlines of unanswered incidents, as packed little-endian int64 blobs
  (medians and the "now"-dependent overdue count stay exact);
* ``stats_month``: the same per local month (``month`` = year × 12 + month − 1), summed
  from ``stats_day`` whenever one of its days is recomputed;
* ``stats_hour``: incidents received per region, local day and local hour (the heat map);
* ``stats_dirty``: ``(region_code, UTC day)`` of every incident row written since the days
  were last rolled up, filled by three cheap triggers (per row written: one primary-key probe,
  and an insert into a small table when the day is not marked yet);
  :func:`cur_desktop.storage.stats_rollup.refresh` recomputes the local days they touch and
  clears them. Every existing day is marked dirty here.

See docs/STATISTICS.md, "Speed".

Revision ID: 0008_stats_rollup
Revises: 0004_workstation
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision: str = "0008_stats_rollup"
down_revision: str | None = "0004_workstation"
branch_labels: str | None = None
depends_on: str | None = None

US_PER_DAY = 86_400_000_000

# columns whose change can move a figure of the rollup (an upsert names them all anyway)
WATCHED = (
    "region_code",
    "received_at",
    "status",
    "source",
    "topic_code",
    "municipality_id",
    "executor_id",
    "assignee",
    "first_answer_at",
    "first_answer_due",
    "first_answer_working_us",
    "has_interim",
    "has_final",
    "was_reworked",
    "was_reopened",
    "rating",
)


def _mark(row: str) -> str:
    # NOT EXISTS, not "INSERT OR IGNORE": the conflict clause of the statement that fires a
    # trigger overrides the trigger's own (an "INSERT OR ROLLBACK" would then fail on a mark)
    day = f"{row}.received_at / {US_PER_DAY}"
    return (
        "INSERT INTO stats_dirty (region_code, utc_day) "
        f"SELECT {row}.region_code, {day} WHERE NOT EXISTS (SELECT 1 FROM stats_dirty "
        f"WHERE region_code = {row}.region_code AND utc_day = {day});"
    )


def upgrade() -> None:
    """Create the rollup tables and the marking triggers; mark every existing day dirty."""
    op.execute(
        "CREATE TABLE stats_day ("
        " region_code TEXT NOT NULL, day INTEGER NOT NULL, dim TEXT NOT NULL, key TEXT,"
        " is_rejected INTEGER NOT NULL, n INTEGER NOT NULL, answered INTEGER NOT NULL,"
        " fat_sum INTEGER NOT NULL, working_n INTEGER NOT NULL, working_sum INTEGER NOT NULL,"
        " with_due INTEGER NOT NULL, overdue_answered INTEGER NOT NULL,"
        " interim_only INTEGER NOT NULL, reworked INTEGER NOT NULL, reopened INTEGER NOT NULL,"
        " rating_sum INTEGER NOT NULL, rating_n INTEGER NOT NULL,"
        " durations BLOB, working_durations BLOB, open_dues BLOB)"
    )
    op.execute("CREATE INDEX ix_stats_day ON stats_day (region_code, dim, day)")
    # the same per local month (sums of the month's days, blobs concatenated): a year is 12
    # rows per key instead of 365
    op.execute("CREATE TABLE stats_month AS SELECT * FROM stats_day WHERE 0")
    op.execute("ALTER TABLE stats_month RENAME COLUMN day TO month")
    op.execute("CREATE INDEX ix_stats_month ON stats_month (region_code, dim, month)")
    op.execute(
        "CREATE TABLE stats_hour (region_code TEXT NOT NULL, day INTEGER NOT NULL,"
        " hour INTEGER NOT NULL, n INTEGER NOT NULL,"
        " PRIMARY KEY (region_code, day, hour)) WITHOUT ROWID"
    )
    op.execute(
        "CREATE TABLE stats_dirty (region_code TEXT NOT NULL, utc_day INTEGER NOT NULL,"
        " PRIMARY KEY (region_code, utc_day)) WITHOUT ROWID"
    )
    op.execute(
        f"INSERT OR IGNORE INTO stats_dirty SELECT DISTINCT region_code, received_at / {US_PER_DAY}"
        " FROM incident"
    )
    op.execute(
        f"CREATE TRIGGER stats_mark_insert AFTER INSERT ON incident BEGIN {_mark('NEW')} END"
    )
    op.execute(
        f"CREATE TRIGGER stats_mark_update AFTER UPDATE OF {', '.join(WATCHED)} ON incident "
        f"BEGIN {_mark('OLD')} {_mark('NEW')} END"
    )
    op.execute(
        f"CREATE TRIGGER stats_mark_delete AFTER DELETE ON incident BEGIN {_mark('OLD')} END"
    )


def downgrade() -> None:
    """Drop the rollup (nothing is lost: it is computed from the incidents)."""
    for trigger in ("stats_mark_insert", "stats_mark_update", "stats_mark_delete"):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    for table in ("stats_dirty", "stats_hour", "stats_month", "stats_day"):
        op.execute(f"DROP TABLE IF EXISTS {table}")
