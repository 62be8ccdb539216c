import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FLOW_MACHINES, FlowStateError, edges, nextState } from '../../src/identity/flows/index.js';
import { defineFlow } from '../../src/identity/flows/machine.js';

/** The edges drawn in a Mermaid stateDiagram: `a --> b : event`, and `[*] --> initial`. */
function drawn(kind: string) {
  const text = readFileSync(new URL(`../../src/identity/flows/${kind.replace(/_/g, '-')}.md`, import.meta.url), 'utf8');
  const block = /```mermaid\n([\s\S]*?)```/.exec(text)?.[1] ?? '';
  const lines = block.split('\n').map((l) => l.trim());
  const initial = lines.map((l) => /^\[\*\] --> (\w+)$/.exec(l)?.[1]).filter(Boolean);
  const final = lines.map((l) => /^(\w+) --> \[\*\]$/.exec(l)?.[1]).filter(Boolean);
  const arrows = lines.map((l) => /^(\w+) --> (\w+) : (\w+)$/.exec(l)).filter((m): m is RegExpExecArray => m !== null);
  return { initial, final, edges: arrows.map(([, from, to, event]) => `${from} -${event}-> ${to}`) };
}

describe('flow diagrams', () => {
  for (const machine of FLOW_MACHINES) {
    it(`${machine.kind}: the drawing and the transition table agree`, () => {
      const picture = drawn(machine.kind);
      expect(picture.initial).toEqual([machine.initial]);
      expect([...picture.final].sort()).toEqual([...machine.final].sort());
      expect([...picture.edges].sort()).toEqual(edges(machine).map((e) => `${e.from} -${e.event}-> ${e.to}`).sort());
    });
  }

  it('refuses an event the state does not allow, and a table that points nowhere', () => {
    const machine = defineFlow({ kind: 'recovery', initial: 'a', final: ['c'], ttlSeconds: 60, transitions: { a: { go: 'b' }, b: { go: 'c' }, c: {} } });
    expect(nextState(machine, 'a', 'go')).toBe('b');
    expect(() => nextState(machine, 'c', 'go')).toThrow(FlowStateError);
    expect(() => defineFlow({ kind: 'recovery', initial: 'a', final: [], ttlSeconds: 60, transitions: { a: { go: 'nowhere' as 'a' } } })).toThrow(/unknown state/);
  });
});
