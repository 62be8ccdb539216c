import { describe, expect, it } from 'vitest';
import { incomingUrlAttributes, tracingWanted } from '../../src/tracing.js';

describe('tracing switch and span URLs', () => {
  it('is on only when an exporter or an OTLP endpoint is named, and never with OTEL_SDK_DISABLED', () => {
    expect(tracingWanted({})).toBe(false);
    expect(tracingWanted({ OTEL_SERVICE_NAME: 'portico' })).toBe(false);
    expect(tracingWanted({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' })).toBe(true);
    expect(tracingWanted({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:4318/v1/traces' })).toBe(true);
    expect(tracingWanted({ OTEL_TRACES_EXPORTER: 'console' })).toBe(true);
    expect(tracingWanted({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' })).toBe(false);
    expect(tracingWanted({ OTEL_SDK_DISABLED: 'true', OTEL_TRACES_EXPORTER: 'otlp' })).toBe(false);
  });

  it('writes the path as the request log does and never the query', () => {
    expect(incomingUrlAttributes('/token')).toEqual({ 'url.path': '/token' });
    expect(incomingUrlAttributes('/verify-email?token=abc')).toEqual({ 'url.path': '/verify-email', 'url.query': '[redacted]' });
    const interaction = incomingUrlAttributes('/interaction/uid-that-is-a-cookie-value/login');
    expect(interaction['url.path']).toMatch(/^\/interaction\/~[\w-]{10}\/login$/);
    expect(JSON.stringify(interaction)).not.toContain('uid-that-is-a-cookie-value');
  });
});
