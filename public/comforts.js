// Small comforts on every page; each page works the same without them (no inline script: the
// words come from data attributes on this script's own tag, in the page's language).
// - a "Show password" toggle beside each password field;
// - a "characters left" hint on text fields with a maxlength, once the end is near;
// - a form goes once: its submit buttons are disabled after the first submission. A submit
//   another script cancelled (the passkey script, before the browser's passkey prompt) does
//   not count, so that script's own resubmission still goes.
(() => {
  const words = document.querySelector('script[data-comforts]')?.dataset ?? {};
  const plural = new Intl.PluralRules(document.documentElement.lang || 'en');

  let revealCount = 0;
  for (const input of document.querySelectorAll('input[type="password"]')) {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'reveal';
    button.textContent = words.showPassword ?? 'Show password';
    button.setAttribute('aria-pressed', 'false');
    if (!input.id) input.id = `password-field-${++revealCount}`;
    button.setAttribute('aria-controls', input.id);
    button.addEventListener('click', () => {
      const show = input.type === 'password';
      input.type = show ? 'text' : 'password';
      button.setAttribute('aria-pressed', String(show));
    });
    // Password managers and the browser's own checks expect the field hidden again when it is sent.
    input.form?.addEventListener('submit', () => {
      input.type = 'password';
      button.setAttribute('aria-pressed', 'false');
    });
    input.insertAdjacentElement('afterend', button);
  }

  for (const field of document.querySelectorAll('input[maxlength]:not([type="password"]):not([type="hidden"]), textarea[maxlength]')) {
    const max = field.maxLength;
    if (max < 20) continue;
    const near = Math.max(10, Math.ceil(max / 10));
    const hint = document.createElement('p');
    hint.className = 'hint chars-left';
    hint.setAttribute('aria-live', 'polite');
    const update = () => {
      const left = max - field.value.length;
      const template = (plural.select(left) === 'one' ? words.leftOne : words.leftOther) ?? '{count} characters left';
      hint.textContent = left <= near ? template.replace('{count}', String(left)) : '';
    };
    field.addEventListener('input', update);
    update();
    (field.parentElement?.querySelector('.reveal') ?? field).insertAdjacentElement('afterend', hint);
  }

  document.addEventListener('submit', (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || event.defaultPrevented) return;
    if (form.dataset.submitted === 'yes') {
      event.preventDefault();
      return;
    }
    form.dataset.submitted = 'yes';
    // After this task: a submitter disabled now would drop its own name and value from the post.
    setTimeout(() => {
      for (const button of form.querySelectorAll('button:not([type="button"]), input[type="submit"]')) button.disabled = true;
    });
  });
  // Back to a page kept in the browser's cache: its forms may go again.
  window.addEventListener('pageshow', (event) => {
    if (!event.persisted) return;
    for (const form of document.querySelectorAll('form[data-submitted]')) {
      delete form.dataset.submitted;
      for (const button of form.querySelectorAll('button:disabled, input[type="submit"]:disabled')) button.disabled = false;
    }
  });
})();
