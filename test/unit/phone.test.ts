import { describe, expect, it } from 'vitest';
import { parseEnv } from '../../src/config/env.js';
import { phoneGatewayProblem } from '../../src/config/index.js';
import { parsePolicy } from '../../src/config/policy.js';
import { phoneSchema } from '../../src/config/policy-phone.js';
import { maskNumber, numberEnding, parsePhoneNumber, PHONE_INPUT_MAX } from '../../src/identity/second-step/phone-number.js';
import { codeCallTwiml, escapeXml, spokenDigits } from '../../src/identity/second-step/phone-twiml.js';
import { readPhoneCode } from '../../src/identity/second-step/phone.js';

const US = ['US'];
const words = { lead: 'Your code is:', again: 'Again:', bye: 'Bye.' };

describe('phone numbers', () => {
  it('are read in E.164 from the ways people write them', () => {
    for (const typed of ['(201) 555-0123', '201-555-0123', '201.555.0123', '+1 201 555 0123', '1 201 555 0123', '２０１５５５０１２３']) {
      expect(parsePhoneNumber(typed, US), typed).toEqual({ ok: true, e164: '+12015550123' });
    }
  });

  it('are refused when malformed, foreign, of a costly or uncertain kind, or too long', () => {
    expect(parsePhoneNumber('', US)).toEqual({ ok: false, problem: 'malformed' });
    expect(parsePhoneNumber('12', US)).toEqual({ ok: false, problem: 'malformed' });
    expect(parsePhoneNumber('1-800-FLOWERS', US)).toEqual({ ok: false, problem: 'malformed' });
    expect(parsePhoneNumber('+1 201 555 0123 <script>', US)).toEqual({ ok: false, problem: 'malformed' });
    expect(parsePhoneNumber('+44 7400 123456', US)).toEqual({ ok: false, problem: 'foreign' });
    expect(parsePhoneNumber('+1 900 555 0100', US)).toEqual({ ok: false, problem: 'kind' });
    expect(parsePhoneNumber('+1 800 555 0199', US)).toEqual({ ok: false, problem: 'kind' });
    expect(parsePhoneNumber('+1 500 555 0006', US)).toEqual({ ok: false, problem: 'kind' });
    expect(parsePhoneNumber('2'.repeat(PHONE_INPUT_MAX + 1), US)).toEqual({ ok: false, problem: 'too_long' });
  });

  it('follow the policy\'s countries, the first one for national numbers', () => {
    expect(parsePhoneNumber('+44 7400 123456', ['US', 'GB'])).toEqual({ ok: true, e164: '+447400123456' });
    expect(parsePhoneNumber('07400 123456', ['GB'])).toEqual({ ok: true, e164: '+447400123456' });
    expect(() => phoneSchema.parse({ countries: ['ZZ'] })).toThrow();
    expect(() => phoneSchema.parse({ countries: ['us'] })).toThrow();
    expect(phoneSchema.parse({}).countries).toEqual(['US']);
  });

  it('are shown and logged by their last two digits only', () => {
    expect(numberEnding('+12015550142')).toBe('42');
    expect(maskNumber('+12015550142')).toBe('**********42');
  });
});

describe('typed codes', () => {
  it('drop spaces and dashes and read full-width digits', () => {
    expect(readPhoneCode('123 456')).toEqual({ ok: true, code: '123456' });
    expect(readPhoneCode(' 123-456 ')).toEqual({ ok: true, code: '123456' });
    expect(readPhoneCode('１２３４５６')).toEqual({ ok: true, code: '123456' });
  });

  it('refuse letters with their own reason, and anything not six digits', () => {
    expect(readPhoneCode('12O456')).toEqual({ ok: false, problem: 'letters' });
    expect(readPhoneCode('12345')).toEqual({ ok: false, problem: 'format' });
    expect(readPhoneCode('1234567')).toEqual({ ok: false, problem: 'format' });
    expect(readPhoneCode('')).toEqual({ ok: false, problem: 'format' });
  });
});

describe('the call\'s TwiML', () => {
  it('speaks the code digit by digit, twice, with pauses, in the person\'s language', () => {
    const twiml = codeCallTwiml('123456', 'es', words);
    expect(spokenDigits('123456')).toBe('1, 2, 3, 4, 5, 6');
    expect(twiml.startsWith('<?xml version="1.0" encoding="UTF-8"?><Response>')).toBe(true);
    expect(twiml.split('<Say language="es-US">1, 2, 3, 4, 5, 6</Say>')).toHaveLength(3);
    expect(twiml).toContain('<Pause length="2"/>');
    expect(codeCallTwiml('123456', 'en', words)).toContain('<Say language="en-US">');
  });

  it('escapes everything it says', () => {
    expect(escapeXml(`<a href="x">&'`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&apos;');
    const twiml = codeCallTwiml('123456', 'en', { lead: '</Say><Dial>+19005550100</Dial>', again: 'a & b', bye: '"' });
    expect(twiml).not.toContain('<Dial>');
    expect(twiml).toContain('&lt;/Say&gt;&lt;Dial&gt;');
    expect(twiml).toContain('a &amp; b');
  });
});

describe('the Twilio settings', () => {
  const base = { NODE_ENV: 'test' };
  const twilio = { TWILIO_ACCOUNT_SID: `AC${'a'.repeat(32)}`, TWILIO_AUTH_TOKEN: 'x'.repeat(32), TWILIO_FROM_NUMBER: '+12025550100' };

  it('are all three or none, each checked with a one-line error that never repeats the token', () => {
    expect(() => parseEnv({ ...base, TWILIO_ACCOUNT_SID: twilio.TWILIO_ACCOUNT_SID })).toThrow(/^environment: TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM_NUMBER: set all three or none$/);
    expect(() => parseEnv({ ...base, ...twilio, TWILIO_FROM_NUMBER: '202-555-0100' })).toThrow(/^environment: TWILIO_FROM_NUMBER: must be a number in E\.164 form/);
    expect(() => parseEnv({ ...base, ...twilio, TWILIO_AUTH_TOKEN: 'short' })).toThrow(/^environment: TWILIO_AUTH_TOKEN: must be at least 16 characters$/);
    expect(parseEnv({ ...base, ...twilio })).toMatchObject({ TWILIO_API_BASE: 'https://api.twilio.com', TWILIO_TIMEOUT_MS: 10_000 });
  });
});

describe('the phone in production', () => {
  const policy = parsePolicy('policy.json', { second_step: { methods: ['phone', 'email_code'] } });
  const twilio = { accountSid: `AC${'a'.repeat(32)}`, authToken: 'x'.repeat(32), fromNumber: '+12025550100', apiBase: 'https://api.twilio.com', timeoutMs: 10_000 };

  it('needs Twilio: the dev outbox has no page there', () => {
    expect(phoneGatewayProblem({ production: true, twilio: undefined, policy, policyFile: 'policy.json' })).toBe(
      'policy.json: second_step.methods lists "phone": set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM_NUMBER',
    );
    expect(phoneGatewayProblem({ production: true, twilio, policy, policyFile: 'policy.json' })).toBeUndefined();
    expect(phoneGatewayProblem({ production: false, twilio: undefined, policy, policyFile: 'policy.json' })).toBeUndefined();
    expect(phoneGatewayProblem({ production: true, twilio: undefined, policy: parsePolicy('policy.json', {}), policyFile: 'policy.json' })).toBeUndefined();
  });
});
