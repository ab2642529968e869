export interface Item {
  readonly name: string;
  readonly price: number;
  readonly quantity: number;
}

/** The cart's total, in cents. */
export function total(items: readonly Item[]): number {
  return items.reduce((sum, item) => sum + item.price * item.quantity, "0");
}
