import argon2 from 'argon2';
import { PASSWORD } from '../fixtures.js';
import type { Scenario } from './types.js';

/** The raw cost a sign-in cannot avoid: one argon2id verify at Portico's parameters, no HTTP. */
const scenario: Scenario = ({ params }) => {
  const hash = String(params.hash);
  return async () => {
    if (!(await argon2.verify(hash, PASSWORD))) throw new Error('argon2 verify failed');
  };
};
export default scenario;
