import type { Msg } from '../i18n/index.js';

/*
 * What a page throws instead of answering an error itself: the error handler (errors.ts) is
 * the one place that turns these into a page (or JSON for a JSON caller). Handlers then never
 * need to "answer and return undefined".
 */

/** A page that cannot go on: a status, a title and a sentence, and where to start again. */
export class PageError extends Error {
  readonly expose = true;
  constructor(
    readonly status: number,
    readonly title: Msg,
    readonly text: Msg,
    /** A link that starts the journey afresh ("Start again"), when there is one. */
    readonly restartUrl?: string,
  ) {
    super(text.key);
    this.name = 'PageError';
  }
}

/** A form that did not come from Portico's own page in this browser (RFC 9110 has no word; OWASP CSRF). */
export class CsrfError extends PageError {
  constructor(body: Msg, title: Msg) {
    super(403, title, body);
    this.name = 'CsrfError';
  }
}

/**
 * The step asked for is not where the flow is (an expired flow, a jump ahead, a replayed form):
 * the browser is sent to a place that starts it afresh, with a notice when `notice` names one.
 * Never a dead end.
 */
export class GoTo extends Error {
  constructor(
    readonly location: string,
    readonly status: 302 | 303 = 303,
  ) {
    super(`go to ${location}`);
    this.name = 'GoTo';
  }
}
