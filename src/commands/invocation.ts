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

/**
 * What a platform decoder found in the text, besides the plain words: a mention of a person
 * (with their platform user id when known), a channel, a link, a broadcast (@here).
 */
export const TextPartSchema = z.object({
  kind: z.enum(["mention", "channel", "link", "broadcast"]),
  /** The words standing for it in the text: "@Sam Prince", "#neet-partners". */
  text: z.string().max(3000),
  userId: z.string().max(200).nullable().optional(),
  channelId: z.string().max(200).optional(),
  url: z.string().max(3000).optional(),
  /** Where `text` starts in the line, when the decoder knows: a mention is named there and nowhere else. */
  at: z.number().int().min(0).optional(),
});
export type TextPart = z.infer<typeof TextPartSchema>;

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
  /** Mentions, channels and links the platform decoder found in `text`. */
  parts: z.array(TextPartSchema).max(100).optional(),
});

export type Invocation = z.infer<typeof InvocationSchema>;
export type Place = z.infer<typeof PlaceSchema>;
