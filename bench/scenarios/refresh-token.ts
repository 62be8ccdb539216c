import { basicAuth, expect } from '../http.js';
import { portal } from '../fixtures.js';
import { stringList, type Scenario } from './types.js';

/**
 * refresh_token grants. Tokens rotate on every use, so each virtual user follows its own chain
 * from one seeded refresh token: the orchestrator seeds one per connection.
 */
const scenario: Scenario = ({ http, params }) => {
  const chains = [...stringList(params, 'refreshTokens')];
  const headers = basicAuth(portal.id, portal.secret);
  return async (vu) => {
    if (vu >= chains.length) throw new Error('fewer refresh tokens than connections');
    const reply = expect(await http.request('POST', '/token', { headers, form: { grant_type: 'refresh_token', refresh_token: chains[vu]! } }), 200, 'refresh_token');
    chains[vu] = (JSON.parse(reply.body) as { refresh_token: string }).refresh_token;
  };
};
export default scenario;
