/** The words of the security questions' page. */

export const offerQuestions = 'Answer my security questions instead';

export function answersWrong(attemptsLeft: number): string {
  const tries = attemptsLeft === 1 ? '1 more time' : `${attemptsLeft} more times`;
  return `One or more answers are not correct. You can try ${tries} before your ID is locked.`;
}
