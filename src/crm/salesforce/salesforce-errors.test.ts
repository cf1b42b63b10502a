import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Connection } from 'jsforce';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TimedRetryDecision } from '../../shared/retry-after.ts';
import {
  classifyError,
  DAILY_LIMIT_RECHECK_MS,
  isSalesforceForbidden,
  recordRefusal,
  SalesforceApiError,
  type SalesforceCall,
  salesforceFailure,
} from './salesforce-errors.ts';

const fixed = { now: Date.parse('2026-06-30T12:00:00Z'), random: () => 0.5 };
const read: SalesforceCall = { attempt: 1, idempotent: true };
const create: SalesforceCall = { attempt: 1, idempotent: false };

/** The error jsforce 3.10.16 throws for a REST error answer (see the loopback test below for the real thing). */
function jsforceError(errorCode: string, message: string, fields?: string[]) {
  const error = new Error(message) as Error & { errorCode: string; data: unknown };
  error.name = errorCode;
  error.errorCode = errorCode;
  error.data = { errorCode, message, ...(fields ? { fields } : {}) };
  return error;
}

function networkError(code: string) {
  const error = new Error(`request failed, reason: ${code}`) as Error & { code: string; type: string };
  error.name = 'FetchError';
  error.code = code;
  error.type = 'system';
  return error;
}

function oauthError(error: string, description: string) {
  const thrown = new Error(description);
  thrown.name = error;
  return thrown;
}

