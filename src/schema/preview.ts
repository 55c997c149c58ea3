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

/** Sets a document's preview from its content: the store's to keep, as timestamps are. */
export function setPreview(doc: { content: unknown; content_preview?: string | null }): void {
  doc.content_preview = previewOf(doc.content)
}
