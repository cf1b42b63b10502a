import { api, LightningElement } from 'lwc';

/**
 * Stand-in for lightning-button: a real <button> showing the label. Its click is the native one, which leaves the
 * shadow root retargeted to this element, so the card's `onclick` handlers read `event.target.dataset` as on the
 * platform; a disabled button fires no click.
 */
export default class Button extends LightningElement {
  @api label = '';
  @api variant = 'neutral';
  @api disabled = false;

  get buttonClass() {
    return this.variant ?? 'neutral';
  }
}
