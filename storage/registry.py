"""Imports every table module so SQLModel.metadata (and Alembic) sees the whole schema."""

import storage.agenda_tables
import storage.attendance_tables
import storage.calendar_tables
import storage.case_tables
import storage.consensus_tables
import storage.evaluation_tables
import storage.meeting_tables
import storage.models
import storage.outbox_tables
import storage.protocol_tables  # noqa: F401
