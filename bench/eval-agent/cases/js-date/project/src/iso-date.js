/** A date as YYYY-MM-DD, in UTC. */
export function isoDate(date) {
  return `${date.getUTCFullYear()}-${date.getUTCMonth() + 1}-${date.getUTCDate()}`;
}
