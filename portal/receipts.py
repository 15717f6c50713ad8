"""Read receipts: the parent has seen a grade or a remark (written when the child's page is shown),
and who of the guardians saw it, for the staff web.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from config import clock
from models import Guardian
from models import SeenItem
from models import db


# --- read receipts -------------------------------------------------------------------------------
def mark_seen(guardian_id: int, object_type: str, object_ids: list[int]) -> int:
    """Record that the guardian has seen these objects (bulk, idempotent; commits).

    ``INSERT … ON CONFLICT DO NOTHING`` on the unique (guardian, type, id): a second view writes
    nothing and two concurrent views cannot fail each other. Returns the number of ids offered.
    """
    ids = sorted(set(object_ids))
    if not ids:
        return 0
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    now = clock.utc_naive()
    for i in range(0, len(ids), 500):
        rows = [
            {
                "guardian_id": guardian_id,
                "object_type": object_type,
                "object_id": oid,
                "seen_at": now,
            }
            for oid in ids[i : i + 500]
        ]
        db.session.execute(insert(SeenItem).values(rows).on_conflict_do_nothing())
    db.session.commit()
    return len(ids)


def seen_by(object_type: str, object_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """Read receipts for the staff web: for each object id, who of its guardians saw it and when
    (Sofia time), oldest first. ``object_type`` is "grade" or "remark". The caller passes only
    ids it may show (it has already scoped them to its school)."""
    ids = sorted(set(object_ids))
    result: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
    if not ids:
        return result
    for object_id, name, email, seen_at in db.session.execute(
        sa.select(SeenItem.object_id, Guardian.full_name, Guardian.email, SeenItem.seen_at)
        .join(Guardian, Guardian.id == SeenItem.guardian_id)
        .where(SeenItem.object_type == object_type, SeenItem.object_id.in_(ids))
        .order_by(SeenItem.seen_at)
    ):
        result[object_id].append({"guardian": name or email or "", "seen_at": clock.local(seen_at)})
    return result
