import { expect } from '../http.js';
import { stringList, type Scenario } from './types.js';

/** userinfo with a bearer access token from a real sign-in: token lookup plus the account's claims. */
const scenario: Scenario = ({ http, params }) => {
  const tokens = stringList(params, 'accessTokens');
  return async (vu) => {
    const headers = { authorization: `Bearer ${tokens[vu % tokens.length]}` };
    expect(await http.request('GET', '/me', { headers }), 200, 'userinfo');
  };
};
export default scenario;
