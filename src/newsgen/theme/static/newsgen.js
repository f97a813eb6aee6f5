// The dark-mode toggle: a real button (aria-pressed) whose choice is remembered across pages and reloads.
// The theme itself is set before first paint by the inline script in <head>; this only keeps it in step.
(function () {
  var root = document.documentElement;
  var button = document.querySelector("[data-theme-toggle]");
  if (!button) return;
  var key = "newsgen-theme";
  function show() {
    button.setAttribute("aria-pressed", root.getAttribute("data-theme") === "dark" ? "true" : "false");
  }
  function stored() {
    try { return localStorage.getItem(key); } catch (e) { return null; }
  }
  show();
  button.addEventListener("click", function () {
    var next = root.getAttribute("data-theme") === "dark" ? "light" : "dark";
    root.setAttribute("data-theme", next);
    try { localStorage.setItem(key, next); } catch (e) {}
    show();
  });
  // Without a choice of the reader's own, follow the system when it switches (e.g. at dusk).
  var query = matchMedia("(prefers-color-scheme: dark)");
  function follow(event) {
    if (stored() !== "dark" && stored() !== "light") {
      root.setAttribute("data-theme", event.matches ? "dark" : "light");
      show();
    }
  }
  if (query.addEventListener) query.addEventListener("change", follow);
})();
