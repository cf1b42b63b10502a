/**
 * Stand-in for lightning/platformShowToastEvent: the same event the platform's container listens for
 * (`lightning__showtoast`, bubbling and composed, `detail: {title, message, variant, …}`). The preview page's entry
 * listens for it and shows the toast in the page.
 */
export class ShowToastEvent extends CustomEvent {
  constructor(toast) {
    super('lightning__showtoast', { bubbles: true, composed: true, cancelable: true, detail: { ...toast } });
  }
}
