// madoguchi operator console: keyboard shortcuts, live queue updates and reply
// templates. Everything works without this script except the shortcuts and live updates.
(function () {
  "use strict";

  function typing(target) {
    return target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }

  // --- The queue: row selection, opening, and updates without reloading. ---
  var table = document.getElementById("queue");
  var selected = -1;
  function rows() {
    return table ? Array.prototype.slice.call(table.querySelectorAll("tbody tr[data-href]")) : [];
  }
  function select(index) {
    var list = rows();
    if (!list.length) return;
    selected = Math.max(0, Math.min(list.length - 1, index));
    list.forEach(function (row, i) { row.classList.toggle("selected", i === selected); });
    list[selected].scrollIntoView({ block: "nearest" });
    var link = list[selected].querySelector("a");
    if (link) link.focus();
  }
  if (table) {
    table.addEventListener("click", function (event) {
      var row = event.target.closest("tr[data-href]");
      if (row && event.target.tagName !== "A") window.location.href = row.getAttribute("data-href");
    });
    var known = {};
    rows().forEach(function (row) { known[row.getAttribute("data-id")] = true; });
    var refresh = function () {
      fetch(table.getAttribute("data-rows"), { headers: { "X-Requested-With": "madoguchi" }, credentials: "same-origin" })
        .then(function (response) {
          if (response.status === 401) { window.location.reload(); return null; }
          return response.ok ? response.text() : null;
        })
        .then(function (html) {
          if (html === null) return;
          var body = document.getElementById("queue-rows");
          var focusedId = selected >= 0 && rows()[selected] ? rows()[selected].getAttribute("data-id") : null;
          body.innerHTML = html;
          var fresh = 0;
          rows().forEach(function (row, i) {
            var id = row.getAttribute("data-id");
            if (!known[id]) { row.classList.add("fresh"); fresh += 1; known[id] = true; }
            if (id === focusedId) { selected = i; row.classList.add("selected"); }
          });
          var total = body.querySelector("tr[data-total]");
          if (total) document.getElementById("queue-total").textContent = total.getAttribute("data-total") + "件";
          if (fresh) document.title = "(" + fresh + "件の新着) " + document.title.replace(/^\(\d+件の新着\) /, "");
        })
        .catch(function () { /* offline for a moment: the next round tries again */ });
    };
    window.setInterval(refresh, 5000);
    document.addEventListener("visibilitychange", function () { if (!document.hidden) refresh(); });
  }

  // --- Reply templates fill the reply box. ---
  Array.prototype.forEach.call(document.querySelectorAll("select[data-fills]"), function (menu) {
    menu.addEventListener("change", function () {
      var box = document.getElementById(menu.getAttribute("data-fills"));
      if (box && menu.value) {
        box.value = box.value ? box.value + "\n" + menu.value : menu.value;
        box.focus();
      }
      menu.value = "";
    });
  });

  // --- Shortcuts. ---
  function click(id) { var el = document.getElementById(id); if (el) el.click(); }
  function focus(id) { var el = document.getElementById(id); if (el) { el.focus(); return true; } return false; }
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    var list = rows();
    switch (event.key) {
      case "j": if (list.length) { select(selected + 1); event.preventDefault(); } break;
      case "k": if (list.length) { select(selected - 1); event.preventDefault(); } break;
      case "o":
      case "Enter":
        if (selected >= 0 && list[selected]) { window.location.href = list[selected].getAttribute("data-href"); event.preventDefault(); }
        break;
      case "/": if (focus("filter-status")) event.preventDefault(); break;
      case "t": click("take"); break;
      case "r": if (focus("reply-text")) event.preventDefault(); break;
      case "n": if (focus("note-text")) event.preventDefault(); break;
      case "q": if (!table) window.location.href = "/operator"; break;
      case "?":
        var help = document.getElementById("shortcuts");
        if (help && help.showModal) help.showModal();
        break;
    }
  });
})();

// madoguchi operator console: the progress of a personnel switch run, refreshed from its
// fragment (done / failed / left) while the page is open.
(function () {
  "use strict";
  var box = document.querySelector("[data-progress]");
  if (!box) return;
  var refresh = function () {
    if (document.hidden) return;
    fetch(box.getAttribute("data-progress"), { headers: { "X-Requested-With": "madoguchi" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) { if (html !== null) box.innerHTML = html; })
      .catch(function () { /* offline for a moment: the next round tries again */ });
  };
  window.setInterval(refresh, 2000);
})();
