"""family links: a parent–child link that waits for the parent's confirmation or the school's
approval (guardian_link_request)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 13:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('guardian_link_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('guardian_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False, comment='invite, registration, add_child'),
    sa.Column('relation', sa.Enum('mother', 'father', 'guardian', 'other', name='relation', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('requested_by', sa.Integer(), nullable=True, comment='the staff member who invited'),
    sa.Column('token_hash', sa.String(length=256), nullable=True),
    sa.Column('data', sa.JSON(), nullable=False, comment='name and contacts given'),
    sa.Column('status', sa.String(length=20), nullable=False, comment='pending, confirmed, declined, revoked, expired'),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['guardian_id'], ['guardian.id'], name=op.f('fk_guardian_link_request_guardian_id_guardian'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requested_by'], ['staff_user.id'], name=op.f('fk_guardian_link_request_requested_by_staff_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_guardian_link_request_school_id_school'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['student_id'], ['student.id'], name=op.f('fk_guardian_link_request_student_id_student'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_guardian_link_request'))
    )
    with op.batch_alter_table('guardian_link_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_guardian_link_request_guardian_id'), ['guardian_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_guardian_link_request_school_id'), ['school_id'], unique=False)


def downgrade():
    with op.batch_alter_table('guardian_link_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_guardian_link_request_school_id'))
        batch_op.drop_index(batch_op.f('ix_guardian_link_request_guardian_id'))

    op.drop_table('guardian_link_request')
