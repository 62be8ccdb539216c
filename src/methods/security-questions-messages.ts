import { msg, type Msg } from '../i18n/index.js';

/** The words of the security questions' page, as catalogue keys worded when the page renders. */

export const offerQuestions: Msg = msg('second.other.questions');

export const answersWrong = (attemptsLeft: number): Msg => msg('second.error.answers', { count: attemptsLeft });
