"""notice kinds of the class book and the phone line: homework, exam, sanction, not_at_school,
broadcast, excuse (the CHECK of notify_event on the outbox and the preferences)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 18:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

OLD = ('grade', 'absence', 'late', 'remark', 'praise', 'health', 'event', 'meeting', 'message',
       'threshold', 'digest', 'reminder', 'account')
NEW = OLD + ('homework', 'exam', 'sanction', 'not_at_school', 'broadcast', 'excuse')
TABLES = ('notification_outbox', 'notification_preference')


def _kinds(values):
    return sa.Enum(*values, name='notify_event', native_enum=False, create_constraint=True,
                   length=20)


def _rewrite(old, new):
    # a non-native enum is a VARCHAR with a CHECK: the CHECK is dropped and made again (on
    # SQLite the batch copies the table with the new CHECK)
    for table in TABLES:
        with op.batch_alter_table(table, schema=None, recreate='auto') as batch_op:
            batch_op.drop_constraint(op.f(f'ck_{table}_notify_event'), type_='check')
            batch_op.create_check_constraint(
                'notify_event', sa.column('event_type').in_(new)
            )


def upgrade():
    _rewrite(OLD, NEW)


def downgrade():
    for table in TABLES:
        op.execute(sa.text(f"DELETE FROM {table} WHERE event_type IN "
                           "('homework', 'exam', 'sanction', 'not_at_school', 'broadcast', 'excuse')"))
    _rewrite(NEW, OLD)
