import { api, LightningElement } from 'lwc';

/**
 * Stand-in for lightning-textarea: as lightning-input, with a <textarea>. A <textarea> has no `value` attribute, so
 * the value is written to the element itself, when it is set and after each render.
 */
export default class Textarea extends LightningElement {
  @api label = '';
  @api placeholder;
  @api maxLength;
  @api required = false;
  @api disabled = false;

  text = '';

  @api
  get value() {
    return this.text;
  }
  set value(next) {
    this.text = next ?? '';
    this.syncControl();
  }

  get labelText() {
    return this.required ? `* ${this.label}` : this.label;
  }

  renderedCallback() {
    this.syncControl();
  }

  syncControl() {
    const control = this.template.querySelector('textarea');
    if (control && control.value !== this.text) control.value = this.text;
  }

  handleInput(event) {
    this.text = event.target.value;
    this.dispatchEvent(new CustomEvent('change', { detail: { value: this.text } }));
  }
}
