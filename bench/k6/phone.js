// Whole phone calls with Twilio-signed webhooks: greeting (/ivr/voice), the PIN (a known caller
// number), menu keys, then the status callback (/ivr/status); and the bare static TwiML endpoint
// (the yardstick) signed the same way.
import { Counter } from 'k6/metrics';
import { callers, ok, pick, twilioPost } from './lib.js';

export const phoneSteps = new Counter('phone_steps');
const KEYS = ['1', '2', '3', '4', '5', '6', '7'];
const MENUS = Number(__ENV.MENUS_PER_CALL || 4);

function twiml(r) {
  const body = String(r.body || '');
  return r.status === 200 && body.includes('<Response') && !body.includes('техническа грешка');
}

function actionOf(body) {
  const m = /action="([^"]+)"/.exec(String(body || ''));
  return m ? m[1].replace(/&amp;/g, '&') : null;
}

function newCall() {
  const caller = pick(callers);
  const sid = `CA${Math.random().toString(16).slice(2)}${Date.now().toString(16)}`;
  return { common: { CallSid: sid, From: caller.phone, To: '+35924001234' }, pin: caller.pin };
}

function step(call, kind, path, extra) {
  const r = twilioPost(path, Object.assign({}, call.common, extra), kind);
  if (!ok(r, kind, twiml)) return null;
  phoneSteps.add(1);
  return actionOf(r.body);
}

// greeting and PIN: the call's first two steps; returns the menu's action, or null
function open(call) {
  const pinAt = step(call, 'ivr greeting', '/ivr/voice', { CallStatus: 'ringing' });
  return pinAt === null ? null : step(call, 'ivr PIN + headline', pinAt, { Digits: call.pin });
}

function close(call) {
  step(call, 'ivr status', '/ivr/status', { CallStatus: 'completed', CallDuration: '60' });
}

// one whole call: greeting, PIN, MENUS menu keys, status callback
export function phoneCall() {
  const call = newCall();
  let next = open(call);
  for (let i = 0; i < MENUS && next !== null; i++) {
    next = step(call, 'ivr menu key', next, { Digits: pick(KEYS) });
  }
  close(call);
}

// capacity of the menu: each virtual user keeps one call open and presses keys
let current = null;
let pressed = 0;
export function menuStep() {
  if (current === null || current.next === null || pressed >= 30) {
    if (current !== null) close(current.call);
    const call = newCall();
    current = { call, next: open(call) };
    pressed = 0;
    return;
  }
  current.next = step(current.call, 'ivr menu key', current.next, { Digits: pick(KEYS) });
  pressed++;
}

export function greetingPin() {
  open(newCall());
}

export function bareTwiml() {
  const r = twilioPost('/bench/static-twiml', { CallSid: 'CAbare' }, 'bare static TwiML');
  ok(r, 'bare static TwiML', twiml);
}
