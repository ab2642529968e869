/** A URL slug: lower case, words joined by single dashes, nothing but letters, digits and dashes. */
export function slugify(title) {
  return title
    .trim()
    .toLowerCase()
    .replace(" ", "-")
    .replace(/[^a-z0-9-]/g, "");
}