describe('classifyError', () => {
  it.each<[string, unknown, SalesforceCall, Record<string, unknown>]>([
    [
      'an expired session, first time',
      jsforceError('INVALID_SESSION_ID', 'Session expired or invalid'),
      read,
      { action: 'refresh' },
    ],
    [
      'an expired session after a refresh',
      jsforceError('INVALID_SESSION_ID', 'Session expired or invalid'),
      { ...read, refreshed: true },
      { action: 'fail', reason: 'access token rejected again after a refresh' },
    ],
    [
      'a session the REST API will not take (refreshing cannot help)',
      jsforceError('INVALID_SESSION_ID', 'This session is not valid for use with the REST API'),
      read,
      { action: 'fail', forbidden: true },
    ],
    [
      'a revoked refresh token',
      oauthError('invalid_grant', 'expired access/refresh token'),
      read,
      { action: 'fail', disconnected: true },
    ],
    [
      'the daily allowance spent, usage unknown',
      jsforceError('REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.'),
      read,
      { action: 'fail', dailyLimit: true, waitMs: DAILY_LIMIT_RECHECK_MS },
    ],
    [
      'the daily allowance spent, usage known: wait until enough of the rolling window has aged out',
      jsforceError('REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.'),
      { ...read, usage: { used: 15_100, limit: 15_000 } },
      // 101 calls must age out; 15,100 calls in 24 h age out at 15,100 per day.
      { action: 'fail', dailyLimit: true, waitMs: Math.ceil((101 * 86_400_000) / 15_100) },
    ],
    [
      'too many long-running requests (same code, clears in seconds), even on a create',
      jsforceError('REQUEST_LIMIT_EXCEEDED', 'ConcurrentPerOrgLongTxn Limit exceeded.'),
      create,
      { action: 'retry', waitMs: 1500 },
    ],
    [
      'a locked row on a create (rolled back, safe to repeat)',
      jsforceError('UNABLE_TO_LOCK_ROW', 'unable to obtain exclusive access to this record'),
      { ...create, attempt: 2 },
      { action: 'retry', waitMs: 3000, reason: 'record locked by another process' },
    ],
    [
      'server unavailable on a read',
      jsforceError('SERVER_UNAVAILABLE', 'Server unavailable'),
      read,
      { action: 'retry', waitMs: 375 },
    ],
    [
      'server unavailable on a create',
      jsforceError('SERVER_UNAVAILABLE', 'Server unavailable'),
      create,
      { action: 'fail' },
    ],
    [
      'an HTML 502 (jsforce: ERROR_HTTP_502)',
      jsforceError('ERROR_HTTP_502', '<html>Bad gateway</html>'),
      { ...read, attempt: 3 },
      { action: 'retry', waitMs: 1500 },
    ],
    [
      'a 503 with Retry-After',
      jsforceError('ERROR_HTTP_503', ''),
      { ...read, retryAfter: '7' },
      { action: 'retry', waitMs: 7000 },
    ],
    [
      'a reset connection on a read',
      networkError('ECONNRESET'),
      read,
      { action: 'retry', reason: 'network error ECONNRESET' },
    ],
    ['a reset connection on a create', networkError('ECONNRESET'), create, { action: 'fail' }],
    [
      'a timeout (AbortError) on a read',
      Object.assign(new Error('aborted'), { name: 'AbortError' }),
      read,
      { action: 'retry' },
    ],
    [
      'a Node system error',
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
      read,
      { action: 'retry' },
    ],
    [
      'a gone record on a single read',
      jsforceError('NOT_FOUND', 'The requested resource does not exist'),
      { ...read, notFoundIsEmpty: true },
      { action: 'ignore' },
    ],
    [
      'a missing resource',
      jsforceError('NOT_FOUND', 'The requested resource does not exist'),
      read,
      { action: 'fail' },
    ],
    [
      'an expired query cursor',
      jsforceError('INVALID_QUERY_LOCATOR', 'invalid query locator'),
      read,
      { action: 'fail', reason: 'the query cursor expired; the read restarts from its checkpoint' },
    ],
    [
      'a missing permission',
      jsforceError('INSUFFICIENT_ACCESS', 'insufficient access rights'),
      read,
      { action: 'fail', forbidden: true },
    ],
    [
      'API access off for the org',
      jsforceError('API_DISABLED_FOR_ORG', 'API is not enabled for this Organization'),
      read,
      { action: 'fail', forbidden: true },
    ],
    [
      'a bad query (our bug)',
      jsforceError('MALFORMED_QUERY', 'unexpected token'),
      read,
      { action: 'fail', reason: 'Salesforce answered MALFORMED_QUERY: unexpected token' },
    ],
    [
      'an unknown error',
      new TypeError('x is not a function'),
      read,
      { action: 'fail', reason: 'Salesforce answered an error: x is not a function' },
    ],
  ])('given %s, then the decision is %j', (_, error, call, expected) => {
    expect(classifyError(error, call, fixed)).toMatchObject(expected);
  });

  it.each<[string, string, string[] | undefined, string]>([
    [
      'FIELD_CUSTOM_VALIDATION_EXCEPTION',
      'Close date cannot be in the past',
      undefined,
      'A validation rule in Salesforce rejected the change: Close date cannot be in the past',
    ],
    [
      'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
      'bad value for restricted picklist field: aging',
      ['PL_Cosell_Status__c'],
      'The value is not one of the picklist values Salesforce allows (PL_Cosell_Status__c): bad value for restricted picklist field: aging',
    ],
    [
      'REQUIRED_FIELD_MISSING',
      'Required fields are missing: [CloseDate]',
      ['CloseDate'],
      'A field Salesforce requires is empty (CloseDate)',
    ],
    [
      'DUPLICATE_VALUE',
      'duplicate value found',
      ['Link_Key__c'],
      'Another record already holds this unique value (Link_Key__c)',
    ],
    ['ENTITY_IS_DELETED', 'entity is deleted', [], 'The record was deleted in Salesforce'],
    [
      'INVALID_CROSS_REFERENCE_KEY',
      'invalid cross reference id',
      ['Partner__c'],
      'A linked record does not exist, or PartnerLoop cannot see it (Partner__c)',
    ],
  ])(
    'given the whole-call error %s, then it is a record refusal for the error inbox, in words',
    (code, message, fields, reason) => {
      const decision = classifyError(jsforceError(code, message, fields), read, fixed);
      expect(decision.action).toBe('fail');
      if (decision.action !== 'fail') return;
      expect(decision.refusal).toMatchObject({ code, retryable: false, fields: fields ?? [] });
      expect(decision.reason).toContain(reason);
    },
  );

  it('given several errors at once (jsforce MULTIPLE_API_ERRORS), then the first decides and all are kept', () => {
    const error = Object.assign(new Error('Multiple errors returned.'), {
      name: 'MULTIPLE_API_ERRORS',
      errorCode: 'MULTIPLE_API_ERRORS',
      data: [
        { errorCode: 'REQUIRED_FIELD_MISSING', message: 'Required fields are missing: [Name]', fields: ['Name'] },
        { errorCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION', message: 'Amount must be positive', fields: [] },
      ],
    });
    const failure = salesforceFailure(error);
    expect(failure.code).toBe('REQUIRED_FIELD_MISSING');
    expect(failure.errors).toHaveLength(2);
    expect(classifyError(error, read, fixed)).toMatchObject({
      action: 'fail',
      refusal: { code: 'REQUIRED_FIELD_MISSING', fields: ['Name'] },
    });
  });

  it('given a raw REST error array or a response-like object, then they read like jsforce errors', () => {
    expect(salesforceFailure([{ errorCode: 'UNABLE_TO_LOCK_ROW', message: 'locked' }])).toMatchObject({
      code: 'UNABLE_TO_LOCK_ROW',
      message: 'locked',
    });
    expect(salesforceFailure({ status: 503, body: 'Service Unavailable' })).toMatchObject({
      status: 503,
      code: undefined,
    });
    expect(classifyError({ status: 503, body: 'Service Unavailable' }, read, fixed)).toMatchObject({ action: 'retry' });
  });

  it('given a decision, then it fits the repo’s shared retry decision (one client loop for every CRM)', () => {
    const decision: TimedRetryDecision = classifyError(jsforceError('UNABLE_TO_LOCK_ROW', 'locked'), read, fixed);
    expect(decision.action).toBe('retry');
  });
});

describe('recordRefusal (sObject Collections results)', () => {
  it.each<[string, Parameters<typeof recordRefusal>[0], string | undefined, Record<string, unknown> | undefined]>([
    ['a success', { id: '006Hs00001AbCdEIAV', success: true, errors: [] }, undefined, undefined],
    [
      'a validation rule',
      {
        id: '006Hs00001AbCdEIAV',
        success: false,
        errors: [{ statusCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION', message: 'Loss reason required', fields: [] }],
      },
      undefined,
      {
        recordId: '006Hs00001AbCdEIAV',
        code: 'FIELD_CUSTOM_VALIDATION_EXCEPTION',
        reason: 'A validation rule in Salesforce rejected the change: Loss reason required',
        retryable: false,
      },
    ],
    [
      'a lock (retried later, not left for a person)',
      {
        success: false,
        errors: [{ statusCode: 'UNABLE_TO_LOCK_ROW', message: 'unable to obtain exclusive access to this record' }],
      },
      '006Hs00001AbCdEIAV',
      { recordId: '006Hs00001AbCdEIAV', code: 'UNABLE_TO_LOCK_ROW', retryable: true },
    ],
    [
      'a refused create, named by the caller',
      {
        id: null,
        success: false,
        errors: [{ statusCode: 'DUPLICATES_DETECTED', message: 'Use one of these records?', fields: [] }],
      },
      'row-3',
      { recordId: 'row-3', reason: 'A duplicate rule in Salesforce blocked the save: Use one of these records?' },
    ],
    [
      'jsforce’s own shape (errorCode) for a parallel save',
      { success: false, errors: [{ errorCode: 'ENTITY_IS_DELETED', message: 'entity is deleted', fields: [] }] },
      '006Hs00001AbCdEIAV',
      { code: 'ENTITY_IS_DELETED', reason: 'The record was deleted in Salesforce: entity is deleted' },
    ],
    [
      'an unknown code',
      {
        id: '006Hs00001AbCdEIAV',
        success: false,
        errors: [{ statusCode: 'SOMETHING_NEW', message: 'huh', fields: ['X__c'] }],
      },
      undefined,
      { code: 'SOMETHING_NEW', reason: 'Salesforce refused the record (SOMETHING_NEW) (X__c): huh', fields: ['X__c'] },
    ],
    [
      'no errors listed',
      { id: '006Hs00001AbCdEIAV', success: false, errors: [] },
      undefined,
      { code: 'UNKNOWN', reason: 'Salesforce refused the record without saying why' },
    ],
  ])('given %s, then the refusal is %j', (_, result, recordId, expected) => {
    const refusal = recordRefusal(result, recordId);
    if (expected === undefined) expect(refusal).toBeUndefined();
    else expect(refusal).toMatchObject(expected);
  });
});

describe('SalesforceApiError', () => {
  it('given a forbidden or daily-limit failure, then the message is safe to show and isForbidden tells them apart', () => {
    const forbidden = new SalesforceApiError('read of opportunities', 'INSUFFICIENT_ACCESS', 'insufficient access', {
      forbidden: true,
    });
    const daily = new SalesforceApiError('write of deals', 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests', {
      dailyLimit: true,
    });
    expect(isSalesforceForbidden(forbidden)).toBe(true);
    expect(isSalesforceForbidden(daily)).toBe(false);
    expect(daily.message).toBe("Salesforce's daily API allowance is spent; the work is rescheduled");
    expect(forbidden.message).toBe('Salesforce could not complete read of opportunities (INSUFFICIENT_ACCESS)');
  });
});

describe('what jsforce 3.10.16 really throws (loopback server)', () => {
  let server: Server;
  let instanceUrl = '';
  let next: { status: number; body: string; type: string } = { status: 200, body: '{}', type: 'application/json' };

  beforeAll(async () => {
    // jsforce takes a proxy from the environment and ignores NO_PROXY: loopback calls must not go through one.
    for (const name of ['http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY']) delete process.env[name];
    server = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        response.writeHead(next.status, { 'content-type': next.type });
        response.end(next.body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    instanceUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  /** A POST: jsforce never retries one itself, so each answer is seen once. */
  async function thrownBy(status: number, body: unknown, type = 'application/json'): Promise<unknown> {
    next = { status, body: typeof body === 'string' ? body : JSON.stringify(body), type };
    const connection = new Connection({ instanceUrl, accessToken: 'token', version: '62.0' });
    try {
      await connection.request({
        method: 'POST',
        url: '/sobjects/Opportunity',
        body: '{}',
        headers: { 'content-type': 'application/json' },
      });
    } catch (error) {
      return error;
    }
    throw new Error('the call was expected to fail');
  }

  it.each<[string, number, unknown, string | undefined, Record<string, unknown>]>([
    [
      '401 INVALID_SESSION_ID',
      401,
      [{ errorCode: 'INVALID_SESSION_ID', message: 'Session expired or invalid' }],
      'text',
      { action: 'refresh' },
    ],
    [
      '403 REQUEST_LIMIT_EXCEEDED',
      403,
      [{ errorCode: 'REQUEST_LIMIT_EXCEEDED', message: 'TotalRequests Limit exceeded.' }],
      'text',
      { action: 'fail', dailyLimit: true },
    ],
    [
      '400 UNABLE_TO_LOCK_ROW',
      400,
      [{ errorCode: 'UNABLE_TO_LOCK_ROW', message: 'unable to obtain exclusive access to this record' }],
      'text',
      { action: 'retry' },
    ],
    [
      '400 with two errors',
      400,
      [
        {
          errorCode: 'REQUIRED_FIELD_MISSING',
          message: 'Required fields are missing: [StageName]',
          fields: ['StageName'],
        },
        { errorCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION', message: 'Amount must be positive', fields: [] },
      ],
      'text',
      { action: 'fail', refusal: { code: 'REQUIRED_FIELD_MISSING', fields: ['StageName'] } },
    ],
    ['a 503 HTML page', 503, '<html><body>Maintenance</body></html>', 'html', { action: 'retry' }],
  ])('given %s, then jsforce’s error classifies as %j', async (_, status, body, kind, expected) => {
    const error = await thrownBy(status, body, kind === 'html' ? 'text/html' : 'application/json');
    expect(classifyError(error, read, fixed)).toMatchObject(expected);
  });

  it('given a refused connection on a create, then it fails rather than risk a second create', async () => {
    const connection = new Connection({ instanceUrl: 'http://127.0.0.1:9', accessToken: 'token', version: '62.0' });
    const error = await connection
      .request({
        method: 'POST',
        url: '/sobjects/Opportunity',
        body: '{}',
        headers: { 'content-type': 'application/json' },
      })
      .then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
    expect(salesforceFailure(error).networkCode).toBe('ECONNREFUSED');
    expect(classifyError(error, create, fixed)).toMatchObject({ action: 'fail' });
    expect(classifyError(error, read, fixed)).toMatchObject({ action: 'retry' });
  });
});
