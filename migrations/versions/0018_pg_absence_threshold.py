"""the monthly АСП alert for a ПГ child counts unexcused days: the school's threshold

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04 03:15:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("school", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "pg_absence_threshold_days",
                sa.SmallInteger(),
                nullable=False,
                server_default="3",
                comment="unexcused days of a ПГ child in a month above which parents are alerted (АСП)",
            )
        )


def downgrade():
    with op.batch_alter_table("school", schema=None) as batch_op:
        batch_op.drop_column("pg_absence_threshold_days")
