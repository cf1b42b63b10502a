import { api, LightningElement } from 'lwc';

/** Stand-in for lightning-spinner: its alternative text in a status region. */
export default class Spinner extends LightningElement {
  @api alternativeText = '';
  @api size = 'medium';
}
