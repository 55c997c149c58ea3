/**
 * True for text that says nothing: empty, or only whitespace and characters that print as nothing
 * (format characters, Unicode Cf: zero-width spaces and joiners, the BOM, soft hyphens; and the
 * other default-ignorable ones: Hangul fillers, variation selectors, the grapheme joiner).
 */
export const isBlank = (text: string) =>
  text.replace(/[\s\p{Cf}\p{Default_Ignorable_Code_Point}]/gu, '') === ''
