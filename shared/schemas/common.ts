import { z } from 'zod';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A lowercase UUID; upper-case input is accepted and lowered. */
export const uuid = z
  .string()
  .transform((value) => value.toLowerCase())
  .pipe(z.string().regex(UUID, 'Must be a UUID such as 3f1c2a9e-8b7d-4c1e-9f0a-2b3c4d5e6f70'));

/** ISO 8601 UTC with milliseconds and Z: 2026-12-03T15:45:21.123Z */
export const isoTime = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);

export const messageOutput = z.object({ message: z.string() });
