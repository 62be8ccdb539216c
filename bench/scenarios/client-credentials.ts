import { basicAuth, expect } from '../http.js';
import { service } from '../fixtures.js';
import type { Scenario } from './types.js';

/** A service client's client_credentials grant: client authentication plus an opaque token saved. */
const scenario: Scenario = ({ http }) => {
  const headers = basicAuth(service.id, service.secret);
  return async () => {
    expect(await http.request('POST', '/token', { headers, form: { grant_type: 'client_credentials' } }), 200, 'client_credentials');
  };
};
export default scenario;
