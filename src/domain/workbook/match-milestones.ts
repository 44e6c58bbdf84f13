/** A milestone as the import compares it: where it stands in its action, and its words. */
export interface PlacedMilestone {
  position: number;
  text: string;
}

export interface MilestoneMatch<S extends PlacedMilestone> {
  /** For each of the file's milestones, in the file's order: the stored milestone it is, or null for a new one. */
  matched: (S | null)[];
  /** Stored milestones the file no longer lists: removed, unless done or with evidence (then kept). */
  left: S[];
}

const words = (text: string): string => text.trim().replace(/\s+/g, " ");

/**
 * Which stored milestone each milestone in a re-imported file is. Lines of an Actions sheet's
 * milestone cell have no refs, so a line inserted or deleted above a milestone moves it; matching
 * by position alone gave the words "Consultation January 2027" to ATT-1.1, done with the evidence
 * "brief signed off at CTB". So the same words are the same milestone wherever they now stand;
 * a line whose words changed is the stored milestone at its position that no other line claimed
 * (a reworded milestone keeps its done mark and evidence, as before); the rest are new.
 * `byRef`: the file names each milestone's ref (the Milestones sheet), so position is identity.
 * Pure: positions are 1-based, as in refs (ATT-1.2 is position 2).
 */
export function matchMilestones<S extends PlacedMilestone>(stored: readonly S[], file: readonly PlacedMilestone[], byRef: boolean): MilestoneMatch<S> {
  const unused = new Set(stored);
  const atPosition = new Map(stored.map((s) => [s.position, s]));
  const take = (s: S | undefined): S | null => {
    if (!s || !unused.has(s)) return null;
    unused.delete(s);
    return s;
  };
  const matched: (S | null)[] = file.map(() => null);
  if (byRef) file.forEach((m, i) => (matched[i] = take(atPosition.get(m.position))));
  else {
    // Same words at the same place first, then the same words elsewhere, then the place alone.
    file.forEach((m, i) => {
      const here = atPosition.get(m.position);
      if (here && words(here.text) === words(m.text)) matched[i] = take(here);
    });
    file.forEach((m, i) => {
      if (matched[i]) return;
      matched[i] = take([...unused].find((s) => words(s.text) === words(m.text)));
    });
    file.forEach((m, i) => {
      if (matched[i]) return;
      matched[i] = take(atPosition.get(m.position));
    });
  }
  return { matched, left: stored.filter((s) => unused.has(s)) };
}
