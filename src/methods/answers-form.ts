/** answer_<question id> fields; anything else in the body is ignored, oversized answers cut. */
export function readAnswers(body: unknown): Map<string, string> {
  const answers = new Map<string, string>();
  for (const [name, value] of Object.entries((body ?? {}) as Record<string, unknown>)) {
    const id = /^answer_([a-z0-9_-]{1,40})$/.exec(name)?.[1];
    if (id && typeof value === 'string') answers.set(id, value.slice(0, 200));
  }
  return answers;
}
