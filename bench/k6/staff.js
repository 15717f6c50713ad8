// Staff sessions: a teacher signs in once (per virtual user) and then saves grade columns
// (/staff/grid/<curriculum>, GRADES_PER_COLUMN grades each) or lesson registers with the lesson's
// topic (/staff/lesson/<slot>?date=…, absences and one topic in one POST), through the real
// endpoints with the session's CSRF token, each followed by the page it redirects to (not with
// FOLLOW=0: the capacity run measures the write beside the bare insert); and the bare endpoint that inserts the same grade rows in one
// statement (bench/ivr_wsgi.py, only with the bench setting on).
import http from 'k6/http';
import { Counter } from 'k6/metrics';
import { BASE, adopt, ok, pick, sample, signIn, teachers } from './lib.js';

export const grades = new Counter('grades');
export const absences = new Counter('absences');
export const topics = new Counter('topics');
export const bareGrades = new Counter('bare_grades');

const PER_COLUMN = Number(__ENV.GRADES_PER_COLUMN || 10);
const VALUES = ['2', '3', '4', '5', '6'];
let session = null; // this virtual user's teacher and CSRF token
let registers = 0;

// the virtual user's teacher: a session signed in by setup (data.staff), else its own sign-in
function teacher(data) {
  if (session === null) {
    const ready = data && data.staff && data.staff.length ? data.staff : null;
    if (ready) {
      const s = ready[(__VU - 1) % ready.length];
      adopt(s);
      session = { who: teachers[s.index], token: s.token };
    } else {
      const who = teachers[(__VU - 1) % teachers.length];
      const token = signIn('/staff/login', '/staff/', who.email, 'staff');
      if (token === null) return null;
      session = { who, token };
    }
  }
  return session;
}

function saved(r) {
  return r.status === 302 && !String(r.headers.Location).includes('/login');
}

// the page the save goes back to, as a browser shows it after the redirect (it also takes the
// save's flashed message out of the session cookie, which would otherwise outgrow 4 kB)
function back(r, kind) {
  if (__ENV.FOLLOW === '0') return;
  const location = String(r.headers.Location);
  const page = http.get(location.startsWith('http') ? location : BASE + location, {
    tags: { kind },
  });
  ok(page, kind, (x) => x.status === 200);
}

export function gradeColumn(data) {
  const s = teacher(data);
  if (s === null) return;
  const column = pick(s.who.columns);
  const form = { csrf_token: s.token, kind: 'current', date: __ENV.TODAY, comment: '' };
  const chosen = sample(column.students, PER_COLUMN);
  for (const id of chosen) form[`g${id}`] = pick(VALUES);
  const r = http.post(`${BASE}/staff/grid/${column.id}`, form, {
    redirects: 0,
    tags: { kind: 'grade column' },
  });
  if (ok(r, 'grade column', saved)) {
    grades.add(chosen.length);
    back(r, 'grade grid page');
  }
}

export function lessonRegister(data) {
  const s = teacher(data);
  if (s === null) return;
  const lesson = pick(s.who.lessons);
  // 4 and 5 absent pupils in turn: 4.5 a lesson, the Ministry's 450 absences to 100 topics
  const absent = sample(lesson.students, 4 + (registers++ % 2));
  const form = {
    csrf_token: s.token,
    date: lesson.date,
    topics_form: '1',
    topic_title0: `Упражнение ${Math.floor(Math.random() * 1000)}`,
    topic_plan0: '',
  };
  for (const id of absent) form[`absent${id}`] = '1';
  const r = http.post(`${BASE}/staff/lesson/${lesson.slot}?date=${lesson.date}`, form, {
    redirects: 0,
    tags: { kind: 'lesson register' },
  });
  if (ok(r, 'lesson register', saved)) {
    absences.add(absent.length);
    topics.add(1);
    back(r, 'lesson page');
  }
}

// the yardstick: the same number of grade rows, inserted in one statement, no session or checks
export function bareGradeInsert() {
  const who = teachers[(__VU - 1) % teachers.length];
  const column = pick(who.columns);
  const chosen = sample(column.students, PER_COLUMN);
  const r = http.post(
    `${BASE}/bench/grades`,
    {
      school: String(who.school),
      year: String(column.year),
      curriculum: String(column.id),
      subject: String(column.subject),
      teacher: String(who.id),
      date: __ENV.TODAY,
      students: chosen.join(','),
    },
    { tags: { kind: 'bare grade insert' } },
  );
  if (ok(r, 'bare grade insert', (x) => x.status === 200)) bareGrades.add(chosen.length);
}
