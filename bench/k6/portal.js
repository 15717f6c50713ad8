// Parents' portal sessions: a parent signed in (by setup, or by the virtual user), then each
// iteration views
// the child's dashboard or the comparison page, in turn.
import http from 'k6/http';
import { BASE, adopt, ok, parents, signIn } from './lib.js';

let parent = null;
let views = 0;

export function portalView(data) {
  if (parent === null) {
    const ready = data && data.parents && data.parents.length ? data.parents : null;
    if (ready) {
      const s = ready[(__VU - 1) % ready.length];
      adopt(s);
      parent = parents[s.index];
    } else {
      const who = parents[(__VU - 1) % parents.length];
      if (signIn('/login', `/child/${who.student}`, who.email, 'portal') === null) return;
      parent = who;
    }
  }
  const compare = views++ % 2 === 1;
  const kind = compare ? 'portal compare' : 'portal dashboard';
  const path = `/child/${parent.student}${compare ? '/compare' : ''}`;
  const r = http.get(BASE + path, { redirects: 0, tags: { kind } });
  ok(r, kind, (x) => x.status === 200);
}
