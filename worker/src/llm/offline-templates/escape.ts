/**
 * Escaping for text that came from a prompt. The offline generator puts user text into HTML and
 * JavaScript it writes; a prompt such as `</script><script>alert(1)</script>` must stay text.
 */

const htmlEntities: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text made safe for HTML element content and for quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => htmlEntities[character]);
}

/**
 * A JavaScript string literal for `text`. JSON.stringify handles quotes and backslashes; `<`, `>` and
 * `&` are also escaped so the literal stays harmless should it ever be inlined in a `<script>` element,
 * and U+2028/U+2029 so older engines that treat them as line terminators still parse it.
 */
export function toJavaScriptString(text: string): string {
  return JSON.stringify(text)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** A lower-case ASCII slug (letters, digits, dashes) for storage keys; never empty. */
export function toSlug(text: string): string {
  const slug = text
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/g, '');
  return slug === '' ? 'app' : slug;
}
