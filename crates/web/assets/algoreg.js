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
      fetch(input.getAttribute("data-suggest") + "?q=" + encodeURIComponent(q)).then(function (r) { return r.json(); }).then(function (items) {
        list.innerHTML = "";
        items.forEach(function (s) {
          var li = document.createElement("li");
          var a = document.createElement("a");
          a.href = base + "/algoritme/" + s.id;
          a.textContent = s.name + " – " + s.organisation;
          li.appendChild(a);
          list.appendChild(li);
        });
        list.hidden = items.length === 0;
        status.textContent = items.length ? items.length + (base === "/en" ? " suggestions" : " suggesties") : "";
      }).catch(function () { list.hidden = true; });
    }, 150);
  });
})();
