/**
 * The last millisecond a JavaScript Date holds (about the year 275,760). Times read from files are
 * ms since the epoch, so at least 0; one past either end is not a time, and dating it
 * (`toISOString`) throws "Invalid time value": the report, the learner and the recommendations'
 * session reader leave such rows out instead.
 */
export const MAX_AT = 8_640_000_000_000_000;
