// The PIN dialog for acknowledging an alarm or switching the manual ban. The operator name is not
// remembered between uses: the audit must name whoever is at the screen now, not the last one.
import { byId } from './dom.js';
import { fetch } from './globals.js';
import { pick, t } from './i18n.js';

let pending = null;

/** Opens the dialog; `request` is { path, body, title, subject, withReason }. */
export function openPinDialog(lang, request) {
  pending = request;
  byId('pin-title').textContent = request.title;
  byId('pin-subject').textContent = request.subject;
  byId('pin-reason-row').hidden = !request.withReason;
  byId('pin-reason').required = Boolean(request.withReason);
  byId('pin-message').textContent = '';
  byId('pin-operator').value = '';
  byId('pin-code').value = '';
  byId('pin-reason').value = '';
  byId('pin-dialog').showModal();
  byId('pin-operator').focus();
}

export function installPinDialog(getLang, onDone) {
  const dialog = byId('pin-dialog');
  byId('pin-cancel').addEventListener('click', () => dialog.close());
  byId('pin-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    if (pending === null) return;
    const lang = getLang();
    const message = byId('pin-message');
    const submit = byId('pin-submit');
    const body = { ...pending.body, operator: byId('pin-operator').value, pin: byId('pin-code').value };
    if (pending.withReason) body.reason = byId('pin-reason').value;
    message.textContent = t(lang, 'sending');
    message.className = 'pin-message';
    submit.disabled = true;
    try {
      const response = await fetch(pending.path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const answer = await response.json();
      if (answer.ok) {
        dialog.close();
        pending = null;
        onDone(pick(lang, answer.message));
      } else {
        message.textContent = `✖ ${pick(lang, answer.message)}`;
        message.className = 'pin-message error';
        byId('pin-code').value = '';
        byId('pin-code').focus();
      }
    } catch {
      message.textContent = `✖ ${t(lang, 'networkError')}`;
      message.className = 'pin-message error';
    } finally {
      submit.disabled = false;
    }
  });
}
