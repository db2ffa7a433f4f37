/** `items` grouped by `groupOf`, each item with its position in `items` (to put answers back in order). */
export function groupBy<I, G>(items: readonly I[], groupOf: (item: I) => G): Map<G, [I, number][]> {
  const groups = new Map<G, [I, number][]>();
  items.forEach((item, i) => {
    const id = groupOf(item);
    const group = groups.get(id);
    if (group === undefined) groups.set(id, [[item, i]]);
    else group.push([item, i]);
  });
  return groups;
}
