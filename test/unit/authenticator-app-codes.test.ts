import { describe, expect, it } from 'vitest';
import { codeAt, groupedKey, matchStep, newRecoveryCode, normaliseCode, readTypedCode, shownRecoveryCode, timeStep } from '../../src/identity/second-step/totp.js';

// RFC 6238 Appendix B: the SHA-1 secret "12345678901234567890", in base32.
const RFC_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';

describe('authenticator app codes', () => {
  it('are the RFC 6238 test vectors, cut to 6 digits', () => {
    // Appendix B gives 8 digits: 94287082 at T=59, 07081804 at T=1111111109, 14050471 at T=1111111111.
    expect(codeAt(RFC_SECRET, timeStep(new Date(59_000)))).toBe('287082');
    expect(codeAt(RFC_SECRET, timeStep(new Date(1_111_111_109_000)))).toBe('081804');
    expect(codeAt(RFC_SECRET, timeStep(new Date(1_111_111_111_000)))).toBe('050471');
  });

  it('are accepted one time step either way, and not two', () => {
    const now = new Date(1_700_000_000_000);
    const step = timeStep(now);
    expect(matchStep(RFC_SECRET, codeAt(RFC_SECRET, step), now)).toBe(step);
    expect(matchStep(RFC_SECRET, codeAt(RFC_SECRET, step - 1), now)).toBe(step - 1);
    expect(matchStep(RFC_SECRET, codeAt(RFC_SECRET, step + 1), now)).toBe(step + 1);
    for (const far of [step - 2, step + 2]) {
      const code = codeAt(RFC_SECRET, far);
      // Unless that code happens to equal a near one (one in a million).
      if (![step - 1, step, step + 1].some((s) => codeAt(RFC_SECRET, s) === code)) expect(matchStep(RFC_SECRET, code, now)).toBeUndefined();
    }
  });

  it('are read with spaces, dashes and full-width digits as typed on any keyboard', () => {
    expect(normaliseCode(' 123 456 ')).toBe('123456');
    expect(normaliseCode('１２３４５６')).toBe('123456');
    expect(normaliseCode('１２３\u3000４５６')).toBe('123456');
    expect(readTypedCode('１２３-４５６')).toEqual({ kind: 'app', code: '123456' });
    expect(readTypedCode('123\t456')).toEqual({ kind: 'app', code: '123456' });
  });

  it('tell an app code from a recovery code, and refuse anything else', () => {
    const recovery = newRecoveryCode();
    expect(recovery).toMatch(/^[a-z2-9]{10}$/);
    expect(readTypedCode(shownRecoveryCode(recovery).toUpperCase())).toEqual({ kind: 'recovery', code: recovery });
    for (const typed of ['', '12345', '1234567', '12345a', 'abc', '١٢٣٤٥٦x', '0123456789', 'ooooo-ooooo', '<script>']) {
      expect(readTypedCode(typed), typed).toEqual({ kind: 'malformed' });
    }
  });

  it('show the key in groups of four', () => {
    expect(groupedKey(RFC_SECRET)).toBe('GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ');
  });
});
