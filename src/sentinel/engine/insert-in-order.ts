/**
 * Adds `value` to the ascending `list`, in its place: a line's few candidate rules (their order is
 * their priority) cost less this way than a sort, which calls back into JavaScript per comparison.
 */
export function insertInOrder(list: number[], value: number): void {
  let i = list.length;
  list.push(value);
  while (i > 0 && list[i - 1]! > value) {
    list[i] = list[i - 1]!;
    i--;
  }
  list[i] = value;
}
