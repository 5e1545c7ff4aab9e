// Copy buttons: <button data-copy-target="ID" hidden> copies the text of element ID.
// The buttons stay hidden without JavaScript; the text remains selectable by hand.
(function () {
  "use strict";

  function fallbackCopy(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "absolute";
    area.style.left = "-9999px";
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    document.body.removeChild(area);
    return ok ? Promise.resolve() : Promise.reject(new Error("copy failed"));
  }

  function copy(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () { return fallbackCopy(text); });
    }
    return fallbackCopy(text);
  }

  function setup(button) {
    var target = document.getElementById(button.getAttribute("data-copy-target"));
    if (!target) { return; }
    var label = button.textContent;
    button.hidden = false;
    button.addEventListener("click", function () {
      copy(target.textContent.trim()).then(
        function () { button.textContent = "Copied"; },
        function () {
          // Copying is not allowed here: select the text so the user can copy it by hand.
          var range = document.createRange();
          range.selectNodeContents(target);
          var selection = window.getSelection();
          selection.removeAllRanges();
          selection.addRange(range);
          button.textContent = "Press Ctrl+C";
        }
      ).then(function () {
        window.setTimeout(function () { button.textContent = label; }, 2000);
      });
    });
  }

  document.querySelectorAll("button[data-copy-target]").forEach(setup);
})();
