// The phone simulator's incoming calls: outbound calls of the school (placed without Twilio in
// development) ring here; the buttons play Twilio's part through /ivr/simulator/outbound/<id>,
// which signs each webhook as Twilio would.
(function () {
  "use strict";
  var box = document.getElementById("out-sim");
  if (!box) return;
  var api = box.getAttribute("data-api");
  var status = document.getElementById("out-sim-status");
  var ring = document.getElementById("out-sim-ring");
  var keys = document.getElementById("out-sim-keys");
  var log = document.getElementById("out-sim-log");
  var current = null, busy = false;

  function line(text, mine) {
    var li = document.createElement("li");
    if (mine) li.className = "ivr-you";
    li.textContent = text; log.appendChild(li);
    log.scrollTop = log.scrollHeight;
  }
  function poll() {
    if (busy || (current && !keys.hidden)) return;
    fetch(api, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (calls) {
      var ringing = calls.filter(function (c) { return c.status === "ringing" || c.status === "queued"; });
      if (!ringing.length) {
        if (!current) { ring.hidden = true; status.textContent = "Няма входящо обаждане. (Проверява се на всеки 3 секунди.)"; }
        return;
      }
      current = ringing[0];
      ring.hidden = false;
      status.textContent = "Звъни: Бележник търси " + current.to + " (опит " + current.round + ").";
    }).catch(function () {});
  }
  function send(op, digits) {
    if (!current) return;
    busy = true;
    fetch(api + "/" + current.id, {
      method: "POST", headers: { "Content-Type": "application/json" }, credentials: "same-origin",
      body: JSON.stringify({ op: op, digits: digits || "" })
    }).then(function (r) { return r.json(); }).then(function (result) {
      busy = false;
      if (result.error) { status.textContent = result.error; current = null; return; }
      (result.said || []).forEach(function (t) { line(t, false); });
      ring.hidden = true;
      keys.hidden = !!result.hung_up;
      if (result.hung_up) { status.textContent = "Обаждането приключи."; current = null; }
      else { status.textContent = "Разговор: натиснете клавиш."; }
    });
  }
  box.addEventListener("click", function (e) {
    var op = e.target.getAttribute && e.target.getAttribute("data-op");
    var key = e.target.getAttribute && e.target.getAttribute("data-out-key");
    if (op) { if (op === "answer" || op === "machine") log.innerHTML = ""; send(op); }
    if (key) { line("Вие: " + key, true); send("press", key); }
  });
  poll();
  window.setInterval(poll, 3000);
})();
