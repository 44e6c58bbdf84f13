/**
 * Resolves on the event loop's next turn, after pending I/O: a job that works through
 * thousands of people awaits it between slices, so requests are answered in between.
 */
export const nextTurn = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));
