// algoreg: comfort only. Every page works without this file.
(function () {
  "use strict";
  var lang = document.documentElement.lang === "en" ? "en" : "nl";
  var words = {
    nl: { chars: "tekens", list: "Opsomming", numbered: "Genummerde lijst", para: "Alinea", link: "Link", url: "Webadres (https://…)" },
    en: { chars: "characters", list: "Bulleted list", numbered: "Numbered list", para: "Paragraph", link: "Link", url: "Web address (https://…)" }
  }[lang];

  // Length without markup, as the server counts it.
  function textLength(s) {
    var div = document.createElement("div");
    div.innerHTML = s.replace(/<(script|style)[\s\S]*?<\/\1>/gi, "");
    return (div.textContent || "").length;
  }

  function wrap(area, before, after) {
    var start = area.selectionStart, end = area.selectionEnd, v = area.value;
    var selected = v.slice(start, end);
    area.value = v.slice(0, start) + before + selected + after + v.slice(end);
    area.focus();
    area.selectionStart = start + before.length;
    area.selectionEnd = start + before.length + selected.length;
    area.dispatchEvent(new Event("input"));
  }

  function listOf(area, tag) {
    var start = area.selectionStart, end = area.selectionEnd, v = area.value;
    var lines = v.slice(start, end).split(/\n/).filter(function (l) { return l.trim() !== ""; });
    if (lines.length === 0) { lines = [""]; }
    var html = "<" + tag + ">" + lines.map(function (l) { return "<li>" + l + "</li>"; }).join("") + "</" + tag + ">";
    area.value = v.slice(0, start) + html + v.slice(end);
    area.focus();
    area.dispatchEvent(new Event("input"));
  }

  document.querySelectorAll("textarea.rich").forEach(function (area) {
    var counter = document.getElementById("count-" + area.id.replace(/^field-/, ""));
    if (counter) {
      var max = parseInt(counter.getAttribute("data-max"), 10);
      var update = function () {
        var n = textLength(area.value);
        counter.textContent = n + " / " + max + " " + words.chars;
        counter.classList.toggle("over", n > max);
      };
      area.addEventListener("input", update);
      counter.setAttribute("aria-live", "polite");
    }
    var bar = document.createElement("div");
    bar.className = "toolbar";
    [[words.para, function () { wrap(area, "<p>", "</p>"); }],
     [words.list, function () { listOf(area, "ul"); }],
     [words.numbered, function () { listOf(area, "ol"); }],
     [words.link, function () {
        var url = window.prompt(words.url, "https://");
        if (url && /^https?:\/\/\S+$/.test(url)) { wrap(area, '<a href="' + url.replace(/"/g, "%22") + '">', "</a>"); }
     }]].forEach(function (b) {
      var btn = document.createElement("button");
      btn.type = "button";
      btn.textContent = b[0];
      btn.setAttribute("aria-controls", area.id);
      btn.addEventListener("click", b[1]);
      bar.appendChild(btn);
    });
    area.parentNode.insertBefore(bar, area);
  });

  // Move focus to an error summary so screen readers announce it.
  var summary = document.querySelector(".error-summary");
  if (summary) { summary.focus(); }

  // Passkeys (WebAuthn): adding one on /account/passkeys, logging in with one on the login page. Both
  // talk JSON to the session API; binary values travel as base64url.
  (function () {
    if (!window.PublicKeyCredential || !navigator.credentials) return;
    var say = {
      nl: { failed: "Dat lukte niet: ", cancelled: "Afgebroken of niet toegestaan.", added: "Passkey toegevoegd." },
      en: { failed: "That did not work: ", cancelled: "Cancelled or not allowed.", added: "Passkey added." }
    }[lang];
    function fromB64(s) {
      s = s.replace(/-/g, "+").replace(/_/g, "/");
      while (s.length % 4) s += "=";
      var bin = atob(s), out = new Uint8Array(bin.length);
      for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
      return out.buffer;
    }
    function toB64(buf) {
      var bytes = new Uint8Array(buf), bin = "";
      for (var i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
      return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    }
    function post(path, body) {
      return fetch(path, { method: "POST", credentials: "same-origin", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body || {}) })
        .then(function (r) {
          return r.json().catch(function () { return {}; }).then(function (j) {
            if (!r.ok) throw new Error(j.detail || j.title || String(r.status));
            return j;
          });
        });
    }
    function credential(c) {
      var r = c.response, out = { rawId: toB64(c.rawId), response: { clientDataJSON: toB64(r.clientDataJSON) } };
      if (r.attestationObject) out.response.attestationObject = toB64(r.attestationObject);
      if (r.authenticatorData) out.response.authenticatorData = toB64(r.authenticatorData);
      if (r.signature) out.response.signature = toB64(r.signature);
      if (r.userHandle) out.response.userHandle = toB64(r.userHandle);
      return out;
    }
    var status = document.querySelector("[data-passkey-status]");
    function fail(e) {
      if (status) status.textContent = e && e.name === "NotAllowedError" ? say.cancelled : say.failed + (e && e.message ? e.message : e);
    }
    var add = document.querySelector("[data-passkey-add]");
    if (add) {
      add.hidden = false;
      add.querySelector("button").addEventListener("click", function () {
        var password = document.getElementById("passkey-password");
        post("/api/v1/session/passkeys/options", { password: password ? password.value : "" }).then(function (o) {
          var pk = o.public_key;
          pk.challenge = fromB64(pk.challenge);
          pk.user.id = fromB64(pk.user.id);
          pk.excludeCredentials = (pk.excludeCredentials || []).map(function (c) { return { type: c.type, id: fromB64(c.id) }; });
          return navigator.credentials.create({ publicKey: pk }).then(function (c) {
            var name = document.getElementById("passkey-name");
            return post("/api/v1/session/passkeys", { ceremony: o.ceremony, name: name ? name.value : "", credential: credential(c) });
          });
        }).then(function () {
          if (status) status.textContent = say.added;
          window.location.reload();
        }).catch(fail);
      });
    }
    var login = document.querySelector("[data-passkey-login]");
    if (login) {
      login.hidden = false;
      login.querySelector("button").addEventListener("click", function () {
        post("/api/v1/session/passkey/options").then(function (o) {
          var pk = o.public_key;
          pk.challenge = fromB64(pk.challenge);
          pk.allowCredentials = [];
          return navigator.credentials.get({ publicKey: pk }).then(function (c) {
            return post("/api/v1/session/passkey", { ceremony: o.ceremony, credential: credential(c) });
          });
        }).then(function () {
          window.location.assign(login.getAttribute("data-next") || "/" + lang + "/beheer");
        }).catch(fail);
      });
    }
  })();
})();

// Suggestions while typing in the search box (the form works without them).
(function () {
  "use strict";
  var input = document.querySelector("input[data-suggest]");
  if (!input || !window.fetch) { return; }
  var list = document.createElement("ul");
  list.className = "suggestions";
  list.id = "q-suggestions";
  list.hidden = true;
  input.parentNode.parentNode.insertBefore(list, input.parentNode.nextSibling);
  var status = document.createElement("p");
  status.className = "sr-only";
  status.setAttribute("role", "status");
  list.parentNode.insertBefore(status, list.nextSibling);
  var base = document.documentElement.lang === "en" ? "/en" : "/nl";
  var timer;
  input.addEventListener("input", function () {
    clearTimeout(timer);
    var q = input.value.trim();
    if (q.length < 2) { list.hidden = true; return; }
    timer = setTimeout(function () {
      fetch(input.getAttribute("data-suggest") + "?q=" + encodeURIComponent(q)).then(function (r) { return r.json(); }).then(function (s) {
        list.innerHTML = "";
        var n = 0;
        function add(href, text) {
          var li = document.createElement("li");
          var a = document.createElement("a");
          a.href = href;
          a.textContent = text;
          li.appendChild(a);
          list.appendChild(li);
          n += 1;
        }
        var search = base + "/search?q=";
        if (s.did_you_mean) { add(search + encodeURIComponent(s.did_you_mean), (base === "/en" ? "Did you mean: " : "Bedoelde u: ") + s.did_you_mean); }
        (s.queries || []).forEach(function (t) { add(search + encodeURIComponent(t), (base === "/en" ? "Search for: " : "Zoek op: ") + t); });
        (s.organisations || []).forEach(function (o) { add(base + "/organisatie/" + encodeURIComponent(o.code), o.name); });
        (s.algorithms || []).forEach(function (a) { add(base + "/algoritme/" + encodeURIComponent(a.id), a.name + " – " + a.organisation); });
        list.hidden = n === 0;
        status.textContent = n ? n + (base === "/en" ? " suggestions" : " suggesties") : "";
      }).catch(function () { list.hidden = true; });
    }, 150);
  });
})();
