/* The WeChat version's visual editor (Trix 2.1.19, vendored under static/vendor/, MIT).
   The editor shows the plain article: 小标题 (h1), 引用, lists, 小字 (来源、署名: h6) and the
   story's pictures with their captions. The server writes the inline styles WeChat needs
   (rongmei/newsroom/wechat_html.py), so nothing here deals with styles. Deferred right after
   Trix, which defines <trix-editor> a tick later: these settings are in place before it starts.
   No inline script, no eval: listeners only (the page has a strict Content-Security-Policy). */
(function () {
  if (!window.Trix) return;
  const config = Trix.config;
  // A paragraph per Enter, written as <p>, as WeChat and the generator write them.
  config.blockAttributes.default.tagName = "p";
  config.blockAttributes.default.breakOnReturn = true;
  config.blockAttributes.note = { tagName: "h6", terminal: true, breakOnReturn: true, group: false };
  Object.assign(config.lang, {
    attachFiles: "插入文件", bold: "加粗", bullets: "列表", byte: "字节", bytes: "字节", captionPlaceholder: "添加图片说明…",
    code: "代码", heading1: "小标题", indent: "增加缩进", italic: "斜体", link: "链接", numbers: "编号",
    outdent: "减少缩进", quote: "引用", redo: "重做", remove: "移除", strike: "删除线", undo: "撤销", unlink: "取消链接",
    url: "链接", urlPlaceholder: "输入链接地址…", GB: "GB", KB: "KB", MB: "MB", PB: "PB", TB: "TB",
  });

  // Pictures come from the story (they are already checked, stripped of location and sized);
  // a file dropped or pasted into the editor is not uploaded from here.
  document.addEventListener("trix-file-accept", (event) => {
    event.preventDefault();
    const note = document.getElementById("wechat-editor-note");
    if (note) note.textContent = "请先把图片加到稿件里，再用下面的“插入”按钮放进正文。";
  });

  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-insert-picture]");
    if (!button) return;
    const editorElement = document.querySelector("trix-editor.wechat-article");
    if (!editorElement || !editorElement.editor) return;
    const figure = document.createElement("figure");
    figure.setAttribute("data-trix-attachment", JSON.stringify({ contentType: "image", url: button.dataset.url }));
    figure.setAttribute("data-trix-attributes", JSON.stringify({ caption: button.dataset.caption || "" }));
    const img = document.createElement("img");
    img.src = button.dataset.url;
    figure.appendChild(img);
    editorElement.focus();
    editorElement.editor.insertHTML(figure.outerHTML);
  });

  // Typing in the raw HTML box means that is what should be saved.
  document.addEventListener("input", (event) => {
    if (!event.target.matches("textarea[name=body_html]")) return;
    const html = event.target.form.querySelector("input[name=mode][value=html]");
    if (html) html.checked = true;
  });
})();
