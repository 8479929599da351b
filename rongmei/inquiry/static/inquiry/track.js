/* 网络问政 · 查询办理进度 (inquiry/public/track.html): copy the query code, count characters.
   A static file, not an inline script: the public pages are sent a Content-Security-Policy
   with script-src 'self'. */
(function () {
  var copy = document.getElementById("wz-copy");
  if (copy) {
    var code = document.getElementById("wz-code"), status = document.getElementById("wz-copy-status");
    copy.hidden = false;
    copy.addEventListener("click", function () {
      var text = code.textContent.trim();
      function done() { status.textContent = "已复制：" + text; }
      function fallback() {
        var range = document.createRange(); range.selectNodeContents(code);
        var sel = window.getSelection(); sel.removeAllRanges(); sel.addRange(range);
        try { document.execCommand("copy"); done(); } catch (e) { status.textContent = "请长按查询码手动复制。"; }
      }
      if (navigator.clipboard && window.isSecureContext) { navigator.clipboard.writeText(text).then(done, fallback); } else { fallback(); }
    });
  }
  document.querySelectorAll("[data-count-for]").forEach(function (out) {
    var box = document.getElementById(out.getAttribute("data-count-for")), max = +out.getAttribute("data-max");
    function update() { out.textContent = "已写 " + box.value.length + " 字，最多 " + max + " 字"; }
    box.addEventListener("input", update); update();
  });
  var first = document.querySelector("[autofocus]");
  if (first && document.activeElement !== first) { first.focus(); }
})();
