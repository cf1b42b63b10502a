// Browser entry of the local Salesforce card preview (GET /preview/salesforce/opportunities/:id, sandbox mode only).
// It mounts the REAL partnerCard LWC, compiled by @lwc/compiler (sandbox/previews/salesforce-card/lwc.plugin.ts), on
// a record page stand-in: `recordId` set as the Lightning record page sets it, and the toasts the platform's container
// would show, shown in the page.

import './preview.css';
import PartnerCard from 'c/partnerCard';
import { createElement } from 'lwc';
import { pageConfig } from './apex.js';

const TOAST_MS = 6_000;

const root = document.getElementById('card-root');
if (!root) throw new Error('the preview page has no #card-root element');
const toasts = document.getElementById('preview-toasts');

const card = createElement('c-partner-card', { is: PartnerCard });
card.recordId = pageConfig.recordId;
root.replaceChildren(card);

// ShowToastEvent (lightning__showtoast) bubbles out of the card, composed, as it reaches the platform's container.
card.addEventListener('lightning__showtoast', (event) => {
  const { title, message, variant } = event.detail ?? {};
  const toast = document.createElement('div');
  toast.className = `preview-toast preview-toast--${variant ?? 'info'}`;
  toast.setAttribute('role', 'status');
  toast.dataset.testid = 'preview-toast';
  const text = document.createElement('p');
  if (title) {
    const strong = document.createElement('strong');
    strong.textContent = `${title} `;
    text.append(strong);
  }
  text.append(message ?? '');
  const dismiss = document.createElement('button');
  dismiss.type = 'button';
  dismiss.setAttribute('aria-label', 'Dismiss');
  dismiss.textContent = '×';
  dismiss.addEventListener('click', () => toast.remove());
  toast.append(text, dismiss);
  toasts?.append(toast);
  setTimeout(() => toast.remove(), TOAST_MS);
});
