import { z } from 'zod';

/** The sign-in form. Oversized or malformed input is treated like a wrong password. */
export const signInForm = z.object({
  login: z.string().trim().min(1).max(254),
  password: z.string().min(1).max(1024),
});
