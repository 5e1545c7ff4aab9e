"""packaging

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 05:15:00.443687
"""

import sqlalchemy as sa
from alembic import op

import warehouse_lite.db


revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('filename_registry',
    sa.Column('filename', sa.String(length=512), nullable=False),
    sa.Column('created', warehouse_lite.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('filename', name=op.f('pk_filename_registry'))
    )
    op.create_table('projects',
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('normalized_name', sa.String(length=200), nullable=False),
    sa.Column('created', warehouse_lite.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_serial', sa.BigInteger(), nullable=False),
    sa.Column('total_size', sa.BigInteger(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_projects')),
    sa.UniqueConstraint('normalized_name', name=op.f('uq_projects_normalized_name'))
    )
    op.create_table('journals',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('version', sa.String(length=100), nullable=True),
    sa.Column('action', sa.Text(), nullable=False),
    sa.Column('submitted_date', warehouse_lite.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('submitted_by_id', sa.Uuid(), nullable=True),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['users.id'], name=op.f('fk_journals_submitted_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_journals'))
    )
    with op.batch_alter_table('journals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_journals_name'), ['name'], unique=False)

    op.create_table('project_events',
    sa.Column('project_id', sa.Uuid(), nullable=False),
    sa.Column('tag', sa.String(length=64), nullable=False),
    sa.Column('time', warehouse_lite.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ip_address', sa.String(length=64), nullable=True),
    sa.Column('user_agent', sa.String(length=512), nullable=True),
    sa.Column('additional', sa.JSON(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_project_events_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_events'))
    )
    with op.batch_alter_table('project_events', schema=None) as batch_op:
        batch_op.create_index('ix_project_events_project_id_time', ['project_id', 'time'], unique=False)

    op.create_table('releases',
    sa.Column('project_id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.String(length=100), nullable=False),
    sa.Column('canonical_version', sa.String(length=100), nullable=False),
    sa.Column('sort_key', sa.Integer(), nullable=False),
    sa.Column('created', warehouse_lite.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('metadata_version', sa.String(length=10), nullable=False),
    sa.Column('summary', sa.String(length=512), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('description_content_type', sa.String(length=128), nullable=True),
    sa.Column('rendered_description', sa.Text(), nullable=True),
    sa.Column('author', sa.Text(), nullable=True),
    sa.Column('author_email', sa.Text(), nullable=True),
    sa.Column('maintainer', sa.Text(), nullable=True),
    sa.Column('maintainer_email', sa.Text(), nullable=True),
    sa.Column('license', sa.Text(), nullable=True),
    sa.Column('license_expression', sa.Text(), nullable=True),
    sa.Column('keywords', sa.Text(), nullable=True),
    sa.Column('home_page', sa.Text(), nullable=True),
    sa.Column('download_url', sa.Text(), nullable=True),
    sa.Column('platform', sa.Text(), nullable=True),
    sa.Column('requires_python', sa.String(length=200), nullable=True),
    sa.Column('classifiers', sa.JSON(), nullable=False),
    sa.Column('requires_dist', sa.JSON(), nullable=False),
    sa.Column('provides_extra', sa.JSON(), nullable=False),
    sa.Column('project_urls', sa.JSON(), nullable=False),
    sa.Column('dynamic', sa.JSON(), nullable=False),
    sa.Column('yanked', sa.Boolean(), nullable=False),
    sa.Column('yanked_reason', sa.Text(), nullable=False),
    sa.Column('uploader_id', sa.Uuid(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_releases_project_id_projects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploader_id'], ['users.id'], name=op.f('fk_releases_uploader_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_releases')),
    sa.UniqueConstraint('project_id', 'canonical_version', name='uq_releases_project_version')
    )
    with op.batch_alter_table('releases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_releases_project_id'), ['project_id'], unique=False)

    op.create_table('roles',
    sa.Column('role_name', sa.Enum('OWNER', 'MAINTAINER', name='rolename', native_enum=False, length=20), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('project_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_roles_project_id_projects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_roles_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roles')),
    sa.UniqueConstraint('user_id', 'project_id', name='uq_roles_user_project')
    )
    with op.batch_alter_table('roles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_roles_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_roles_user_id'), ['user_id'], unique=False)

    op.create_table('release_files',
    sa.Column('release_id', sa.Uuid(), nullable=False),
    sa.Column('project_id', sa.Uuid(), nullable=False),
    sa.Column('filename', sa.String(length=512), nullable=False),
    sa.Column('path', sa.String(length=512), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('sha256_digest', sa.String(length=64), nullable=False),
    sa.Column('blake2_256_digest', sa.String(length=64), nullable=False),
    sa.Column('md5_digest', sa.String(length=32), nullable=False),
    sa.Column('packagetype', sa.String(length=32), nullable=False),
    sa.Column('python_version', sa.String(length=64), nullable=False),
    sa.Column('requires_python', sa.String(length=200), nullable=True),
    sa.Column('upload_time', warehouse_lite.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('metadata_sha256', sa.String(length=64), nullable=True),
    sa.Column('uploaded_via', sa.String(length=200), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_release_files_project_id_projects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['release_id'], ['releases.id'], name=op.f('fk_release_files_release_id_releases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_release_files')),
    sa.UniqueConstraint('blake2_256_digest', name=op.f('uq_release_files_blake2_256_digest')),
    sa.UniqueConstraint('filename', name=op.f('uq_release_files_filename')),
    sa.UniqueConstraint('path', name=op.f('uq_release_files_path')),
    sa.UniqueConstraint('sha256_digest', name=op.f('uq_release_files_sha256_digest'))
    )
    with op.batch_alter_table('release_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_release_files_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_release_files_release_id'), ['release_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('release_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_release_files_release_id'))
        batch_op.drop_index(batch_op.f('ix_release_files_project_id'))

    op.drop_table('release_files')
    with op.batch_alter_table('roles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_roles_user_id'))
        batch_op.drop_index(batch_op.f('ix_roles_project_id'))

    op.drop_table('roles')
    with op.batch_alter_table('releases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_releases_project_id'))

    op.drop_table('releases')
    with op.batch_alter_table('project_events', schema=None) as batch_op:
        batch_op.drop_index('ix_project_events_project_id_time')

    op.drop_table('project_events')
    with op.batch_alter_table('journals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_journals_name'))

    op.drop_table('journals')
    op.drop_table('projects')
    op.drop_table('filename_registry')
