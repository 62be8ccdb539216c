import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/*
 * config/ holds development clients whose secrets are public: the image must not carry them,
 * or a container started without its own clients file would serve them. Read from the build
 * files, as no Docker daemon is needed to run the suite.
 */
describe('the Docker image', () => {
  it('neither copies config/ nor lets it into the build context', () => {
    const copies = readFileSync('Dockerfile', 'utf8').split('\n').filter((line) => /^\s*COPY\b/i.test(line));
    expect(copies.filter((line) => /\bconfig\b/.test(line))).toEqual([]);
    const ignored = readFileSync('.dockerignore', 'utf8').split('\n').map((line) => line.trim());
    expect(ignored).toContain('config');
  });

  it('expects the operator to mount the clients file at CLIENTS_FILE', () => {
    expect(readFileSync('Dockerfile', 'utf8')).toMatch(/^ENV .*\bCLIENTS_FILE=\/etc\/portico\/clients\.json\b/m);
  });
});
