/* The staff pages' small Alpine components, registered by name.
   Every page is sent a Content-Security-Policy without 'unsafe-eval', and Alpine is its CSP
   build: templates may only name a property or a method (x-data="dropdown", @click="toggle"),
   so the logic lives here. Loaded before Alpine (both deferred), so alpine:init finds it. */
document.addEventListener("alpine:init", () => {
  /* The page: the navigation drawer on phones. */
  Alpine.data("shell", () => ({
    menu: false,
    toggleMenu() { this.menu = !this.menu; },
    menuClass() { return { open: this.menu }; },
  }));

  /* The user menu in the top bar. */
  Alpine.data("dropdown", () => ({
    open: false,
    toggle() { this.open = !this.open; },
    close() { this.open = false; },
  }));

  /* A flash message the user can dismiss. */
  Alpine.data("flash", () => ({
    show: true,
    hide() { this.show = false; },
  }));

  /* A textarea's length in characters (what 微博 and the channels count): no whitespace,
     and a character outside the BMP (an emoji) counts once. */
  Alpine.data("charCount", () => ({
    body: "",
    init() { this.body = this.$refs.body ? this.$refs.body.value : ""; },
    update(event) { this.body = event.target.value; },
    count() { return [...this.body.replace(/\s/g, "")].length; },
  }));

  /* Select a passage of the checked text to comment on it (review page). */
  Alpine.data("quoteComment", () => ({
    quote: "",
    field: "body",
    select(event) {
      const text = window.getSelection().toString().trim();
      if (text) {
        this.quote = text;
        this.field = event.currentTarget.dataset.field;
      }
    },
  }));

  /* Copy buttons (distribution hand-off package): data-copy names the field to copy. */
  Alpine.data("copyButtons", () => ({
    copied: "",
    copy(event) {
      const button = event.currentTarget;
      const source = document.getElementById(button.dataset.copy);
      navigator.clipboard.writeText(source.value);
      this.copied = button.dataset.copyLabel;
    },
    copiedText() { return this.copied ? "已复制" + this.copied : ""; },
  }));
});

/* <select data-autosubmit>: choosing is submitting (the center switcher; a button in
   <noscript> does it without JavaScript). */
document.addEventListener("change", (event) => {
  if (event.target.matches("[data-autosubmit]")) event.target.form.submit();
});
