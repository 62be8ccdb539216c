import { z } from 'zod';

/** Page size of every list: at most 200 at a time. */
export const limitSchema = z.coerce.number().int().min(1).max(200).default(50).describe('Items per page (1 to 200)');

export const cursorSchema = z.string().min(1).max(1000).optional().describe('The next_cursor of the previous page');

/** A page of a list: `next_cursor` is null on the last one. */
export const pageSchema = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), next_cursor: z.string().nullable().describe('Pass as cursor for the next page; null on the last page') });
