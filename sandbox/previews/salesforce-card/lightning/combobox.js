import { api, LightningElement } from 'lwc';

/**
 * Stand-in for lightning-combobox: a <label> and a native <select> of `options` ({label, value}). Choosing one fires
 * `change` with `detail.value`, and `value` follows, as on the platform.
 */
export default class Combobox extends LightningElement {
  @api label = '';
  @api options = [];
  @api placeholder = 'Select an Option';
  @api required = false;
  @api disabled = false;
  @api value = null;

  get labelText() {
    return this.required ? `* ${this.label}` : this.label;
  }

  get noValue() {
    return !this.choices.some((choice) => choice.selected);
  }

  get choices() {
    return (this.options ?? []).map((option, index) => ({
      key: `${index}:${option.value}`,
      label: option.label,
      value: option.value,
      selected: option.value === this.value,
    }));
  }

  renderedCallback() {
    // The selection the DOM shows follows `value`, also after the user picked one and the owner reset it.
    const select = this.template.querySelector('select');
    if (select) select.value = this.noValue ? '' : this.value;
  }

  handleChange(event) {
    this.value = event.target.value;
    this.dispatchEvent(new CustomEvent('change', { detail: { value: this.value } }));
  }
}
