import type { FlowMachine } from './machine.js';
import { settingsFlow } from './settings.js';
import { signInFlow } from './sign-in.js';
import { recoveryFlow } from './recovery.js';
import { verificationFlow } from './verification.js';
import { registrationFlow } from './registration.js';
import { invitationFlow } from './invitation.js';

export { signInFlow, type SignInFlow, type SignInState, type SignInData } from './sign-in.js';
export { FlowStateError, allows, edges, nextState, type FlowKind, type FlowMachine } from './machine.js';
export { advanceFlow, countDecoyFailure, endFlow, findFlow, startFlow, updateFlow, type Flow } from './flow-record.js';

/** Every flow kind, each with its diagram `<kind>.md` beside it (file name: kind with dashes). */
export const FLOW_MACHINES: readonly FlowMachine[] = [signInFlow, registrationFlow, verificationFlow, recoveryFlow, settingsFlow, invitationFlow];
