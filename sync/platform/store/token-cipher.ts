import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

const VERSION = 'v1';

/**
 * AES-256-GCM envelope for CRM credentials at rest: `v1.<iv>.<tag>.<ciphertext>` (base64url parts). The tenant id
 * is bound as additional authenticated data, so a ciphertext copied onto another tenant's row does not decrypt.
 */
export class TokenCipher {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== 32) throw new Error('token encryption key must be 32 bytes');
    this.#key = key;
  }

  encrypt(plaintext: string, tenantId: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    cipher.setAAD(Buffer.from(tenantId, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [VERSION, iv, cipher.getAuthTag(), ciphertext]
      .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
      .join('.');
  }

  decrypt(envelope: string, tenantId: string): string {
    const [version, iv, tag, ciphertext, ...rest] = envelope.split('.');
    if (version !== VERSION || !iv || !tag || ciphertext === undefined || rest.length > 0) {
      throw new Error('unrecognised credential envelope');
    }
    const decipher = createDecipheriv('aes-256-gcm', this.#key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(tenantId, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
  }

  encryptJson(value: unknown, tenantId: string): string {
    return this.encrypt(JSON.stringify(value), tenantId);
  }

  decryptJson(envelope: string, tenantId: string): unknown {
    return JSON.parse(this.decrypt(envelope, tenantId));
  }

  /**
   * A stable, unguessable value per tenant and purpose (an HMAC under a key of its own, derived from this one): e.g.
   * the external id a customer names in an IAM role's trust policy. Not a secret, never reversible to the key.
   */
  derive(purpose: string, tenantId: string): string {
    const key = createHmac('sha256', this.#key).update(`partnerloop:derive:${purpose}`).digest();
    return createHmac('sha256', key).update(tenantId).digest('base64url');
  }
}
