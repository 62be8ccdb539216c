// Passkey forms: a form with data-passkey="register", "authenticate" or "sign-in" carries the
// WebAuthn options as JSON in data-options. On submit the browser makes or uses the passkey,
// and the form posts its JSON answer in the hidden field named "response". The server judges
// the answer; a failure here (cancelled, no authenticator) still posts, with an empty answer,
// so the page comes back with words that say what happened.
//
// "sign-in" (a passkey as the whole sign-in) is hidden until this script runs, and where the
// browser can offer passkeys in the username field's autofill (conditional mediation), it
// is asked to at once: picking a passkey there posts this form too. That quiet request is
// cancelled when the button starts another, so its failures post nothing.
import { browserSupportsWebAuthnAutofill, startAuthentication, startRegistration } from '/assets/webauthn/index.js';

const optionsOf = (form) => JSON.parse(form.dataset.options);

function post(form, answer, submitter) {
  form.querySelector('input[name="response"]').value = answer ? JSON.stringify(answer) : '';
  form.dataset.sent = 'yes';
  form.requestSubmit(submitter ?? undefined);
}

async function offerInAutofill(form) {
  if (!(await browserSupportsWebAuthnAutofill())) return;
  try {
    post(form, await startAuthentication({ optionsJSON: optionsOf(form), useBrowserAutofill: true }));
  } catch {
    // Cancelled by the button's own request, or the browser gave up: nothing to post.
  }
}

for (const form of document.querySelectorAll('form[data-passkey]')) {
  form.addEventListener('submit', async (event) => {
    if (form.dataset.sent === 'yes') return;
    // A form the server will refuse (no name) goes as it is: a passkey made for it would be left unused on the device.
    const name = form.querySelector('input[name="name"]');
    if (name && name.value.trim() === '') return;
    event.preventDefault();
    form.dataset.sent = 'yes';
    const optionsJSON = optionsOf(form);
    let answer;
    try {
      answer = form.dataset.passkey === 'register' ? await startRegistration({ optionsJSON }) : await startAuthentication({ optionsJSON });
    } catch {
      answer = undefined;
    }
    post(form, answer, event.submitter);
  });
  if (form.dataset.passkey === 'sign-in') {
    form.hidden = false;
    offerInAutofill(form);
  }
  // Until now a click posted the form without an answer (a module loads after the page shows).
  form.dataset.ready = 'yes';
}
