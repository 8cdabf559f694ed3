// Sign-in: an API token, checked against the server before anything is shown.
import { h, field, formError, showProblem } from './dom.js';

export function signInView(main, onToken) {
  const form = h('form', { class: 'card narrow', 'aria-labelledby': 'signin-title' },
    h('h1', { id: 'signin-title' }, 'Sign in'),
    h('p', {}, 'Paste an API token (mcu token create). A viewer token sees; an admin token acts too. '
      + 'It is kept in this tab only.'),
    field('API token', 'token', { type: 'password', autocomplete: 'off', required: true }),
    formError(),
    h('button', { type: 'submit' }, 'Sign in'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const token = form.elements.token.value.trim();
    try {
      await onToken(token);
    } catch (err) {
      showProblem(form, err);
    }
  });
  main.append(form);
  form.elements.token.focus();
}
