import { expect } from '../http.js';
import type { Scenario } from './types.js';

/** What a portal does at start-up: discovery, then the JWKS it names. One operation is both. */
const scenario: Scenario = ({ http }) => async () => {
  const metadata = JSON.parse(expect(await http.request('GET', '/.well-known/openid-configuration'), 200, 'discovery').body) as { jwks_uri: string };
  expect(await http.request('GET', new URL(metadata.jwks_uri).pathname), 200, 'jwks');
};
export default scenario;
