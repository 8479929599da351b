/* A small rich-text editor for story bodies: contenteditable + a toolbar, no CDN, no build.
   The server sanitizes whatever arrives (paste from Word included), so this only has to be
   pleasant to type in. Registers the Alpine component `richText`. */
document.addEventListener("alpine:init", () => {
  Alpine.data("richText", (fieldId) => ({
    field: null,
    chars: 0,
    init() {
      this.field = document.getElementById(fieldId);
      this.$refs.area.innerHTML = this.field.value || "<p><br></p>";
      this.field.form.addEventListener("submit", () => this.sync());
      document.execCommand("defaultParagraphSeparator", false, "p");
      this.chars = this.count();
    },
    sync() {
      this.field.value = this.$refs.area.innerHTML;
      this.chars = this.count();
    },
    caretIntoEmpty() {
      // A new story starts with one empty paragraph: type into it, not beside it.
      const area = this.$refs.area;
      const first = area.querySelector("p");
      if (first && area.innerText.trim() === "") {
        const range = document.createRange();
        range.setStart(first, 0);
        range.collapse(true);
        const selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
      }
    },
    run(command, value = null) {
      this.$refs.area.focus();
      document.execCommand(command, false, value);
      this.sync();
    },
    heading() { this.run("formatBlock", "h3"); },
    paragraph() { this.run("formatBlock", "p"); },
    quote() { this.run("formatBlock", "blockquote"); },
    link() {
      const url = window.prompt("链接地址（以 http:// 或 https:// 开头）", "https://");
      if (url && /^https?:\/\//.test(url)) this.run("createLink", url);
    },
    count() { return (this.$refs.area?.innerText || "").replace(/\s/g, "").length; },
  }));

  /* Attached assets: a comma-separated list of ids in a hidden input, shown as chips. */
  Alpine.data("assetList", (fieldId) => ({
    field: null,
    init() {
      this.field = document.getElementById(fieldId);
      this.$el.addEventListener("asset-added", (e) => this.add(e.detail.id));
    },
    ids() { return (this.field.value || "").split(",").filter(Boolean); },
    add(id) {
      const ids = this.ids();
      if (!ids.includes(String(id))) { ids.push(String(id)); this.field.value = ids.join(","); }
    },
    pick(tile) {
      const id = tile.dataset.id;
      if (this.ids().includes(String(id))) return;
      this.add(id);
      const chip = document.createElement("div");
      chip.className = "chip";
      chip.dataset.assetChip = id;
      if (tile.dataset.thumb) {
        const img = document.createElement("img");
        img.src = tile.dataset.thumb;
        img.alt = "";
        chip.appendChild(img);
      }
      const text = document.createElement("span");
      text.className = "chip-text";
      text.textContent = tile.dataset.caption;
      chip.appendChild(text);
      const button = document.createElement("button");
      button.type = "button";
      button.className = "small";
      button.textContent = "×";
      button.setAttribute("aria-label", "移除");
      button.addEventListener("click", () => this.remove(id, button));
      chip.appendChild(button);
      document.getElementById("attached").appendChild(chip);
    },
    remove(id, el) {
      this.field.value = this.ids().filter((x) => x !== String(id)).join(",");
      el.closest("[data-asset-chip]").remove();
    },
  }));
});

/* A freshly uploaded or picked asset chip announces itself to the list around it. */
document.addEventListener("htmx:afterSwap", (event) => {
  event.detail.target.querySelectorAll("[data-asset-chip][data-new]").forEach((chip) => {
    chip.removeAttribute("data-new");
    chip.dispatchEvent(new CustomEvent("asset-added", { bubbles: true, detail: { id: chip.dataset.assetChip } }));
  });
});

/* Uploading (the story form's hidden #upload-form): a chosen file or photo is sent at once,
   and #upload-status says how it went. Listeners here, not hx-on attributes: pages are sent a
   Content-Security-Policy without 'unsafe-eval', and htmx runs with allowEval: false. */
document.addEventListener("change", (event) => {
  if (event.target.matches("[data-upload-on-change]")) htmx.trigger(event.target.form, "submit");
});

document.addEventListener("htmx:responseError", (event) => {
  if (event.detail.elt.id !== "upload-form") return;
  // The server's answer is its own small HTML fragment naming what is wrong with the file.
  document.getElementById("upload-status").innerHTML = event.detail.xhr.responseText;
});

document.addEventListener("htmx:afterRequest", (event) => {
  const form = event.detail.elt;
  if (form.id !== "upload-form" || !event.detail.successful) return;
  document.getElementById("upload-status").innerHTML = '<p class="muted">已上传。</p>';
  form.reset();
});
