"""alert channel: how a staff member and the school's duty contact are told at once of a
parent's "I did not know" (sms, email or both; staff_user.alert_channel,
outbound_settings.duty_channel)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04 02:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

VALUES = ('sms', 'email', 'both')
COLUMNS = (
    ('staff_user', 'alert_channel',
     'urgent news at once: sms, email or both (their own profile)'),
    ('outbound_settings', 'duty_channel', 'how the duty contact is told: sms, email or both'),
)


def upgrade():
    for table, column, comment in COLUMNS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column(column, sa.String(length=20), nullable=False,
                                          server_default='both', comment=comment))
            batch_op.create_check_constraint('alert_channel', sa.column(column).in_(VALUES))


def downgrade():
    for table, column, _comment in COLUMNS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f'ck_{table}_alert_channel'), type_='check')
            batch_op.drop_column(column)
