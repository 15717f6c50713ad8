"""session generation of staff and guardian accounts (sign-in tokens carry it; a bump ends
every session and remember-me cookie)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 13:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    for table in ('staff_user', 'guardian'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column('session_generation', sa.Integer(), nullable=False, server_default='0')
            )


def downgrade():
    for table in ('guardian', 'staff_user'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('session_generation')
