// What `import getCard from '@salesforce/apex/PartnerLoopCardController.getCard'` is in the preview: lwc.plugin.ts
// makes each such import a function calling `callApex('getCard', params)`. On the platform the call goes to the Apex
// class; here it goes to the preview's stand-in for it (POST /preview/salesforce/apex), which validates like the class
// and makes the same callout to this service. The page names its org in a custom header (so another site cannot post
// here without a CORS preflight the service never grants).

const config = readConfig();

/**
 * Resolves with the method's String answer (the service's JSON, which the card parses itself). Rejects like an
 * AuraHandledException reaches LWC: `{ status, body: { message } }`, the message written for the seller.
 */
export async function callApex(method, params) {
  let response;
  try {
    response = await fetch(config.apexUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', [config.orgHeader]: config.orgId },
      body: JSON.stringify({ method, params: params ?? {} }),
      credentials: 'same-origin',
      redirect: 'error',
    });
  } catch {
    // The page lost the preview server: the card shows its own "could not be reached" sentence for a message-less error.
    throw { status: 0, body: {} };
  }
  const text = await response.text();
  if (response.ok) return text;
  throw { status: response.status, body: { message: messageOf(text) } };
}

/** `{message}` from the stand-in; an error envelope `{error: {message}}` when the preview itself refused the call. */
function messageOf(text) {
  try {
    const answer = JSON.parse(text);
    if (typeof answer?.message === 'string') return answer.message;
    if (typeof answer?.error?.message === 'string') return answer.error.message;
  } catch {
    // Not JSON: no message the seller could read.
  }
  return undefined;
}

function readConfig() {
  const element = document.getElementById('preview-config');
  const value = JSON.parse(element?.textContent ?? 'null');
  for (const field of ['apexUrl', 'orgHeader', 'orgId', 'recordId']) {
    if (typeof value?.[field] !== 'string') throw new Error(`the preview page has no valid #preview-config (${field})`);
  }
  return value;
}

export { config as pageConfig };
