import { describe, expect, it } from 'vitest';
import { type SignedRequest, verifySigV4 } from './sigv4-verifier.ts';

/*
 * The "get-vanilla" case of AWS's SigV4 test suite (key AKIDEXAMPLE, service `service`, 2015-08-30): an independent
 * vector, so the verifier is not only checked against the SDK's own signer.
 */
const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
const SIGNATURE = '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31';
const scope = { region: 'us-east-1', service: 'service' };

function vanilla(overrides: { authorization?: string | undefined; date?: string; host?: string } = {}): SignedRequest {
  const authorization =
    'authorization' in overrides
      ? overrides.authorization
      : `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=${SIGNATURE}`;
  return {
    method: 'GET',
    url: '/',
    headers: {
      host: overrides.host ?? 'example.amazonaws.com',
      'x-amz-date': overrides.date ?? '20150830T123600Z',
      ...(authorization === undefined ? {} : { authorization }),
    },
    body: Buffer.alloc(0),
  };
}
const secrets = (id: string) => (id === 'AKIDEXAMPLE' ? SECRET : undefined);

describe('verifySigV4', () => {
  it('given the AWS test-suite get-vanilla request, when verified, then the signature is accepted', () => {
    expect(verifySigV4(vanilla(), secrets, scope)).toEqual({ ok: true, accessKeyId: 'AKIDEXAMPLE' });
  });

  it.each([
    ['no Authorization header', vanilla({ authorization: undefined }), 'MissingAuthenticationTokenException'],
    [
      'a header without Signature',
      vanilla({ authorization: 'AWS4-HMAC-SHA256 Credential=x' }),
      'IncompleteSignatureException',
    ],
    [
      'an unknown access key',
      vanilla({
        authorization: `AWS4-HMAC-SHA256 Credential=AKIDOTHER/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=${SIGNATURE}`,
      }),
      'UnrecognizedClientException',
    ],
    ['a signed header that changed', vanilla({ host: 'evil.example.com' }), 'InvalidSignatureException'],
    ['a date outside the credential scope', vanilla({ date: '20150831T123600Z' }), 'InvalidSignatureException'],
    [
      'another region in the scope',
      vanilla({
        authorization: `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/eu-west-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=${SIGNATURE}`,
      }),
      'InvalidSignatureException',
    ],
  ])('given %s, when verified, then 403 %s', (_case, request, type) => {
    const outcome = verifySigV4(request, secrets, scope);
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.error.status).toBe(403);
    expect(outcome.error.type).toBe(type);
  });
});
