(function () {
  "use strict";
  var RANK = { high: 3, medium: 2, low: 1 };
  var all = function (sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); };
  var byId = function (id) { return document.getElementById(id); };
  var cards = all(".flag-card");
  var marks = all("mark.fl");
  var entries = all("#review > .row, #review > .sec-head");
  var rank = function (sev) { return RANK[sev] || 0.5; };

  function checkedValues(name) {
    var out = {};
    all('input[name="' + name + '"]').forEach(function (box) { if (box.checked) { out[box.value] = true; } });
    return out;
  }

  // Show the flags whose type and severity are both ticked; recolour marks and rows from what stays visible.
  function apply() {
    var types = checkedValues("type");
    var sevs = checkedValues("severity");
    var onlyFlagged = byId("only-flagged").checked;
    var visible = {};
    var count = 0;
    cards.forEach(function (card) {
      var show = types[card.dataset.type] === true && sevs[card.dataset.sev] === true;
      card.hidden = !show;
      if (show) { visible[card.dataset.flag] = card.dataset.sev; count += 1; }
    });
    marks.forEach(function (mark) {
      var best = "";
      mark.dataset.flags.split(" ").forEach(function (key) {
        var sev = visible[key];
        if (sev !== undefined && (best === "" || rank(sev) > rank(best))) { best = sev; }
      });
      mark.classList.toggle("off", best === "");
      mark.dataset.sev = best;
    });
    // Walk backwards so a heading knows whether anything under it is still shown.
    var shown = [true, false, false, false, false, false];
    for (var i = entries.length - 1; i >= 0; i -= 1) {
      var el = entries[i];
      if (el.classList.contains("row")) {
        var best = "";
        all(".flag-card", el).forEach(function (card) {
          if (!card.hidden && (best === "" || rank(card.dataset.sev) > rank(best))) { best = card.dataset.sev; }
        });
        el.dataset.sev = best;
        el.hidden = onlyFlagged && best === "";
        if (!el.hidden) { shown = shown.map(function () { return true; }); }
      } else {
        var level = Math.min(Math.max(parseInt(el.dataset.level, 10) || 1, 1), 5);
        el.hidden = onlyFlagged && !shown[level];
        for (var l = level; l < shown.length; l += 1) { shown[l] = false; }
      }
    }
    byId("visible-count").textContent = String(count);
    document.body.classList.toggle("pair-colours", byId("pair-colours").checked);
  }

  all(".filters input").forEach(function (box) { box.addEventListener("change", apply); });
  all("button[data-all]").forEach(function (button) {
    button.addEventListener("click", function () {
      var on = button.dataset.all === "on";
      all('input[name="' + button.dataset.group + '"]').forEach(function (box) { box.checked = on; });
      apply();
    });
  });

  // Hovering a sentence lights it and every sentence it is linked to, on both sides.
  var linked = {};
  all(".s[data-link]").forEach(function (el) { (linked[el.dataset.link] = linked[el.dataset.link] || []).push(el); });
  var lit = [];
  function light(list) {
    lit.forEach(function (el) { el.classList.remove("hl"); });
    lit = list || [];
    lit.forEach(function (el) { el.classList.add("hl"); });
  }
  var review = byId("review");
  review.addEventListener("mouseover", function (event) {
    var target = event.target instanceof Element ? event.target : null;
    var sentence = target && target.closest(".s[data-link]");
    var card = target && target.closest(".flag-card");
    if (sentence) {
      light(linked[sentence.dataset.link]);
    } else if (card) {
      light(marks.filter(function (m) { return m.dataset.flags.split(" ").indexOf(card.dataset.flag) >= 0; }));
    } else {
      light([]);
    }
  });
  review.addEventListener("mouseleave", function () { light([]); });

  // Clicking a highlighted passage brings its flag card into view.
  review.addEventListener("click", function (event) {
    var mark = event.target instanceof Element ? event.target.closest("mark.fl") : null;
    if (!mark) { return; }
    var key = mark.dataset.flags.split(" ").filter(function (k) {
      var card = byId("card-" + k);
      return card && !card.hidden;
    })[0];
    var card = key ? byId("card-" + key) : null;
    if (card) {
      card.scrollIntoView({ block: "nearest", behavior: "smooth" });
      card.classList.remove("flash");
      void card.offsetWidth;
      card.classList.add("flash");
    }
  });

  apply();
  document.body.classList.add("js");
})();
