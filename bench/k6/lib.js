// What the k6 scenarios share: the data the runner wrote, the base URL, sign-in with the CSRF
// token, Twilio's request signature, and the checks that count errors.
// Plain JavaScript with k6's own modules only (run by bench/k6_run.py).
import http from 'k6/http';
import crypto from 'k6/crypto';
import { check } from 'k6';
import { SharedArray } from 'k6/data';
import { Counter } from 'k6/metrics';

export const BASE = __ENV.BASE_URL;
export const TOKEN = __ENV.TWILIO_TOKEN;
export const PASSWORD = 'demo1234';

// one array per kind of user, read once and shared by every virtual user
function part(name) {
  return new SharedArray(name, () => JSON.parse(open(__ENV.DATA))[name]);
}
export const teachers = part('teachers');
export const parents = part('parents');
export const callers = part('callers');

export const errors = new Counter('errors');

const CSRF = /name="csrf_token"[^>]*value="([^"]+)"/;

export function pick(list) {
  return list[Math.floor(Math.random() * list.length)];
}

// a random sample of n items of list (all of them if it has fewer)
export function sample(list, n) {
  const copy = list.slice();
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy.slice(0, n);
}

// true when the check passed; a failed one is counted in `errors` with its kind
export function ok(response, kind, test) {
  const passed = check(response, { [kind]: test });
  if (!passed) {
    errors.add(1, { kind });
    if (__ENV.VERBOSE) {
      // the page's title and its first error messages (a flash or a field's), not the whole page
      const body = String(response.body || '').replace(/\s+/g, ' ');
      const said = (body.match(/<title>[^<]*|class="(?:field-error|error|flash[^"]*)"[^>]*>[^<]*/g) || []).slice(0, 4);
      console.log(`${kind}: ${response.status} ${said.join(' | ') || body.slice(0, 300)}`);
    }
  }
  return passed;
}

export function csrfOf(body) {
  const match = CSRF.exec(String(body || ''));
  return match ? match[1] : null;
}

// sign in on `loginPath` (a form with e-mail and password) and return the CSRF token of the page
// it lands on (a session's token serves every form of that session), or null on failure
export function signIn(loginPath, landing, email, kind) {
  const page = http.get(BASE + loginPath, { tags: { kind: `${kind} login page` } });
  const token = csrfOf(page.body);
  if (!ok(page, `${kind} login page`, () => page.status === 200 && token)) return null;
  const done = http.post(
    BASE + loginPath,
    { email, password: PASSWORD, csrf_token: token },
    { redirects: 0, tags: { kind: `${kind} login` } },
  );
  const signed = ok(done, `${kind} login`, (r) => r.status === 302 && !String(r.headers.Location).includes('/login'));
  if (!signed) return null;
  const home = http.get(BASE + landing, { tags: { kind: `${kind} home` } });
  const fresh = csrfOf(home.body);
  return ok(home, `${kind} home`, () => home.status === 200 && fresh) ? fresh : null;
}

// X-Twilio-Signature: HMAC-SHA1 (key: the auth token) of the URL followed by each POST parameter
// name and value in name order, base64 (as security.signature_valid checks it)
export function twilioSignature(url, params) {
  let data = url;
  for (const name of Object.keys(params).sort()) data += name + params[name];
  return crypto.hmac('sha1', TOKEN, data, 'base64');
}

export function twilioPost(path, params, kind) {
  const url = BASE + path;
  return http.post(url, params, {
    headers: { 'X-Twilio-Signature': twilioSignature(url, params) },
    tags: { kind },
  });
}

// sign in before the scenarios start (k6's setup): `count` sessions of `people` (the first ones),
// each as {index, cookie, token}; a virtual user then takes one over with `adopt`, as a person
// who is already signed in (the load tests measure the writes and views, not a sign-in storm)
export function signInAll(people, count, loginPath, landing, kind) {
  const out = [];
  const jar = http.cookieJar();
  for (let i = 0; i < Math.min(count, people.length); i++) {
    const who = people[i];
    const token = signIn(loginPath, landing(who), who.email, kind);
    const cookie = jar.cookiesForURL(BASE + '/').session;
    if (token !== null && cookie) out.push({ index: i, cookie: cookie[0], token });
    jar.clear(BASE + '/');
  }
  return out;
}

export function adopt(session) {
  http.cookieJar().set(BASE + '/', 'session', session.cookie, { path: '/' });
}
