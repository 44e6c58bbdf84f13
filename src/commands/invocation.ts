import { z } from "zod/v4";

/** What every adapter hands the command layer: no Slack, Teams or terminal types past this point. */
export const PlaceSchema = z.object({
  platform: z.enum(["slack", "teams", "shell"]),
  tenant: z.string().min(1).max(200),
  channel: z.string().min(1).max(200),
});

const PersonSchema = z.object({
  id: z.number().int().positive(),
  name: z.string(),
  email: z.string().nullable(),
  roles: z.array(z.enum(["coordinator", "admin", "board_member", "ambassador"])),
  jobTitle: z.string().nullable(),
  timeZone: z.string(),
  teamIds: z.array(z.number().int()),
});

export const ActorSchema = z.union([
  z.object({ personId: z.number().int().positive() }),
  /** An adapter that has just identified the person passes them on, saving a second lookup. */
  z.object({ person: PersonSchema }),
  z.object({ platform: z.enum(["slack", "teams", "shell"]), tenant: z.string().min(1), userId: z.string().min(1) }),
]);

export const InvocationSchema = z.object({
  partnershipId: z.number().int().positive(),
  actor: ActorSchema,
  place: PlaceSchema,
  command: z.string().max(64),
  text: z.string(),
  idempotencyKey: z.string().min(1).max(200),
  now: z.date(),
  /** What the platform can show; the shell has no forms, Slack and Teams do. */
  capabilities: z.object({ forms: z.boolean() }).optional(),
});

export type Invocation = z.infer<typeof InvocationSchema>;
export type Place = z.infer<typeof PlaceSchema>;
