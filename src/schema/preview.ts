/**
 * The one-line previews that messages and board comments keep next to their content (agor lists
 * them without reading the content).
 */

/** How long a preview is: agor's, the first 200 characters. */
export const PREVIEW_LENGTH = 200

/** `text` cut to PREVIEW_LENGTH characters, never inside a surrogate pair. */
export function clip(text: string): string {
  if (text.length <= PREVIEW_LENGTH) return text
  const cut = text.slice(0, PREVIEW_LENGTH)
  return /[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut
}

/**
 * The preview of content that is text, a list of blocks (the first block with text), or a
 * permission request (what it asks for, as agor shows it).
 */
export function previewOf(content: unknown): string {
  if (typeof content === 'string') return clip(content)
  if (!Array.isArray(content)) {
    const tool: unknown = isRecord(content) ? content.tool_name : undefined
    return typeof tool === 'string' ? clip(`Permission required: ${tool}`) : ''
  }
  for (const block of content) {
    const text: unknown = typeof block === 'object' && block !== null ? Reflect.get(block, 'text') : undefined
    if (typeof text === 'string') return clip(text)
  }
  return ''
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** A board comment's preview, as agor makes it: its first 200 characters and `...` when it is longer. */
export function commentPreview(content: unknown): string {
  const text = typeof content === 'string' ? content : ''
  return text.length > PREVIEW_LENGTH ? `${clip(text)}...` : text
}

interface Previewed {
  content: unknown
  content_preview?: string | null
}

/**
 * Sets `next`'s preview from its content (with `make`) when the write gives none, or changes the
 * content and leaves the stored preview as it was; a preview the write gives is kept, as agor
 * keeps it (its own previews of tool results and permission requests are not the text's).
 */
export function followPreview(
  next: Previewed,
  previous: Previewed | undefined,
  make: (content: unknown) => string = previewOf
): void {
  const stale =
    previous !== undefined &&
    next.content_preview === previous.content_preview &&
    JSON.stringify(next.content) !== JSON.stringify(previous.content)
  if (next.content_preview == null || stale) next.content_preview = make(next.content)
}
