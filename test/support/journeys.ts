import type { Page } from 'playwright-core';
import { expect } from 'vitest';

/* Steps of the hosted pages that several browser journeys take the way a person does. */

let n = 0;
/** A person who does not have an ID yet: unique username, address and password. */
export function newPerson() {
  const id = `${Date.now().toString(36)}${++n}`;
  return { username: `newuser${id}`, email: `new.user.${id}@example.com`, password: `Blue${id}Sky` };
}

/** Fills "Create an ID" by its labels and submits it; waits for the page headed `next` (the verification page). */
export async function fillRegistration(page: Page, person: ReturnType<typeof newPerson>, next = 'Verify your email address'): Promise<void> {
  await page.getByLabel('First name').fill('Ana');
  await page.getByLabel('Last name').fill('Lima');
  await page.getByLabel('Year of birth').fill('1980');
  await page.getByLabel('Your email address').fill(person.email);
  await page.getByLabel('Create username').fill(person.username);
  await page.getByLabel('Create password').fill(person.password);
  await page.getByLabel('Type password again').fill(person.password);
  // No security questions here: they are set once the address is verified.
  expect(await page.getByRole('group', { name: 'Security question 1' }).count()).toBe(0);
  await page.getByLabel('I agree to the Terms of Use and the Privacy Policy').check();
  await page.getByRole('button', { name: 'Create my ID' }).click();
  await page.getByRole('heading', { name: next }).waitFor();
}

/** The enrol step that follows the first verified sign-in. */
export async function setSecurityQuestions(page: Page): Promise<void> {
  await page.getByRole('heading', { name: 'Set your security questions' }).waitFor();
  for (const [index, answer] of [[1, 'Rex the dog'], [2, 'Lisbon']] as const) {
    const group = page.getByRole('group', { name: `Security question ${index}` });
    await group.getByLabel('Question').selectOption({ index });
    await group.getByLabel('Answer').fill(answer);
  }
  await page.getByRole('button', { name: 'Save and continue' }).click();
}
