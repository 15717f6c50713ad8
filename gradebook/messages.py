"""The catalogue of what the staff use-cases say to people: stable English key → Bulgarian text.

the staff use-cases (:mod:`gradebook.core` and the topic modules beside it) refer to its validation and error messages by key only
(``msg("grade.empty")``); the error it raises carries both the Bulgarian text for the page and
the key for logs and tests (:attr:`Text.key`). Texts that take values use ``str.format``
placeholders; the caller formats dates (``rules.format_date_bg``: dd.mm.yyyy) and decimals
(``rules.format_decimal_bg``: a comma) before passing them. Audit-log reasons and notification
texts are not here (``notify/messages.py`` is the notification catalogue), except the e-mails a
staff account's owner gets about the account (``staff_mail.*``, written by
:mod:`gradebook.staff_accounts`).

``tests/test_messages_catalog.py`` checks that every key used exists, every entry is used and the
placeholders of each call match its text.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

MESSAGES: dict[str, str] = {
    # --- shared ---------------------------------------------------------------------------------
    "common.not_found": "Записът не е намерен.",
    "common.fix_marked_fields": "Поправете отбелязаните полета.",
    "common.required": "Задължително поле.",
    "common.choose": "Изберете.",
    "common.choose_kind": "Изберете вид.",
    "common.choose_term": "Изберете срок.",
    "common.choose_student": "Изберете ученик.",
    "common.choose_student_of_class": "Изберете ученик от класа.",
    "common.choose_class": "Изберете клас.",
    "common.choose_subject": "Изберете предмет.",
    "common.choose_section": "Изберете раздел.",
    "common.choose_day": "Изберете ден.",
    "common.enter_name": "Въведете име.",
    "common.enter_text": "Въведете текст.",
    "common.text_too_long": "Текстът е твърде дълъг.",
    "common.text_limit": "Най-много {limit} знака (сега {length}).",
    "common.max_100_chars": "Най-много 100 знака.",
    "common.reason_required": "Посочете причина.",
    "common.reason_required_field": "Посочете причина за промяната.",
    "common.save_failed": (
        "Не успяхме да запишем промените поради временен проблем с базата данни: нищо не е "
        "записано. Опитайте отново след малко."
    ),
    "common.conflict": (
        "Записът междувременно е променен от друг потребител. Презаредете страницата, "
        "за да видите новите данни, и опитайте отново."
    ),
    # --- rights -----------------------------------------------------------------------------------
    "access.no_school": "Нямате достъп до това училище.",
    "access.admin_only": "Само администратор на училището може да направи това.",
    # --- dates, times, locks ----------------------------------------------------------------------
    "date.invalid": "Невалидна дата.",
    "date.invalid_field": "Въведете дата във вида дд.мм.гггг.",
    "date.required": "Въведете дата.",
    "date.outside_year": "Датата е извън учебната година.",
    "date.in_past": "Датата е в миналото.",
    "date.end_before_start": "Крайната дата е преди началната.",
    "time.required": "Въведете час.",
    "time.required_field": "Въведете час (чч:мм).",
    "time.invalid": "Невалиден час.",
    "time.invalid_field": "Въведете час във вида чч:мм.",
    "lock.future": "Не може да се въвеждат данни за бъдеща дата.",
    "lock.month": "Месецът е заключен за промени. Само администратор може да разреши промяна.",
    "book.locked": (
        "Дневникът на {name} клас за {year} г. е приключен: директорът го е подписал. Записите "
        "в него не могат да се променят. Администратор може да го отключи, като посочи причина."
    ),
    "book.sealed_done": "Подписаният дневник е качен: дневникът е приключен и заключен.",
    "book.unlocked_done": "Дневникът е отключен. За приключване е нужен нов подпис.",
    "book.forbidden": (
        "Дневника на паралелката изтеглят само администраторите на училището и класният ръководител."
    ),
    "book.already_sealed": "Дневникът вече е приключен. За нов подпис първо го отключете.",
    "book.not_sealed": "Дневникът не е приключен.",
    "book.refused.empty": "Изберете подписания PDF файл.",
    "book.refused.too_big": "Файлът е твърде голям: най-много {mb} MB.",
    "book.refused.not_pdf": "Файлът не е PDF документ.",
    "book.refused.unsigned": "Документът не е подписан: в него няма електронен подпис.",
    "book.refused.digest": (
        "Подписът не отговаря на съдържанието на документа: файлът е повреден или променен."
    ),
    "book.refused.coverage": (
        "Подписът не обхваща целия документ: файлът е променян след подписването."
    ),
    "book.refused.changed": (
        "Подписаният документ не е дневникът, изготвен от Бележник: съдържанието му е променено "
        "преди подписването. Изтеглете дневника отново и го подпишете, без да го редактирате."
    ),
    "book.refused.not_ours": (
        "Документът не е дневник, изготвен от Бележник за това училище. Изтеглете дневника на "
        "паралелката и подпишете него."
    ),
    "book.refused.another": (
        "Това е дневникът на {name} клас за {year} г., а не на тази паралелка."
    ),
    "book.refused.outdated": (
        "След изтеглянето на този дневник в него са правени промени. Изтеглете го отново и "
        "подпишете новия файл."
    ),
    "year.no_current": "Няма въведена текуща учебна година.",
    # --- grades -----------------------------------------------------------------------------------
    "grade.empty": "Въведете оценка.",
    "grade.forbidden": "Нямате право да пишете оценки по този предмет в този клас.",
    "grade.choose_kind": "Изберете вид на оценката.",
    "grade.column_invalid": "Има грешно въведени оценки. Нищо не е записано.",
    "grade.column_empty": "Не сте въвели нито една оценка.",
    "grade.column_empty_field": "Въведете оценки.",
    "grade.kind_not_final": "Видът не може да се смени на срочна/годишна оценка.",
    "grade.unknown_kind": "Непознат вид оценка.",
    "student.not_in_class": "Ученикът не е в този клас.",
    "student.not_enrolled": "Ученикът не е записан в клас.",
    # --- absences ---------------------------------------------------------------------------------
    # --- lesson topics and topic plans (gradebook/topics.py) -----------------------------------
    "topic.forbidden": "Нямате право да записвате теми за този час.",
    "topic.plan_forbidden": "Само учителят по предмета и администраторите променят тематичното разпределение.",
    "topic.plan_not_of_lesson": "Изберете тема от разпределението на този предмет и клас.",
    "topic.too_many": "Най-много {limit} теми за един час.",
    "topic.number_taken": "В разпределението вече има тема № {number}.",
    "topic.number_taken_field": "Номерът е зает.",
    # --- parents' notes (gradebook/parent_notes.py) -----------------------------------------------
    "note.not_enrolled": "Ученикът не е записан в клас тази учебна година.",
    "note.forbidden": "Само класният ръководител на ученика или администратор решава за бележките.",
    "note.choose_reason": "Изберете причина: здравословни, семейни или други.",
    "note.comment_too_long": "Коментарът е най-много {max} знака.",
    "note.date_invalid": "Въведете дата.",
    "note.period": "Изберете час от 0 до 15 или „целия ден“.",
    "note.range_order": "Крайната дата е преди началната.",
    "note.too_long": "Една бележка е за най-много {days} дни.",
    "note.too_far_ahead": "Бележка се подава най-много {days} дни предварително.",
    "note.outside_year": "Датите трябва да са в текущата учебна година.",
    "note.no_school_day": "В избраните дни няма учебни дни.",
    "note.year_limit": (
        "С бележка от родител се извиняват до {max} учебни дни в годината; остават {left}."
    ),
    "note.in_row": "С бележка от родител се извиняват най-много {max} учебни дни наведнъж.",
    "note.invalid": "Бележката не може да бъде приета.",
    "note.overlap": "За тези дни вече има подадена бележка.",
    "note.already_decided": "За тази бележка вече е решено.",
    "note.absence_comment": "по уважителни причини, с бележка от родител",
    "note.limit_year": "Дните в годината са цяло число от 0 до 60.",
    "note.limit_in_row": "Дните наведнъж са цяло число от 1 до 30.",
    "note.document_empty": "Файлът е празен.",
    "note.document_too_big": "Файлът е по-голям от {mb} MB.",
    "note.document_kind": "Приемат се само снимки (JPEG, PNG) и PDF.",
    "note.document_unreadable": "Файлът не може да бъде прочетен като снимка.",
    "note.document_pixels": "Снимката е твърде голяма; намалете размера ѝ.",
    "note.document_active_pdf": "PDF файлът съдържа скриптове или вградени файлове.",
    "absence.forbidden": "Нямате право да отбелязвате отсъствия за този час.",
    "absence.slot_not_on_day": "Този час не е в програмата за избрания ден.",
    "absence.weekday_mismatch": "Денят от седмицата не съвпада с часа от програмата.",
    "absence.non_school_day": "{date} е неучебен ден ({name}).",
    "absence.non_school_day_field": "Неучебен ден.",
    "calendar.day_off": "{date} е {weekday}: класът няма часове в този ден.",
    "calendar.day_off_field": "Почивен ден.",
    "absence.slot_other_term": "Този час не е в програмата за този срок.",
    "absence.other_term_field": "Друг срок.",
    "absence.unknown_mark": "Непозната отметка.",
    "absence.choose": "Изберете отсъствия.",
    "absence.choose_field": "Изберете поне едно отсъствие.",
    "absence.choose_reason": "Изберете причина.",
    "absence.choose_reason_field": "Изберете причина: здравословна, семейна, друга.",
    "absence.excuse_forbidden": "Само класният ръководител или администратор извинява отсъствия.",
    "absence.late_not_excused": "Закъсненията не се извиняват.",
    "absence.none_unexcused": "Няма неизвинени отсъствия в този период.",
    "absence.delete_forbidden": "Нямате право да изтриете това отсъствие.",
    # --- remarks and health notes -----------------------------------------------------------------
    "homework.forbidden": "Нямате право да давате домашна работа в този час.",
    "homework.edit_forbidden": "Само учителят на часа, класният ръководител или администратор.",
    "homework.class_forbidden": "Нямате достъп до домашните работи на този клас.",
    "homework.slot_not_on_day": "Този час не е в програмата на избраната дата.",
    "homework.slot_not_on_day_field": "В този ден няма такъв час.",
    "homework.due_not_after": "Срокът трябва да е след деня, в който е дадена ({date}).",
    "homework.due_not_after_field": "Изберете по-късна дата.",
    "homework.due_after_year": "Срокът е след края на учебната година ({date}).",
    "homework.due_after_year_field": "Изберете дата до края на годината.",
    "homework.due_day_off": "Срокът не е учебен ден: {why}",
    "homework.due_day_off_field": "Изберете учебен ден.",
    "homework.no_lesson_due": "В програмата няма следващ час по предмета: посочете срок.",
    "remark.forbidden": "Нямате право да пишете отзиви за този ученик.",
    "remark.choose_kind": "Изберете похвала или забележка.",
    "remark.unknown_subject": "Непознат предмет.",
    "remark.edit_forbidden": "Само авторът, класният ръководител или администратор редактира.",
    "remark.delete_forbidden": "Само авторът, класният ръководител или администратор изтрива.",
    "health.forbidden": "Здравни бележки пишат само класният ръководител и администраторът.",
    # --- the pupil's record: sanctions, support, individual work, class notes ----------------
    "sanction.forbidden": "Санкции вписват само класният ръководител и администраторът.",
    "sanction.not_in_book": "В дневника на този клас няма раздел за санкции (има от IV клас).",
    "sanction.choose_kind": "Изберете вид санкция от списъка.",
    "sanction.order_number_required": "Въведете номер на заповедта.",
    "sanction.already_cancelled": "Санкцията вече е отменена.",
    "support.forbidden": (
        "Подкрепата виждат и пишат само класният ръководител, администраторът и екипът за подкрепа."
    ),
    "support.not_in_book": "В дневника на предучилищната група няма раздел за подкрепа.",
    "support.unknown_code": "Изберете от списъка.",
    "support.difficulty_required": "Изберете поне едно затруднение.",
    "support.team_required": "Изберете поне един член на екипа.",
    "support.unknown_staff": "Изберете членове на екипа от служителите на училището.",
    "class_note.forbidden": "Бележки в дневника пишат само класният ръководител и администраторът.",
    "pg_attendance.forbidden": "Присъствието в група пишат само класният ръководител и администраторът.",
    "pg_attendance.not_in_book": "Дневно присъствие се води само в подготвителна група (ПГ).",
    "pg_attendance.choose_reason": "Изберете причина: здравословни, семейни или други.",
    "year_results.forbidden": "Резултатите за годината вписват само класният ръководител и администраторът.",
    "year_results.no_pg_results": "Резултати от предучилищното образование има само в дневника на ПГ.",
    "year_results.no_first_grade": "Общ годишен резултат има само в дневника на I клас.",
    "year_results.no_grade_results": "Годишни резултати (завършва, полага изпити, повтаря) има в дневника на V–XII клас.",
    "year_results.choose_result": "Изберете резултат от списъка.",
    # --- events and parent meetings ---------------------------------------------------------------
    # --- the tests schedule (gradebook/exams.py) ---------------------------------------------
    "exam.forbidden": "Контролни и класни работи планира учителят по предмета или администратор.",
    "exam.class_forbidden": "Нямате достъп до графика на този клас.",
    "exam.choose_kind": "Изберете вид: контролна или класна работа.",
    "exam.kind_fixed": ("Видът на планирана работа не се променя: изтрийте я и планирайте нова."),
    "exam.not_this_year": "Учебният план не е от текущата учебна година.",
    "exam.period_invalid": "Часът е число от 0 до 15.",
    "exam.not_in_timetable": (
        "{class_name} няма час по {subject} в {weekday}, {date}, според седмичното разписание. "
        "Изберете ден, в който предметът е в разписанието."
    ),
    "exam.no_lesson": "Няма час по предмета в този ден.",
    "exam.period_not_in_timetable": (
        "На {date} {class_name} има {subject} в {periods} час, не в {period}. час."
    ),
    "exam.period_field": "Изберете час от разписанието: {periods}",
    "event.test_in_schedule": (
        "Контролните и класните работи се планират в графика (Контролни → Планирай работа)."
    ),
    "event.class_forbidden": "Нямате право да добавяте събития за този клас.",
    "event.school_admin_only": "Събития за цялото училище добавя администратор.",
    "event.edit_forbidden": "Само авторът или администратор редактира събитието.",
    "event.delete_forbidden": "Само авторът или администратор изтрива събитието.",
    "meeting.class_teacher_only": "Родителска среща за клас насрочва класният ръководител.",
    "meeting.school_admin_only": "Обща родителска среща насрочва администратор.",
    "meeting.edit_forbidden": "Нямате право да променяте тази среща.",
    "meeting.delete_forbidden": "Нямате право да изтриете срещата.",
    # --- students, codes, passwords ---------------------------------------------------------------
    "student.code_failed": "Неуспешно генериране на код. Опитайте отново.",
    "student.choose_id_kind": "Изберете вид идентификатор.",
    "student.duplicate_id": "Вече има ученик с този идентификатор.",
    "student.number_taken": "Номерът е зает или невалиден (1–99).",
    "student.already_in_class": "Ученикът вече е в този клас.",
    "student.choose_other_class": "Изберете друг клас.",
    "student.no_longer_enrolled": "Ученикът вече не е записан в клас.",
    "profile.phone_invalid": "Телефонният номер не е валиден.",
    "profile.phone_needed": "За известия само по SMS въведете мобилен телефон.",
    "profile.channel_invalid": "Изберете как да получавате известията.",
    "password.too_short": "Паролата е твърде кратка.",
    "password.too_short_field": "Паролата трябва да е поне 10 знака.",
    # --- school year and its settings -------------------------------------------------------------
    "year.dates_order": "Датите са в грешен ред.",
    "year.term2_start": "Началото на II срок трябва да е между началото и края.",
    "year.invalid_day": "Невалиден ден.",
    "year.day_range": "Денят трябва да е от 1 до 28.",
    "year.name_format": "Въведете година във вида 2026/2027.",
    "year.exists": "Тази учебна година вече съществува.",
    # --- the school's settings (gradebook.school_settings) ---------------------------------------
    "school.name_required": "Въведете името на училището.",
    "school.name_long": "Името е твърде дълго (до 200 знака).",
    "school.text_long": "Твърде дълго (до 200 знака).",
    "school.town_long": "Твърде дълго (до 100 знака).",
    "school.email_invalid": "Невалиден имейл адрес.",
    "school.threshold_invalid": "Въведете брой часове от 0,5 до 5 през половин час (напр. 3,5).",
    "school.pg_threshold_invalid": "Въведете брой дни от 1 до 3.",
    "school.excuse_year_invalid": "Въведете брой дни от 0 до 15.",
    "school.excuse_row_invalid": "Въведете брой дни от 0 до 5, не повече от дните за годината.",
    "school.digest_in_quiet": (
        "Обобщението в {digest} е в тихите часове ({start}–{end}): SMS-ите биха чакали до "
        "сутринта. Изберете час извън тях."
    ),
    # --- classes, subjects, curriculum, timetable -------------------------------------------------
    "teacher.choose": "Изберете учител.",
    "teacher.choose_of_school": "Изберете учител от училището.",
    "teacher.unknown": "Непознат учител.",
    "class.name_format": "Въведете име на паралелката (напр. 8е), до 20 знака.",
    "class.grade_level_range": "Класът е от 0 (ПГ) до 12.",
    "class.shift_range": "Смяната е 1 или 2.",
    "class.exists": "Вече има паралелка с това име.",
    "subject.name_format": "Въведете име на предмета (до 100 знака).",
    "subject.exists": "Предметът вече съществува.",
    "curriculum.invalid_hours": "Невалидни часове.",
    "curriculum.hours_number": "Часове седмично: число.",
    "curriculum.hours_range": "Часове седмично: от 0 до 40.",
    "curriculum.subject_exists": "Предметът вече е в учебния план на класа.",
    "curriculum.section_group_exists": "Предметът с този раздел и група вече е в учебния план.",
    "timetable.not_in_curriculum": "Предметът не е от учебния план на класа.",
    "timetable.period_range": "Часът е от 0 до 15.",
    "timetable.term_range": "Срокът е 1 или 2.",
    "timetable.class_busy": "Класът вече има час тогава.",
    "timetable.teacher_busy": "Учителят вече има час тогава.",
    "bell.end_before_start": "Краят е преди началото.",
    "non_school_day.name_required": "Въведете наименование (напр. Коледна ваканция).",
    "non_school_day.grade_range": "Клас от 0 до 12.",
    "non_school_day.grade_order": "„До клас“ е преди „от клас“.",
    # --- staff and parents ------------------------------------------------------------------------
    "staff.email_invalid": "Въведете валиден имейл.",
    "staff.name_required": "Въведете име и фамилия.",
    "staff.choose_role": "Изберете роля.",
    "staff.already_member": "Вече е в училището.",
    "staff.already_member_field": "Този служител вече е в училището.",
    "staff.cannot_remove_self": "Не можете да премахнете себе си.",
    "staff.reset_shared_account": (
        "Профилът е свързан и с друго училище; собственикът сам сменя паролата си."
    ),
    "staff.invited": (
        "Поканата е изпратена на {email}. Служителят ще се появи в списъка, "
        "след като я приеме от писмото."
    ),
    "staff.reset_sent": (
        "Старата парола на {name} вече не важи. На имейла на профила е изпратена връзка "
        "за нова парола."
    ),
    "staff.removed": "{name} вече не е в училището.",
    "invitation.invalid": "Поканата е невалидна, изтекла или вече е използвана.",
    "invitation.other_account": (
        "Поканата е за друг профил. Излезте и влезте с профила, до който е изпратена."
    ),
    "invitation.operator": "Профил на оператор на платформата не може да е служител на училище.",
    "invitation.not_pending": "Поканата вече не чака отговор.",
    "invitation.revoked": "Поканата до {email} е оттеглена.",
    "invitation.accepted": "Вече сте служител на {school}.",
    "invitation.declined": "Поканата е отказана.",
    "access.operator_only": "Само операторът на платформата може да направи това.",
    "guardian.choose_relation": "Изберете роднинска връзка.",
    "guardian.already_linked": "Вече е свързан.",
    "guardian.already_linked_field": "Родителят вече е свързан с ученика.",
    # --- deleting what others depend on -----------------------------------------------------------
    "delete.in_use": (
        "{what} не може да бъде изтрит(а), защото от него/нея зависят: {used}. "
        "Премахнете първо тези записи."
    ),
    "delete.what_class": "Паралелка {name}",
    "delete.what_subject": "Предметът „{name}“",
    "delete.what_curriculum": "Предметът „{name}“ от учебния план",
    "delete.dep_students": "ученици",
    "delete.dep_grades": "оценки",
    "delete.dep_absences": "отсъствия",
    "delete.dep_timetable": "часове в програмата",
    "delete.dep_events": "събития",
    "delete.dep_meetings": "родителски срещи",
    "delete.dep_curriculum_rows": "редове в учебните планове",
    # --- promotion to a new school year -----------------------------------------------------------
    "promotion.no_previous_year": "Няма предходна учебна година, от която да се премине.",
    "promotion.no_free_number": "Паралелка {name} няма свободен номер в класа.",
    "promotion.books_open": (
        "Учебната {year} година не може да се затвори: дневниците на {names} не са приключени. "
        "Директорът подписва всеки дневник и администратор го качва обратно."
    ),
    "promotion.choose_outcome": "Изберете какво става с ученика.",
    # --- messages to parents ----------------------------------------------------------------------
    "message.own_students_only": "Пишете на родителите на ученици, на които преподавате.",
    "message.choose_guardian": "Изберете родител на ученика.",
    "message.subject_format": "Въведете тема (до 200 знака).",
    # --- e-mails to a staff account's own address (gradebook/staff_accounts.py) -----------------
    "staff_mail.role_admin": "администратор",
    "staff_mail.role_teacher": "учител",
    "staff_mail.invite_subject": "покана от {school}",
    "staff_mail.invite_text": (
        "Здравейте!\n\n{school} ви кани да се присъедините към училището в Бележник като "
        "{role}. Влезте с профила си ({email}) и приемете поканата (връзката важи {days} дни):"
        "\n{link}\n\nАко не очаквате тази покана, не правете нищо: без вашето съгласие "
        "профилът ви не се свързва с училището."
    ),
    "staff_mail.invite_new_text": (
        "Здравейте!\n\n{school} ви кани в Бележник като {role}. Отворете връзката, задайте "
        "парола и приемете поканата (връзката важи {days} дни):\n{link}\n\nВход: с имейла "
        "{email} и новата парола. Ако не очаквате тази покана, не правете нищо."
    ),
    "staff_mail.added_subject": "вече сте служител на {school}",
    "staff_mail.added_text": (
        "Здравейте!\n\nПрофилът ви в Бележник вече е свързан с {school} (роля: {role}). "
        "Ако не сте го поискали, обадете се в училището или на оператора на Бележник."
    ),
    "staff_mail.removed_subject": "вече не сте служител на {school}",
    "staff_mail.removed_text": (
        "Здравейте!\n\nПрофилът ви в Бележник вече не е свързан с {school}. Профилът ви "
        "остава и можете да продължите да го използвате за други училища."
    ),
    "staff_mail.reset_subject": "нова парола",
    "staff_mail.reset_intro": (
        "Администратор на {school} поиска нова парола за профила ви. Старата парола вече не "
        "важи. Ако не сте очаквали това, обадете се в училището."
    ),
    # --- teacher absences and substitutions (gradebook/substitutions.py) ---------------------------
    "substitution.free_hour_no_register": (
        "Часът е свободен (учителят отсъства и няма заместник): не се провежда и за него не се "
        "попълва дневник."
    ),
    "substitution.choose_teacher": "Изберете учител.",
    "substitution.period_range": "Часът трябва да е между 1 и 15.",
    "substitution.choose_reason": "Изберете причина за отсъствието.",
    "substitution.last_before_first": "Последният ден е преди първия.",
    "substitution.to_before_from": "В рамките на един ден последният час е преди първия.",
    "substitution.absence_overlaps": (
        "{name} вече има записано отсъствие за {dates}. Поправете него вместо да записвате ново."
    ),
    "substitution.absence_overlaps_field": "Застъпва се с друго отсъствие.",
    "substitution.lesson_not_in_absence": "Този час не е сред часовете на отсъствието.",
    "substitution.unknown_kind": "Изберете какво става с часа.",
    "substitution.free_hour_has_nobody": "Свободният час няма заместник.",
    "substitution.substitute_required": "Изберете заместващия учител.",
    "substitution.staff_has_no_external_name": (
        "Име на външен лектор се пише само за вида „външен лектор“."
    ),
    "substitution.external_name_required": (
        "Напишете името на външния лектор (не избирайте служител)."
    ),
    "substitution.substitute_is_absent_teacher": "Отсъстващият учител не може да замества сам себе си.",
    "substitution.substitute_absent": (
        "{name} също отсъства на {date} (отсъствие {dates}) и не може да замества."
    ),
    "substitution.substitute_busy": (
        "{name} вече има час в {period}. час на {date}: {lesson}. Изберете друг заместник."
    ),
    "substitution.substitute_busy_field": "Заетият учител не може да замества.",
    "substitution.lesson_taken": "Този час вече е към друго отсъствие.",
}


class Text(str):
    """A Bulgarian text from the catalogue that remembers its key (``Text.key``)."""

    key: str

    def __new__(cls, value: str, key: str) -> Text:
        text = super().__new__(cls, value)
        text.key = key
        return text

    def __reduce__(self) -> tuple[type[Text], tuple[str, str]]:
        return (Text, (str(self), self.key))


def lookup(catalogue: Mapping[str, str], key: str, **values: Any) -> Text:
    """The text of ``key`` in ``catalogue`` with ``values`` filled in (KeyError for an unknown
    key: a bug, not user input). The portal and account catalogues use it too."""
    template = catalogue[key]
    return Text(template.format(**values) if values else template, key)


def msg(key: str, **values: Any) -> Text:
    """The Bulgarian text of ``key`` in the staff catalogue with ``values`` filled in."""
    return lookup(MESSAGES, key, **values)
