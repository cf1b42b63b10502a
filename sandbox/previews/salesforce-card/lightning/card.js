import { api, LightningElement } from 'lwc';

/** Stand-in for lightning-card: a titled box around its default slot. */
export default class Card extends LightningElement {
  @api title = '';
  @api iconName = '';

  /** The SLDS icon is not shipped with the preview: the title's first letter stands in for it. */
  get iconInitial() {
    return (this.title ?? '').charAt(0);
  }
}
