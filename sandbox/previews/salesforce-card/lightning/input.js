import { api, LightningElement } from 'lwc';

/**
 * Stand-in for lightning-input: a <label> and an <input>. Like the platform's, it fires `change` on every keystroke
 * with `detail.value`, and exposes `value`, so a handler may read `event.detail.value` or `event.target.value`. The
 * native `change` of the inner <input> is not composed and stays inside; `keyup` (composed) reaches the card's
 * `onkeyup` as on the platform.
 */
export default class Input extends LightningElement {
  @api label = '';
  @api type = 'text';
  @api placeholder;
  @api min;
  @api max;
  @api step;
  @api required = false;
  @api disabled = false;
  @api fieldLevelHelp;
  @api value = '';

  get inputValue() {
    return this.value ?? '';
  }

  get labelText() {
    return this.required ? `* ${this.label}` : this.label;
  }

  handleInput(event) {
    this.value = event.target.value;
    this.dispatchEvent(new CustomEvent('change', { detail: { value: this.value } }));
  }
}
