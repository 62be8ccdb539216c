// Passkey forms: a form with data-passkey="register" or "authenticate" carries the WebAuthn
// options as JSON in data-options. On submit the browser makes or uses the passkey, and the
// form posts its JSON answer in the hidden field named "response". The server judges the
// answer; a failure here (cancelled, no authenticator) still posts, with an empty answer, so
// the page comes back with words that say what happened.
import { startAuthentication, startRegistration } from '/assets/webauthn/index.js';

for (const form of document.querySelectorAll('form[data-passkey]')) {
  form.addEventListener('submit', async (event) => {
    if (form.dataset.sent === 'yes') return;
    // A form the server will refuse (no name) goes as it is: a passkey made for it would be left unused on the device.
    const name = form.querySelector('input[name="name"]');
    if (name && name.value.trim() === '') return;
    event.preventDefault();
    form.dataset.sent = 'yes';
    const field = form.querySelector('input[name="response"]');
    const optionsJSON = JSON.parse(form.dataset.options);
    try {
      const answer = form.dataset.passkey === 'register' ? await startRegistration({ optionsJSON }) : await startAuthentication({ optionsJSON });
      field.value = JSON.stringify(answer);
    } catch {
      field.value = '';
    }
    form.requestSubmit(event.submitter ?? undefined);
  });
  // Until now a click posted the form without an answer (a module loads after the page shows).
  form.dataset.ready = 'yes';
}
