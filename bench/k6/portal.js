// Parents' portal sessions: a parent signs in once (per virtual user), then each iteration views
// the child's dashboard or the comparison page, in turn.
import http from 'k6/http';
import { BASE, ok, parents, signIn } from './lib.js';

let parent = null;
let views = 0;

export function portalView() {
  if (parent === null) {
    const who = parents[(__VU - 1) % parents.length];
    if (signIn('/login', `/child/${who.student}`, who.email, 'portal') === null) return;
    parent = who;
  }
  const compare = views++ % 2 === 1;
  const kind = compare ? 'portal compare' : 'portal dashboard';
  const path = `/child/${parent.student}${compare ? '/compare' : ''}`;
  const r = http.get(BASE + path, { redirects: 0, tags: { kind } });
  ok(r, kind, (x) => x.status === 200);
}
