// @ts-check
// The orders every example answers GET /orders with: one list, one place.
export const ORDERS = [
  { id: "ord_1001", item: "Coffee beans, 1 kg", quantity: 2 },
  { id: "ord_1002", item: "Paper filters", quantity: 100 },
];
