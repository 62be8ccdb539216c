import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { registry } from '../../src/metrics/metrics.js';

/*
 * The Grafana dashboard and the Prometheus alert rules in deploy/ name only series Portico
 * serves: a renamed metric fails here, not silently on an operator's screen.
 */

const served = new Set(registry.getMetricsAsArray().flatMap((m) => [m.name, `${m.name}_bucket`, `${m.name}_count`, `${m.name}_sum`]));
const namesIn = (text: string) => [...new Set([...text.matchAll(/\bportico_[a-z0-9_]+/g)].map((m) => m[0]))];

describe('monitoring files', () => {
  it('the dashboard queries only served series', () => {
    const dashboard = JSON.parse(readFileSync('deploy/grafana-dashboard.json', 'utf8')) as { panels: { targets: { expr: string }[] }[] };
    const exprs = dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr)).join('\n');
    expect(namesIn(exprs).length).toBeGreaterThan(5);
    expect(namesIn(exprs).filter((n) => !served.has(n))).toEqual([]);
  });

  it('the alert rules use only served series', () => {
    const rules = readFileSync('deploy/prometheus-alerts.yml', 'utf8');
    const exprs = [...rules.matchAll(/^\s+expr: (.+)$/gm)].map((m) => m[1]!);
    expect(exprs.length).toBeGreaterThanOrEqual(5);
    expect(namesIn(exprs.join('\n')).filter((n) => !served.has(n))).toEqual([]);
  });
});
