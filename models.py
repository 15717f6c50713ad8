"""The one import point of the domain: ``from models import Student, db``.

The tables live in the package ``tables``, one module per topic (the map is in
docs/ARCHITECTURE.md): ``base`` holds ``db``, the declarative ``Base``, the column types and mixins
the tables share and the conventions every column follows; ``enums`` the enumerations shared by
several topics; each other module one topic's tables. Importing this module loads
every one of them, so that the relationships across modules resolve and ``db.metadata`` (what
Alembic and the migration test compare) holds every table. The table modules never import this
one.
"""

from tables.audit import AttemptCounter
from tables.audit import AuditLog
from tables.base import NAMING_CONVENTION
from tables.base import Base
from tables.base import GradeValue
from tables.base import ReadModel
from tables.base import Timestamped
from tables.base import Versioned
from tables.base import created
from tables.base import db
from tables.base import enum_type
from tables.base import intpk
from tables.base import school_fk
from tables.base import str20
from tables.base import str100
from tables.base import str200
from tables.base import updated
from tables.base import utcnow
from tables.class_book import ClassBookPrint
from tables.class_book import ClassBookSeal
from tables.classbook import Absence
from tables.classbook import Event
from tables.classbook import Grade
from tables.classbook import HealthNote
from tables.classbook import Message
from tables.classbook import MessageThread
from tables.classbook import ParentMeeting
from tables.classbook import Remark
from tables.classbook import SeenItem
from tables.enums import AbsenceKind
from tables.enums import AlertChannel
from tables.enums import Channel
from tables.enums import CurriculumSection
from tables.enums import EventKind
from tables.enums import ExcuseReason
from tables.enums import GradeCategory
from tables.enums import GradeKind
from tables.enums import NotifyEvent
from tables.enums import OutboxStatus
from tables.enums import PersonalIdType
from tables.enums import Relation
from tables.enums import RemarkKind
from tables.enums import SignupStatus
from tables.enums import SopMark
from tables.enums import StaffRole
from tables.exams import Exam
from tables.exams import ExamKind
from tables.homework import Homework
from tables.lessons import Lesson
from tables.notify import NotificationOutbox
from tables.notify import NotificationPreference
from tables.notify import VerificationCode
from tables.outbound import CallRateSlot
from tables.outbound import CallRowStatus
from tables.outbound import NoticePurpose
from tables.outbound import NoticeState
from tables.outbound import OutboundCall
from tables.outbound import OutboundNotice
from tables.outbound import OutboundSettings
from tables.outbound import VoiceBroadcast
from tables.parent_notes import NoteChannel
from tables.parent_notes import NoteStatus
from tables.parent_notes import ParentNote
from tables.people import Enrollment
from tables.people import Guardian
from tables.people import GuardianLinkRequest
from tables.people import GuardianStudent
from tables.people import SignInAccount
from tables.people import StaffInvitation
from tables.people import StaffMembership
from tables.people import StaffUser
from tables.people import Student
from tables.phone import CallSession
from tables.pupil_record import ClassNote
from tables.pupil_record import IndividualWork
from tables.pupil_record import Sanction
from tables.pupil_record import SupportActivity
from tables.pupil_record import SupportMeasure
from tables.pupil_record import SupportTeamMember
from tables.school import BellTime
from tables.school import ClassesEnd
from tables.school import Curriculum
from tables.school import NonSchoolDay
from tables.school import School
from tables.school import SchoolClass
from tables.school import SchoolYear
from tables.school import SignupRequest
from tables.school import Subject
from tables.school import TimetableSlot
from tables.substitutions import Substitution
from tables.substitutions import TeacherAbsence
from tables.substitutions import TeacherAbsenceReason
from tables.summaries import GroupSummary
from tables.summaries import StudentSummary
from tables.topics import LessonTopic
from tables.topics import PlanTopic
from tables.year_results import FirstGradeResult
from tables.year_results import GradeResult
from tables.year_results import GradeResultSubject
from tables.year_results import PgAttendance
from tables.year_results import PgResult

__all__ = [
    "Absence",
    "AbsenceKind",
    "AlertChannel",
    "AttemptCounter",
    "AuditLog",
    "Base",
    "BellTime",
    "CallRateSlot",
    "CallRowStatus",
    "CallSession",
    "Channel",
    "ClassBookPrint",
    "ClassBookSeal",
    "ClassesEnd",
    "Curriculum",
    "CurriculumSection",
    "Enrollment",
    "Event",
    "EventKind",
    "ExcuseReason",
    "Grade",
    "GradeCategory",
    "GradeKind",
    "GradeValue",
    "GroupSummary",
    "Guardian",
    "GuardianLinkRequest",
    "GuardianStudent",
    "HealthNote",
    "Homework",
    "Exam",
    "ExamKind",
    "Lesson",
    "LessonTopic",
    "NoteChannel",
    "NoteStatus",
    "ParentNote",
    "Message",
    "MessageThread",
    "NAMING_CONVENTION",
    "NonSchoolDay",
    "NoticePurpose",
    "NoticeState",
    "OutboundCall",
    "OutboundNotice",
    "OutboundSettings",
    "VoiceBroadcast",
    "NotificationOutbox",
    "NotificationPreference",
    "NotifyEvent",
    "OutboxStatus",
    "ParentMeeting",
    "PlanTopic",
    "PersonalIdType",
    "ReadModel",
    "Relation",
    "Remark",
    "RemarkKind",
    "School",
    "SchoolClass",
    "SchoolYear",
    "SeenItem",
    "SignInAccount",
    "SignupRequest",
    "SignupStatus",
    "SopMark",
    "StaffInvitation",
    "StaffMembership",
    "StaffRole",
    "StaffUser",
    "Student",
    "StudentSummary",
    "Subject",
    "Substitution",
    "TeacherAbsence",
    "TeacherAbsenceReason",
    "Timestamped",
    "TimetableSlot",
    "VerificationCode",
    "Versioned",
    "created",
    "db",
    "enum_type",
    "intpk",
    "school_fk",
    "str100",
    "str20",
    "str200",
    "updated",
    "utcnow",
    "ClassNote",
    "IndividualWork",
    "Sanction",
    "SupportActivity",
    "SupportMeasure",
    "SupportTeamMember",
    "FirstGradeResult",
    "GradeResult",
    "GradeResultSubject",
    "PgAttendance",
    "PgResult",
]
