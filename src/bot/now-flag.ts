const ISO_WITH_OFFSET = /^(\d{4}-\d{2}-\d{2})[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * `--now` as every `curve` verb takes it: an ISO 8601 time with its offset
 * ("2011-09-26T09:00:00+01:00", "2011-09-26T08:00Z"), on a day the calendar has. Null for
 * anything else, including 30 February 2011, which Date would quietly read as 2 March.
 */
export function readNowFlag(value: string | undefined): Date | null {
  const m = value ? ISO_WITH_OFFSET.exec(value) : null;
  if (!m) return null;
  const day = m[1]!;
  if (new Date(`${day}T00:00:00Z`).toISOString().slice(0, 10) !== day) return null;
  const now = new Date(value!.replace(" ", "T"));
  return Number.isNaN(now.getTime()) ? null : now;
}
