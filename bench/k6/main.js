// The scenarios of one k6 run (MODE, set by bench/k6_run.py):
//   capacity: each endpoint as fast as VUS virtual users can drive it, one after the other for
//             PHASE seconds each, beside its bare endpoint: bare grade insert, grade columns,
//             lesson registers, bare static TwiML, menu steps, greeting + PIN;
//   peak:     the Ministry's national write peak (its k6 tests: ramping arrival rate, 30 s warm-up
//             at 10/s, then RAMP seconds up to the peak and HOLD seconds at it), scaled to our
//             endpoints: GRADES_PER_S grades in columns of GRADES_PER_COLUMN, LESSONS_PER_S lesson
//             registers of 4.5 absences and one topic each (450 absences/s and 100 topics/s);
//   mixed:    the peak plus PHONE_STEPS_PER_S phone steps (whole calls) and PORTAL_PER_S portal
//             views, on the same ramp.
// Writes k6's summary as JSON to SUMMARY.
export { gradeColumn, lessonRegister, bareGradeInsert } from './staff.js';
export { phoneCall, menuStep, greetingPin, bareTwiml } from './phone.js';
export { portalView } from './portal.js';
import { parents, signInAll, teachers } from './lib.js';

const MODE = __ENV.MODE || 'capacity';
const num = (name, fallback) => Number(__ENV[name] || fallback);

function constant(exec, index, kinds) {
  const phase = num('PHASE', 20);
  return {
    executor: 'constant-vus',
    exec,
    vus: num('VUS', 6),
    duration: `${phase}s`,
    startTime: `${index * (phase + 2)}s`,
    gracefulStop: '5s',
    tags: { phase: kinds },
  };
}

// the Ministry's shape (createScenario in its load tests): warm-up at 10/s, ramp, hold
function ramping(exec, perSecond, timeUnit = '1s') {
  const peak = Math.max(1, Math.round(perSecond));
  return {
    executor: 'ramping-arrival-rate',
    exec,
    startRate: Math.min(10, peak),
    timeUnit,
    preAllocatedVUs: Math.max(4, Math.ceil(peak * 0.6)),
    maxVUs: Math.max(20, peak * 3),
    stages: [
      { target: Math.min(10, peak), duration: `${num('WARMUP', 30)}s` },
      { target: peak, duration: `${num('RAMP', 300)}s` },
      { target: peak, duration: `${num('HOLD', 300)}s` },
    ],
    gracefulStop: '10s',
  };
}

function scenarios() {
  if (MODE === 'capacity') {
    const order = [
      ['bareGradeInsert', 'bare grade insert'],
      ['gradeColumn', 'grade column'],
      ['lessonRegister', 'lesson register'],
      ['bareTwiml', 'bare static TwiML'],
      ['menuStep', 'menu step'],
      ['greetingPin', 'greeting + PIN'],
    ];
    const out = {};
    order.forEach(([exec, kinds], i) => (out[exec] = constant(exec, i, kinds)));
    return out;
  }
  const perColumn = num('GRADES_PER_COLUMN', 10);
  const out = {
    grade_columns: ramping('gradeColumn', num('GRADES_PER_S', 500) / perColumn),
    lesson_registers: ramping('lessonRegister', num('LESSONS_PER_S', 100)),
  };
  if (MODE === 'mixed') {
    // a whole call is 3 + MENUS_PER_CALL steps: the rate in calls per (3 + MENUS_PER_CALL) s
    const steps = 3 + num('MENUS_PER_CALL', 4);
    out.phone_calls = ramping('phoneCall', num('PHONE_STEPS_PER_S', 100), `${steps}s`);
    out.portal_views = ramping('portalView', num('PORTAL_PER_S', 100));
  }
  return out;
}

const KINDS = [
  'grade column', 'lesson register', 'bare grade insert', 'bare static TwiML',
  'ivr greeting', 'ivr PIN + headline', 'ivr menu key', 'ivr status',
  'portal dashboard', 'portal compare', 'staff login', 'portal login',
  'grade grid page', 'lesson page',
];
const thresholds = { checks: ['rate>0.9'] }; // the Ministry's criterion
for (const kind of KINDS) {
  // a threshold per kind also makes k6 keep the kind's own figures in the summary
  thresholds[`http_req_duration{kind:${kind}}`] = ['p(99)<1000'];
  thresholds[`http_reqs{kind:${kind}}`] = ['count>=0'];
  thresholds[`errors{kind:${kind}}`] = ['count>=0']; // failed checks of the kind, in the table
}
for (const phase of ['grade column', 'lesson register', 'bare grade insert', 'bare static TwiML', 'menu step', 'greeting + PIN']) {
  thresholds[`http_reqs{phase:${phase}}`] = ['count>=0'];
}

export const options = {
  scenarios: scenarios(),
  thresholds,
  summaryTrendStats: ['avg', 'med', 'p(95)', 'p(99)', 'max', 'count'],
  // a virtual user is one person's browser: its session cookie lives across iterations
  noCookiesReset: true,
  setupTimeout: '900s',
};

// the staff and parents' sessions, signed in before the scenarios start (SESSIONS of each;
// in the capacity run two for each virtual user of a phase)
export function setup() {
  const count = MODE === 'capacity' ? 2 * num('VUS', 6) : num('SESSIONS', 60);
  return {
    staff: signInAll(teachers, count, '/staff/login', () => '/staff/', 'staff'),
    parents:
      MODE === 'mixed'
        ? signInAll(parents, count, '/login', (who) => `/child/${who.student}`, 'portal')
        : [],
  };
}

export function handleSummary(data) {
  return { [__ENV.SUMMARY]: JSON.stringify(data) };
}
