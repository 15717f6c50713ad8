"""Lesson topics and yearly topic plans of the legal class book.

``PlanTopic`` is one numbered row of a curriculum row's yearly topic plan (годишно тематично
разпределение; NEISPUO ``ClassBookTopicPlanItem``). ``LessonTopic`` is one topic of a lesson
(NEISPUO ``TopicTitle``: a lesson may have several, in order), linked to the plan row it came
from or free text. Deleting a plan row keeps the lesson's topic (its title is a copy)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy import CheckConstraint
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from tables.base import Timestamped
from tables.base import db
from tables.base import intpk
from tables.base import school_fk

if TYPE_CHECKING:
    from tables.lessons import Lesson


class PlanTopic(Timestamped, db.Model):
    __tablename__ = "plan_topic"
    id: Mapped[intpk]
    school_id: Mapped[int] = school_fk()
    curriculum_id: Mapped[int] = mapped_column(ForeignKey("curriculum.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(sa.SmallInteger, comment="1..1000, the plan's order")
    title: Mapped[str] = mapped_column(sa.String(1000))
    note: Mapped[str] = mapped_column(sa.String(1000), default="")

    __table_args__ = (
        UniqueConstraint("curriculum_id", "number"),
        CheckConstraint("number BETWEEN 1 AND 1000", name="number"),
    )


class LessonTopic(Timestamped, db.Model):
    __tablename__ = "lesson_topic"
    id: Mapped[intpk]
    school_id: Mapped[int] = school_fk()
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lesson.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(sa.SmallInteger, comment="1, 2, … within the lesson")
    title: Mapped[str] = mapped_column(sa.String(1000))
    plan_topic_id: Mapped[int | None] = mapped_column(
        ForeignKey("plan_topic.id", ondelete="SET NULL"), comment="NULL = a free-text topic"
    )
    teacher_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL"), comment="who wrote it"
    )

    lesson: Mapped[Lesson] = relationship()
    plan_topic: Mapped[PlanTopic | None] = relationship()

    __table_args__ = (
        UniqueConstraint("lesson_id", "position"),
        CheckConstraint("position BETWEEN 1 AND 20", name="position"),
        Index("ix_lesson_topic_plan_topic_id", "plan_topic_id"),
    )
