import { api, LightningElement } from 'lwc';

/** Stand-in for lightning-badge: its label in a pill (the card colours it with a class on the element). */
export default class Badge extends LightningElement {
  @api label = '';
}
