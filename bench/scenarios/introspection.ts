import { basicAuth, expect } from '../http.js';
import { portal } from '../fixtures.js';
import { stringList, type Scenario } from './types.js';

/** The portal introspecting its own access tokens (RFC 7662). */
const scenario: Scenario = ({ http, params }) => {
  const tokens = stringList(params, 'accessTokens');
  const headers = basicAuth(portal.id, portal.secret);
  return async (vu) => {
    const reply = expect(await http.request('POST', '/token/introspection', { headers, form: { token: tokens[vu % tokens.length]! } }), 200, 'introspection');
    if (!reply.body.includes('"active":true')) throw new Error(`introspection: inactive token ${reply.body.slice(0, 200)}`);
  };
};
export default scenario;
