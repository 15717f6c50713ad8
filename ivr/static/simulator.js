// Phone-line simulator: a keypad that talks to /ivr/simulator/api, which signs each request
// like Twilio and follows the TwiML; this page shows (and speaks) what the line says.
(function () {
  "use strict";
  var api = "/ivr/simulator/api";
  var state = null, typed = "", timer = null;
  var log = document.getElementById("sim-log");
  var statusEl = document.getElementById("sim-status");
  var typedEl = document.getElementById("sim-typed");
  var keys = document.querySelectorAll(".ivr-key");
  var speakBox = document.getElementById("sim-speak");
  var autoSilence = document.getElementById("sim-auto-silence");

  function bgVoice() {
    if (!window.speechSynthesis) return null;
    var voices = window.speechSynthesis.getVoices();
    for (var i = 0; i < voices.length; i++) {
      if (voices[i].lang && voices[i].lang.toLowerCase().indexOf("bg") === 0) return voices[i];
    }
    return null;
  }
  function speak(lines) {
    if (!speakBox.checked || !window.speechSynthesis) return;
    var voice = bgVoice();
    if (!voice) return;
    window.speechSynthesis.cancel();
    lines.forEach(function (line) {
      var u = new SpeechSynthesisUtterance(line);
      u.voice = voice; u.lang = voice.lang;
      window.speechSynthesis.speak(u);
    });
  }
  function setWaiting(on) {
    keys.forEach(function (k) { k.disabled = !on; });
    document.getElementById("sim-silence").disabled = !on;
    var speech = on && state && state.gather && String(state.gather.input || "").indexOf("speech") >= 0;
    document.getElementById("sim-words").disabled = !speech;
    document.getElementById("sim-say-button").disabled = !speech;
    document.getElementById("sim-hangup").disabled = !state || state.hung_up;
  }
  function show(result) {
    (result.said || []).forEach(function (line) {
      var li = document.createElement("li"); li.textContent = line; log.appendChild(li);
    });
    log.scrollTop = log.scrollHeight;
    speak(result.said || []);
    state = result.state; typed = ""; typedEl.textContent = "";
    clearTimeout(timer);
    if (result.hung_up || !result.gather) {
      statusEl.textContent = "Линията затвори.";
      setWaiting(false);
      return;
    }
    var g = result.gather;
    statusEl.textContent = g.num_digits ? "Очаква " + g.num_digits + " клавиш(а)." :
      "Въведете цифри и натиснете " + (g.finish_on_key || "#") + ".";
    setWaiting(true);
    if (autoSilence.checked) timer = setTimeout(function () { send({ op: "silence" }); }, (g.timeout + 20) * 1000);
  }
  function send(body) {
    body.state = state;
    setWaiting(false);
    if (window.speechSynthesis) window.speechSynthesis.cancel();
    return fetch(api, {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body), credentials: "same-origin"
    }).then(function (r) { return r.json(); }).then(function (result) {
      if (result.error) { statusEl.textContent = result.error; return; }
      var li = document.createElement("li"); li.className = "ivr-you";
      if (body.op === "press") { li.textContent = "Вие: " + body.digits; log.appendChild(li); }
      if (body.op === "silence") { li.textContent = "Вие: (тишина)"; log.appendChild(li); }
      if (body.op === "say") { li.textContent = "Вие: „" + body.text + "“"; log.appendChild(li); }
      show(result);
    });
  }
  document.getElementById("sim-start").addEventListener("submit", function (e) {
    e.preventDefault();
    log.innerHTML = ""; state = null;
    send({ op: "start", from: document.getElementById("sim-from").value });
  });
  document.getElementById("sim-hangup").addEventListener("click", function () {
    send({ op: "hangup" }).then(function () { statusEl.textContent = "Затворихте."; setWaiting(false); });
  });
  document.getElementById("sim-silence").addEventListener("click", function () { send({ op: "silence" }); });
  document.getElementById("sim-say").addEventListener("submit", function (e) {
    e.preventDefault();
    var words = document.getElementById("sim-words");
    if (!words.value.trim()) return;
    send({ op: "say", text: words.value.trim() });
    words.value = "";
  });
  keys.forEach(function (k) {
    k.addEventListener("click", function () {
      if (!state || !state.gather) return;
      var g = state.gather, key = k.getAttribute("data-key");
      if (window.speechSynthesis) window.speechSynthesis.cancel(); // keys interrupt speech
      if (g.finish_on_key && key === g.finish_on_key) { send({ op: "press", digits: typed + key }); return; }
      typed += key; typedEl.textContent = typed;
      if (g.num_digits && typed.length >= g.num_digits) send({ op: "press", digits: typed });
    });
  });
  if (window.speechSynthesis) window.speechSynthesis.onvoiceschanged = function () {};
})();
