import { signInWithEmailAndPassword } from 'firebase/auth';
import { errorBox, h } from '../dom';
import { auth, config } from '../firebase';

/** Email/password on the Auth emulator. `npm run seed` gives every seeded user with an email the password craft-demo. */
export function signInPage(root: HTMLElement) {
  const email = h('input', {
    type: 'email',
    name: 'email',
    required: true,
    autocomplete: 'username',
    value: 'maya@studio-okafor.example',
  });
  const password = h('input', { type: 'password', name: 'password', required: true, autocomplete: 'current-password' });
  const status = h('div', {});
  const form = h(
    'form',
    {
      class: 'card signin',
      'data-testid': 'signin-form',
      onsubmit: async (event: Event) => {
        event.preventDefault();
        status.replaceChildren(h('p', { class: 'muted' }, 'Signing in…'));
        try {
          await signInWithEmailAndPassword(auth, email.value.trim(), password.value);
          status.replaceChildren();
        } catch (error) {
          status.replaceChildren(errorBox(error));
        }
      },
    },
    h('h1', {}, 'Sign in'),
    h('label', {}, 'Email', email),
    h('label', {}, 'Password', password),
    h('button', { type: 'submit' }, 'Sign in'),
    status,
    h(
      'p',
      { class: 'muted small' },
      `Auth emulator ${config.auth}, project ${config.projectId}. Seeded users (emulator-seed/users.json) use the password `,
      h('code', {}, 'craft-demo'),
      '.',
    ),
  );
  root.replaceChildren(form);
  return () => {};
}
